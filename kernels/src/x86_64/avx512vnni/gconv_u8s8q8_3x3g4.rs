//! `gconv_u8s8q8_3x3g4_avx512vnni`: `gconv_u8s8s32_3x3g4_avx512vnni` with
//! the requantizing store fused (each pixel's 16 results to u8 or s8).

use crate::x86_64::gconv_g4_ops::gconv_g4_row;
use crate::x86_64::gconv_ops::{DpbusdQ8, Q8Ep};

with_level! { avx512vnni:
/// As `gconv_u8s8s32_3x3g4_avx512vnni`, each s32 result `v` of channel `j`
/// then stored as the byte `clamp(round_half_even((v as f32)·scale[j]),
/// lo − zp, hi − zp) + zp` with `bounds = (zp, lo, hi)` (igemm's requantization, bit for bit) at
/// `out + n·ldo + j`.
///
/// # Safety
///
/// As `gconv_u8s8s32_3x3g4_avx512vnni`, with 16 f32 readable at `scale`
/// and 16 bytes writable at `out + n·ldo`. (Any `lo ≤ hi` within the
/// output type's range stores in-range bytes.)
#[allow(clippy::too_many_arguments)]
pub unsafe fn gconv_u8s8q8_3x3g4_avx512vnni(
    src: *const u8,
    rs: usize,
    ps: usize,
    pixels: usize,
    w: *const i8,
    init: *const i32,
    out: *mut u8,
    ldo: usize,
    scale: *const f32,
    bounds: (i32, i32, i32),
) {
    // SAFETY: 16 scales (the caller's contract).
    let ep = unsafe { Q8Ep::new(scale, bounds) };
    // SAFETY: the caller's contract is the loop's.
    unsafe { gconv_g4_row::<DpbusdQ8>(src, rs, ps, pixels, w.cast(), init.cast(), out, ldo, ep) }
}
}
