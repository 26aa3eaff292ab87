//! What every INT8 *indirect* convolution microkernel declares about itself
//! ([`IconvUkernelInfo`]), and its A operand ([`IconvRows`]).
//!
//! An indirect kernel computes the same tile as an igemm kernel
//! ([`crate::igemm_ukernel`]) on the same packed weight panel, but reads A
//! in place instead of from a packed panel: row `r` of the tile (an output
//! pixel) is the concatenation over the taps `t` of the `4·groups` input
//! bytes at [`IconvRows::row`]`(r, t)`, so k-group `t·groups + g` of row
//! `r` is the 4 bytes at `row(r, t) + 4g`. In NHWC input these are 4
//! consecutive channels of one pixel: `vpdpbusd` broadcasts them straight
//! from the input (XNNPACK's igemm, oneDNN's brgemm convolution).
//!
//! ```text
//! unsafe fn(m, a: &IconvRows, b, c, ldc, corr)            // s32
//! unsafe fn(m, a: &IconvRows, b, corr, rq: &TileRequant)   // fused u8/s8
//! unsafe fn(m, a: &IconvRows, b, corr, dq: &TileDequant)   // fused f32
//! unsafe fn(m, a: &IconvRows, b, corr, rq: &TileRequantFixed) // fused u8/s8, fixed point
//! ```
//!
//! `b`, `c`, `corr`, `rq`, `dq` and `1 ≤ m ≤ MR` are as in the igemm
//! contract with `kg = taps·groups`.

use crate::scalar::igemm_tile_store::{TileCorrection, TileDequant, TileRequant, TileRequantFixed};
use crate::strip_entries::{InPlaceRows, StripEntries};

/// The offset of a padding tap: the row reads [`IconvRows::zero`].
pub const PAD: usize = usize::MAX;

/// The A operand of an indirect kernel: per output pixel and tap, the
/// offset of the input run it reads.
#[derive(Clone, Copy, Debug)]
pub struct IconvRows {
    /// Row `r`, tap `t`: `offsets[r·taps + t]`, an element offset from
    /// `base`, or [`PAD`].
    pub offsets: *const usize,
    /// Taps per row (`T·R·S`), at least 1.
    pub taps: usize,
    /// k-groups per tap (input channels / 4).
    pub groups: usize,
    /// The input (the group's first channel).
    pub base: *const u8,
    /// `4·groups` bytes of the zero point: what a padding tap reads.
    pub zero: *const u8,
    /// Null, or per tap `t` the `NR` sums a row's padding tap adds,
    /// `pad_sums[t·pad_stride + j] = Σ_q zero[q]·B[t·4·groups + q][j]`
    /// (wrapping): a tap whose padding rows come first or last in the tile
    /// skips them and adds these instead (the same bits; oneDNN's brgemm
    /// convolution skips padding taps likewise).
    pub pad_sums: *const i32,
    /// The tap stride of `pad_sums` (elements).
    pub pad_stride: usize,
    /// 0, or (with `pad_sums`) the bytes between consecutive rows' runs at
    /// every tap: a tap's real rows are then consecutive (padding rows only
    /// first and last) and the kernel finds them from the first one, not
    /// row by row (the rows of one output row, stride 1: `C` bytes apart).
    pub row_step: usize,
}

impl IconvRows {
    /// Whether row `r` pads at tap `t`.
    ///
    /// # Safety
    ///
    /// `offsets` readable at `r·taps + t`.
    #[inline(always)]
    pub unsafe fn is_pad(&self, r: usize, t: usize) -> bool {
        // SAFETY: the caller's.
        unsafe { *self.offsets.add(r * self.taps + t) == PAD }
    }

    /// The same operand from row `r` on (its first row is this one's row
    /// `r`). Only addresses are computed, nothing is read.
    #[inline(always)]
    pub fn from_row(&self, r: usize) -> Self {
        IconvRows {
            offsets: self.offsets.wrapping_add(r * self.taps),
            ..*self
        }
    }

    /// The first byte of row `r`'s run at tap `t`.
    ///
    /// # Safety
    ///
    /// `offsets` readable at `r·taps + t`.
    #[inline(always)]
    pub unsafe fn row(&self, r: usize, t: usize) -> *const u8 {
        // SAFETY: the caller's.
        let o = unsafe { *self.offsets.add(r * self.taps + t) };
        if o == PAD {
            self.zero
        } else {
            self.base.wrapping_add(o)
        }
    }
}

/// `(m, a, b, c, ldc, corr)`: the s32 tile.
pub type IconvFn = unsafe fn(usize, &IconvRows, *const i8, *mut i32, usize, Option<&TileCorrection>);

/// `(m, a, b, corr, rq)`: the tile requantized to u8/s8 in the epilogue.
pub type IconvQ8Fn = unsafe fn(usize, &IconvRows, *const i8, Option<&TileCorrection>, &TileRequant);

/// `(m, a, b, corr, dq)`: the tile dequantized to f32 in the epilogue.
pub type IconvF32Fn = unsafe fn(usize, &IconvRows, *const i8, Option<&TileCorrection>, &TileDequant);

/// `(m, a, b, corr, rq)`: the tile requantized to u8/s8 in fixed point
/// (gemmlowp / TFLite) in the epilogue.
pub type IconvQ8FixedFn = unsafe fn(usize, &IconvRows, *const i8, Option<&TileCorrection>, &TileRequantFixed);

/// The kernel's strip entries (no streaming form).
pub type IconvStrip = StripEntries<IconvRows>;

/// One indirect convolution microkernel: its entry points and what it needs.
#[derive(Clone, Copy, Debug)]
pub struct IconvUkernelInfo {
    /// Function name (`iconv_u8s8s32_14x32_avx512vnni`).
    pub name: &'static str,
    /// Its ISA level's name.
    pub isa: &'static str,
    /// The CPU features it is compiled for (as in `#[target_feature]`).
    pub features: &'static str,
    /// Rows of a full tile.
    pub mr: usize,
    /// Columns of a tile (the packed weight panel width).
    pub nr: usize,
    /// The s32 tile.
    pub f: IconvFn,
    /// The requantizing entry.
    pub f_q8: IconvQ8Fn,
    /// The dequantizing entry.
    pub f_f32: IconvF32Fn,
    /// The fixed-point requantizing entry.
    pub f_q8_fixed: IconvQ8FixedFn,
    /// The strip entries.
    pub strip: IconvStrip,
}

impl InPlaceRows for IconvRows {
    #[inline(always)]
    fn skip_rows(&self, r: usize) -> Self {
        IconvRows::from_row(self, r)
    }
}

// SAFETY: an `IconvRows` only describes memory that kernels read; whoever
// calls a kernel with it vouches that the memory is valid and unchanging
// for the call, on whichever thread runs it.
unsafe impl Send for IconvRows {}
// SAFETY: as above: shared, it is only read.
unsafe impl Sync for IconvRows {}
