//! `gconv_u8s8s32_16ch_avx512vnni`: the INT8 grouped-convolution kernel, 16
//! output channels × a run of output pixels, one `vpdpbusd` per tap and
//! 4 input channels of each lane's group.

use crate::x86_64::gconv_ops::{gconv_row, Dpbusd};

with_level! { avx512vnni:
/// For each output pixel `n < pixels`: `out[n·ldo + l] = init[l] +
/// Σ_s Σ_{t<4} x[s][n][4l + t]·w[s][4l + t]` (u8 × s8, wrapping s32), where
/// `x[s][n]` is the 64 bytes at `src + offs[s] + n·ps` and `w[s]` the 64 at
/// `w + 64·s`: step `s` is one tap and 4 input channels of the expanded
/// input, lane `l` output channel `l` of the block.
///
/// # Safety
///
/// The CPU must have the `avx512vnni` level ([`crate::level::AVX512VNNI`]).
/// For every `s < offs.len()` and `n < pixels`, 64 bytes must be readable
/// at `src + offs[s] + n·ps` and at `w + 64·s`, 16 i32 at `init`, and 16 i32
/// writable at `out + n·ldo`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gconv_u8s8s32_16ch_avx512vnni(
    offs: &[usize],
    src: *const u8,
    ps: usize,
    pixels: usize,
    w: *const i8,
    init: *const i32,
    out: *mut i32,
    ldo: usize,
) {
    // SAFETY: the caller's contract is the loop's.
    unsafe { gconv_row::<Dpbusd>(offs, src, ps, pixels, w.cast(), init.cast(), out, ldo, ()) }
}
}
