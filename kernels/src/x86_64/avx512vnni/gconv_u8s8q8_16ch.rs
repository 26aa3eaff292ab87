//! `gconv_u8s8q8_16ch_avx512vnni`: the INT8 grouped-convolution kernel
//! with the requantizing store fused: 16 output channels × a run of output
//! pixels, one `vpdpbusd` per tap and 4 input channels of each lane's group,
//! each pixel's 16 results requantized to u8 or s8 bytes.

use crate::x86_64::gconv_ops::{gconv_row, DpbusdQ8, Q8Ep};

with_level! { avx512vnni:
/// As `gconv_u8s8s32_16ch_avx512vnni`, each s32 result `v` of lane `l`
/// then stored as the byte `clamp(round_half_even((v as f32)·scale[l]),
/// lo − zp, hi − zp) + zp` with `bounds = (zp, lo, hi)` (igemm's requantization, bit for bit) at
/// `out + n·ldo + l`.
///
/// # Safety
///
/// The CPU must have the `avx512vnni` level ([`crate::level::AVX512VNNI`]).
/// For every `s < offs.len()` and `n < pixels`, 64 bytes must be readable
/// at `src + offs[s] + n·ps` and at `w + 64·s`, 16 i32 at `init` and 16 f32
/// at `scale`, and 16 bytes writable at `out + n·ldo`. (Any `lo ≤ hi`
/// within the output type's range stores in-range bytes.)
#[allow(clippy::too_many_arguments)]
pub unsafe fn gconv_u8s8q8_16ch_avx512vnni(
    offs: &[usize],
    src: *const u8,
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
    unsafe { gconv_row::<DpbusdQ8>(offs, src, ps, pixels, w.cast(), init.cast(), out, ldo, ep) }
}
}
