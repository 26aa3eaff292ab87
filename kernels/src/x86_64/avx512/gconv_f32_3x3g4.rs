//! `gconv_f32_3x3g4_avx512`: the FP32 3×3 grouped kernel for 4 input and
//! 4 output channels a group, 16 output channels × a run of output pixels
//! of one row, from input transposed in 16-float chunks (no expansion).

use crate::x86_64::gconv_g4_ops::gconv_g4_row;
use crate::x86_64::gconv_ops::Fma;
use core::arch::x86_64::_mm512_set1_ps;

with_level! { avx512:
/// For each output pixel `n < pixels` and channel `j < 16` (group `j / 4`):
/// `out[n·ldo + j] = init[j] + Σ_{r,s<3} Σ_{c<4} x[r][n + s][4c + j / 4]·
/// w[(3r + s)·4 + c][4·(j % 4) + j / 4]` (f32 FMA), where `x[r][p]` is the
/// 16 floats at `src + r·rs + p·ps` (byte strides; channel `c` of group
/// `g` at `4c + g`) and `w[t]` the 16 at `w + 16·t` (lane `l` for output
/// channel `4·(l % 4) + l / 4`). With `clamp = (lo, hi)` each output is
/// `min(max(v, lo), hi)` (lo and hi not NaN).
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]). For
/// `r < 3` and `p < pixels + 2`, 64 bytes must be readable at `src + r·rs +
/// p·ps`; 36·16 f32 at `w`, 16 at `init`; 16 f32 writable at `out + n·ldo`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gconv_f32_3x3g4_avx512(
    src: *const u8,
    rs: usize,
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
    unsafe { gconv_g4_row::<Fma>(src, rs, ps, pixels, w.cast(), init.cast(), out, ldo, ep) }
}
}
