//! `dequantize_q8_f32_avx2`: u8/s8 → f32 (AVX2 + FMA + F16C).

use super::q8_drive::{drive_f32, param_f32, param_i32};
use crate::q8::Q8Args;
use crate::scalar::dequantize_q8_f32::dequantize_q8_f32_scalar;
use core::arch::x86_64::*;

/// Dequantizes `n` bytes (`signed`: s8, else u8): `y = ((q − zp) as f32)·scale`.
///
/// # Safety
/// The CPU must have AVX2 + FMA + F16C; `src` readable and `dst` writable
/// for `n` elements; `a.scale` and `a.zp` readable for `n` entries where
/// per element, else one.
#[target_feature(enable = "avx,avx2,fma,f16c")]
pub unsafe fn dequantize_q8_f32_avx2(src: *const u8, signed: bool, dst: *mut f32, n: usize, a: &Q8Args) {
    // SAFETY: the pointers are valid per the contract; the body reads
    // `i..i+8 ≤ n`, the scalar kernel the rest.
    unsafe {
        let sc = _mm256_set1_ps(*a.scale);
        let zp = _mm256_set1_epi32(*a.zp);
        let body = |i: usize| {
            let b = _mm_loadl_epi64(src.add(i).cast());
            let q = if signed {
                _mm256_cvtepi8_epi32(b)
            } else {
                _mm256_cvtepu8_epi32(b)
            };
            let q = _mm256_sub_epi32(q, param_i32(a.zp, a.zp_per_element, zp, i));
            _mm256_mul_ps(
                _mm256_cvtepi32_ps(q),
                param_f32(a.scale, a.scale_per_element, sc, i),
            )
        };
        let rest = |s: usize, len: usize| {
            dequantize_q8_f32_scalar(src.add(s), signed, dst.add(s), len, &a.offset(s))
        };
        drive_f32(dst, n, a.stream, body, rest);
    }
}
