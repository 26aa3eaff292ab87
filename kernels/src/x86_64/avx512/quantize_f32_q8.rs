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
        let inv = _mm512_set1_ps(*a.scale);
        let zp = _mm512_set1_epi32(*a.zp);
        let (lo, hi) = (_mm512_set1_epi32(a.lo), _mm512_set1_epi32(a.hi));
        drive_bytes(dst, n, a.stream, a.lo >= 0, |i, m| {
            let s = param_f32(a.scale, a.scale_per_element, inv, i, m);
            let z = param_i32(a.zp, a.zp_per_element, zp, i, m);
            let y = _mm512_div_ps(_mm512_maskz_loadu_ps(m, src.add(i)), s);
            // NaN lanes become 0 (then the zero point).
            let y = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask::<_CMP_ORD_Q>(y, y), y);
            round_clamp(y, z, lo, hi)
        });
    }
}
