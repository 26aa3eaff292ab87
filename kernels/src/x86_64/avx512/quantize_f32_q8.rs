//! `quantize_f32_q8_avx512`: f32 → u8/s8 (AVX-512 F/BW/VL/DQ).

use super::q8_drive::{drive_bytes, param_f32, param_i32, round_clamp};
use crate::q8::Q8Args;
use core::arch::x86_64::*;

/// Quantizes `n` f32 to bytes, as `scalar::quantize_f32_q8::quantize_one`
/// element by element (NaN → zero point, ±Inf saturate).
///
/// # Safety
/// The CPU must have AVX-512 F/BW/VL/DQ; `src` readable and `dst` writable
/// for `n` elements; `a.scale` and `a.zp` readable for `n`
/// entries where per element, else one.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
pub unsafe fn quantize_f32_q8_avx512(src: *const f32, dst: *mut u8, n: usize, a: &Q8Args) {
    // SAFETY: the pointers are valid per the contract; every load is masked
    // to lanes below `n`.
    unsafe {
        let (s, z) = (*a.scale, *a.zp);
        let per_tensor = !a.scale_per_element && !a.zp_per_element;
        if per_tensor && (2f32.powi(-90)..=2f32.powi(90)).contains(&s) && (a.lo..=a.hi).contains(&z) {
            return quantize_per_tensor(src, dst, n, a, s, z);
        }
        let inv = _mm512_set1_ps(s);
        let zp = _mm512_set1_epi32(z);
        let (lo, hi) = (_mm512_set1_epi32(a.lo), _mm512_set1_epi32(a.hi));
        drive_bytes(src.cast(), 4, dst, n, a.stream, a.lo >= 0, |i, m| {
            let s = param_f32(a.scale, a.scale_per_element, inv, i, m);
            let z = param_i32(a.zp, a.zp_per_element, zp, i, m);
            let y = _mm512_div_ps(_mm512_maskz_loadu_ps(m, src.add(i)), s);
            // NaN lanes become 0 (then the zero point).
            let y = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask::<_CMP_ORD_Q>(y, y), y);
            round_clamp(y, z, lo, hi)
        });
    }
}

/// The per-tensor path without `vdivps`: `x` is first clamped to the
/// inputs whose quotient reaches `lo`/`hi` (so nothing overflows and no
/// integer clamp is needed), then `RN(x/s)` is `x·RN(1/s)` plus one residual
/// correction `(x − q·s)·RN(1/s)`, which rounds to even like the division
/// for every scale mantissa and every input within 6 ulps of a tie of the
/// output range (checked exhaustively, docs/tuning.md; the scale range
/// keeps the residuals that matter exact).
///
/// # Safety
/// As [`quantize_f32_q8_avx512`], with `2^-90 ≤ s ≤ 2^90` and
/// `a.lo ≤ z ≤ a.hi`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
unsafe fn quantize_per_tensor(src: *const f32, dst: *mut u8, n: usize, a: &Q8Args, s: f32, z: i32) {
    // `RN((lo − z)·s)` divided by `s` rounds to `lo − z` (and likewise for
    // `hi`): clamping to these changes no result.
    let xlo = _mm512_set1_ps((a.lo - z) as f32 * s);
    let xhi = _mm512_set1_ps((a.hi - z) as f32 * s);
    let (r, sv, zp) = (_mm512_set1_ps(1.0 / s), _mm512_set1_ps(s), _mm512_set1_epi32(z));
    // SAFETY: as in `quantize_f32_q8_avx512`.
    unsafe {
        drive_bytes(src.cast(), 4, dst, n, a.stream, a.lo >= 0, |i, m| {
            let x = _mm512_maskz_loadu_ps(m, src.add(i));
            let ord = _mm512_cmp_ps_mask::<_CMP_ORD_Q>(x, x);
            // Operand order keeps NaN (vmaxps returns its second operand on NaN).
            let x = _mm512_min_ps(xhi, _mm512_max_ps(xlo, x));
            let q = _mm512_mul_ps(x, r);
            let q = _mm512_fmadd_ps(_mm512_fnmadd_ps(q, sv, x), r, q);
            // NaN lanes become 0 (then the zero point); rounds to nearest even.
            _mm512_add_epi32(_mm512_maskz_cvtps_epi32(ord, q), zp)
        });
    }
}
