//! The argument block shared by the q8 conversion kernels (quantize f32 →
//! u8/s8, dequantize u8/s8 → f32, requantize s32 → u8/s8).
//!
//! One kernel serves both 8-bit types: results are clamped to `[lo, hi]` in
//! i32 and their low byte is stored, which is the u8 value for `[0, 255]`
//! and the two's-complement s8 value for `[-128, 127]`.

/// Per-call parameters of a q8 conversion kernel.
#[derive(Clone, Copy, Debug)]
pub struct Q8Args {
    /// The multiplier: one value, or one per element when `scale_per_element`.
    /// (Quantize divides by it, the others multiply.)
    pub scale: *const f32,
    /// Whether `scale` has `n` entries (per-column channels) or one.
    pub scale_per_element: bool,
    /// The zero point: one value, or one per element when `zp_per_element`.
    pub zp: *const i32,
    /// Whether `zp` has `n` entries or one.
    pub zp_per_element: bool,
    /// Lowest output value (within the output type's range).
    pub lo: i32,
    /// Highest output value.
    pub hi: i32,
    /// Use non-temporal stores for the aligned body (outputs larger than the
    /// LLC); the kernel fences them before it returns.
    pub stream: bool,
}

impl Q8Args {
    /// The scale of element `i`.
    ///
    /// # Safety
    /// `scale` must be readable at `i` (per element) or at 0.
    #[inline(always)]
    pub unsafe fn scale_at(&self, i: usize) -> f32 {
        // SAFETY: by the caller's contract.
        unsafe { *self.scale.add(if self.scale_per_element { i } else { 0 }) }
    }

    /// The zero point of element `i`.
    ///
    /// # Safety
    /// `zp` must be readable at `i` (per element) or at 0.
    #[inline(always)]
    pub unsafe fn zp_at(&self, i: usize) -> i32 {
        // SAFETY: by the caller's contract.
        unsafe { *self.zp.add(if self.zp_per_element { i } else { 0 }) }
    }
}

/// `|y|` is clamped to this before the float → int conversion, so the
/// conversion never overflows; any larger value saturates the output anyway.
pub const Q8_Y_LIMIT: f32 = 1_073_741_824.0;

impl Q8Args {
    /// The arguments for the elements from `i` on (per-element pointers
    /// advanced; the scalar tail of a vector kernel).
    ///
    /// # Safety
    /// Per-element pointers must stay in bounds at `i`.
    #[inline(always)]
    pub unsafe fn offset(&self, i: usize) -> Q8Args {
        // SAFETY: by the caller's contract.
        unsafe {
            Q8Args {
                scale: if self.scale_per_element {
                    self.scale.add(i)
                } else {
                    self.scale
                },
                zp: if self.zp_per_element {
                    self.zp.add(i)
                } else {
                    self.zp
                },
                ..*self
            }
        }
    }
}
