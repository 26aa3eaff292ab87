//! `dequantize_q8_f32_avx512`: u8/s8 → f32 (AVX-512 F/BW/VL/DQ).

use super::q8_drive::{drive_f32, param_f32, param_i32};
use crate::q8::Q8Args;
use core::arch::x86_64::*;

/// Dequantizes `n` bytes (`signed`: s8, else u8): `y = ((q − zp) as f32)·scale`.
///
/// # Safety
/// The CPU must have AVX-512 F/BW/VL/DQ; `src` readable and `dst` writable
/// for `n` elements; `a.scale` and `a.zp` readable for `n` entries where
/// per element, else one.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
pub unsafe fn dequantize_q8_f32_avx512(src: *const u8, signed: bool, dst: *mut f32, n: usize, a: &Q8Args) {
    // SAFETY: the pointers are valid per the contract; every load is masked
    // to lanes below `n`.
    unsafe {
        let sc = _mm512_set1_ps(*a.scale);
        let zp = _mm512_set1_epi32(*a.zp);
        drive_f32(src, dst, n, a.stream, |i, m| {
            let b = _mm_maskz_loadu_epi8(m, src.add(i).cast());
            let q = if signed {
                _mm512_cvtepi8_epi32(b)
            } else {
                _mm512_cvtepu8_epi32(b)
            };
            let q = _mm512_sub_epi32(q, param_i32(a.zp, a.zp_per_element, zp, i, m));
            _mm512_mul_ps(
                _mm512_cvtepi32_ps(q),
                param_f32(a.scale, a.scale_per_element, sc, i, m),
            )
        });
    }
}
