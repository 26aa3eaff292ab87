//! `requantize_s32_q8_avx512`: s32 → u8/s8 with an f32 multiplier, the INT8
//! GEMM output's semantics (AVX-512 F/BW/VL/DQ).

use super::q8_drive::{drive_bytes, param_f32, param_i32, round_clamp};
use crate::q8::Q8Args;
use core::arch::x86_64::*;

/// Requantizes `n` s32 (plus `bias[i]` when `bias` is not null), as
/// `scalar::requantize_s32_q8::requantize_one` element by element.
///
/// # Safety
/// The CPU must have AVX-512 F/BW/VL/DQ; `src` (and `bias` if not null)
/// readable and `dst` writable for `n` elements; `a.scale`/`a.zp` readable
/// for `n` entries where per element, else one; scales finite.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
pub unsafe fn requantize_s32_q8_avx512(
    src: *const i32,
    bias: *const i32,
    dst: *mut u8,
    n: usize,
    a: &Q8Args,
) {
    // SAFETY: the pointers are valid per the contract; every load is masked
    // to lanes below `n`.
    unsafe {
        let sc = _mm512_set1_ps(*a.scale);
        let zp = _mm512_set1_epi32(*a.zp);
        let (lo, hi) = (_mm512_set1_epi32(a.lo), _mm512_set1_epi32(a.hi));
        let zero = _mm512_setzero_si512();
        let z = *a.zp;
        if bias.is_null() && !a.scale_per_element && !a.zp_per_element && (a.lo..=a.hi).contains(&z) {
            // The common case without a per-vector test of each parameter's
            // kind (LLVM does not unswitch them). `y` is clamped to the
            // integers `lo − z`, `hi − z` before rounding, which rounds to
            // the same clamped value and leaves no integer clamp (`y` is
            // never NaN: a finite scale times an integer).
            let (ylo, yhi) = (
                _mm512_set1_ps((a.lo - z) as f32),
                _mm512_set1_ps((a.hi - z) as f32),
            );
            return drive_bytes(src.cast(), 4, dst, n, a.stream, a.lo >= 0, |i, m| {
                let v = _mm512_maskz_loadu_epi32(m, src.add(i));
                let y = _mm512_mul_ps(_mm512_cvtepi32_ps(v), sc);
                let y = _mm512_min_ps(_mm512_max_ps(y, ylo), yhi);
                _mm512_add_epi32(_mm512_cvtps_epi32(y), zp)
            });
        }
        drive_bytes(src.cast(), 4, dst, n, a.stream, a.lo >= 0, |i, m| {
            let mut v = _mm512_maskz_loadu_epi32(m, src.add(i));
            v = _mm512_add_epi32(v, param_i32(bias, !bias.is_null(), zero, i, m));
            let y = _mm512_mul_ps(
                _mm512_cvtepi32_ps(v),
                param_f32(a.scale, a.scale_per_element, sc, i, m),
            );
            round_clamp(y, param_i32(a.zp, a.zp_per_element, zp, i, m), lo, hi)
        });
    }
}
