//! `gconv_f32_16ch_avx512`: the FP32 grouped-convolution kernel, 16 output
//! channels × a run of output pixels, one FMA per tap and input channel of
//! each lane's group.

use crate::x86_64::gconv_ops::{gconv_row, Fma};
use core::arch::x86_64::_mm512_set1_ps;

with_level! { avx512:
/// For each output pixel `n < pixels`: `out[n·ldo + l] = init[l] +
/// Σ_s x[s][n][l]·w[s][l]` (f32 FMA, steps in order), where `x[s][n]` is the
/// 16 floats at `src + offs[s] + n·ps` (a byte offset) and `w[s]` the 16 at
/// `w + 16·s`: step `s` is one tap and one input channel of the expanded
/// input, lane `l` output channel `l` of the block. With `clamp = (lo, hi)`
/// each output is `min(max(v, lo), hi)` (as `f32::max`/`min`; lo and hi
/// not NaN).
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]). For
/// every `s < offs.len()` and `n < pixels`, 64 bytes must be readable at
/// `src + offs[s] + n·ps` and at `w + 16·s`, 16 f32 at `init`, and 16 f32
/// writable at `out + n·ldo`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gconv_f32_16ch_avx512(
    offs: &[usize],
    src: *const u8,
    ps: usize,
    pixels: usize,
    w: *const f32,
    init: *const f32,
    out: *mut f32,
    ldo: usize,
    clamp: Option<(f32, f32)>,
) {
    let ep = clamp.map(|(lo, hi)| (_mm512_set1_ps(lo), _mm512_set1_ps(hi)));
    // SAFETY: the caller's contract is the loop's.
    unsafe { gconv_row::<Fma>(offs, src, ps, pixels, w.cast(), init.cast(), out, ldo, ep) }
}
}
