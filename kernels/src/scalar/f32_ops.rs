//! Scalar "vector" operations (width 1) so the shared f32 kernel macros can
//! stamp the portable kernels.

/// Reads one f32.
///
/// # Safety
/// `p` must be valid for a read.
#[inline(always)]
pub(crate) unsafe fn load(p: *const f32) -> f32 {
    // SAFETY: the caller guarantees `p` is readable.
    unsafe { p.read_unaligned() }
}

/// Writes one f32.
///
/// # Safety
/// `p` must be valid for a write.
#[inline(always)]
pub(crate) unsafe fn store(p: *mut f32, v: f32) {
    // SAFETY: the caller guarantees `p` is writable.
    unsafe { p.write_unaligned(v) }
}

/// The value itself (a width-1 broadcast).
#[inline(always)]
pub(crate) fn splat(x: f32) -> f32 {
    x
}

/// `a·b + c`, rounded twice (a fused `mul_add` would be a libm call here).
#[inline(always)]
pub(crate) fn fma(a: f32, b: f32, c: f32) -> f32 {
    a * b + c
}

/// `a·b`.
#[inline(always)]
pub(crate) fn mul(a: f32, b: f32) -> f32 {
    a * b
}

/// No prefetch in portable code.
#[inline(always)]
pub(crate) fn prefetch(_p: *const f32) {}
