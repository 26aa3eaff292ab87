//! `requantize_s32_q8_avx2`: s32 → u8/s8 with an f32 multiplier, the INT8
//! GEMM output's semantics (AVX2 + FMA + F16C).

use super::q8_drive::{drive_bytes, narrow4, param_f32, param_i32, round_clamp};
use crate::q8::Q8Args;
use crate::scalar::requantize_s32_q8::requantize_s32_q8_scalar;
use core::arch::x86_64::*;

/// Requantizes `n` s32 (plus `bias[i]` when `bias` is not null), as
/// `scalar::requantize_s32_q8::requantize_one` element by element.
///
/// # Safety
/// The CPU must have AVX2 + FMA + F16C; `src` (and `bias` if not null)
/// readable and `dst` writable for `n` elements; `a.scale`/`a.zp` readable
/// for `n` entries where per element, else one; scales finite.
#[target_feature(enable = "avx,avx2,fma,f16c")]
pub unsafe fn requantize_s32_q8_avx2(src: *const i32, bias: *const i32, dst: *mut u8, n: usize, a: &Q8Args) {
    // SAFETY: the pointers are valid per the contract; the body reads
    // `i..i+32 ≤ n`, the scalar kernel the rest.
    unsafe {
        let sc = _mm256_set1_ps(*a.scale);
        let zp = _mm256_set1_epi32(*a.zp);
        let (lo, hi) = (_mm256_set1_epi32(a.lo), _mm256_set1_epi32(a.hi));
        let zero = _mm256_setzero_si256();
        let lanes = |i: usize| {
            let v = _mm256_add_epi32(
                _mm256_loadu_si256(src.add(i).cast()),
                param_i32(bias, !bias.is_null(), zero, i),
            );
            let y = _mm256_mul_ps(
                _mm256_cvtepi32_ps(v),
                param_f32(a.scale, a.scale_per_element, sc, i),
            );
            round_clamp(y, param_i32(a.zp, a.zp_per_element, zp, i), lo, hi)
        };
        let body = |i: usize| narrow4([lanes(i), lanes(i + 8), lanes(i + 16), lanes(i + 24)], a.lo >= 0);
        let rest = |s: usize, len: usize| {
            let b = if bias.is_null() { bias } else { bias.add(s) };
            requantize_s32_q8_scalar(src.add(s), b, dst.add(s), len, &a.offset(s))
        };
        drive_bytes(dst, n, a.stream, body, rest);
    }
}
