//! `quantize_f32_q8_avx2`: f32 → u8/s8 (AVX2 + FMA + F16C).

use super::q8_drive::{drive_bytes, narrow4, param_f32, param_i32, round_clamp};
use crate::q8::Q8Args;
use crate::scalar::quantize_f32_q8::quantize_f32_q8_scalar;
use core::arch::x86_64::*;

/// Quantizes `n` f32 to bytes, as `scalar::quantize_f32_q8::quantize_one`
/// element by element (NaN → zero point, ±Inf saturate).
///
/// # Safety
/// The CPU must have AVX2 + FMA + F16C; `src` readable and `dst` writable
/// for `n` elements; `a.scale` and `a.zp` readable for `n`
/// entries where per element, else one.
#[target_feature(enable = "avx,avx2,fma,f16c")]
pub unsafe fn quantize_f32_q8_avx2(src: *const f32, dst: *mut u8, n: usize, a: &Q8Args) {
    // SAFETY: the pointers are valid per the contract; the body reads
    // `i..i+32 ≤ n`, the scalar kernel the rest.
    unsafe {
        let inv = _mm256_set1_ps(*a.scale);
        let zp = _mm256_set1_epi32(*a.zp);
        let (lo, hi) = (_mm256_set1_epi32(a.lo), _mm256_set1_epi32(a.hi));
        let lanes = |i: usize| {
            let y = _mm256_div_ps(
                _mm256_loadu_ps(src.add(i)),
                param_f32(a.scale, a.scale_per_element, inv, i),
            );
            // NaN lanes become 0 (then the zero point).
            let y = _mm256_and_ps(y, _mm256_cmp_ps::<_CMP_ORD_Q>(y, y));
            round_clamp(y, param_i32(a.zp, a.zp_per_element, zp, i), lo, hi)
        };
        let body = |i: usize| narrow4([lanes(i), lanes(i + 8), lanes(i + 16), lanes(i + 24)], a.lo >= 0);
        let rest = |s: usize, len: usize| quantize_f32_q8_scalar(src.add(s), dst.add(s), len, &a.offset(s));
        drive_bytes(dst, n, a.stream, body, rest);
    }
}
