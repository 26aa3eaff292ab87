//! `quantize_f32_q8_scalar`: f32 → u8/s8, per tensor or per element.

use crate::q8::{Q8Args, Q8_Y_LIMIT};

/// One element: `q = clamp(round_half_even(x / scale) + zp, lo, hi)`,
/// NaN → `zp` (clamped); ±Inf saturate. The vector kernels use the same
/// f32 operations in the same order, so they agree bit for bit.
#[inline(always)]
pub fn quantize_one(x: f32, scale: f32, zp: i32, lo: i32, hi: i32) -> i32 {
    // A true division (as ONNX Runtime's MLAS), not a multiply by 1/scale:
    // the round trip stays within scale/2 and tiny scales stay exact.
    let y = x / scale;
    let y = if y.is_nan() {
        0.0
    } else {
        y.clamp(-Q8_Y_LIMIT, Q8_Y_LIMIT)
    };
    (y.round_ties_even() as i32 + zp).clamp(lo, hi)
}

/// Quantizes `n` f32 to u8/s8 bytes (see [`quantize_one`]).
///
/// # Safety
/// `src` readable and `dst` writable for `n` elements; `a.scale`/`a.zp`
/// readable for `n` entries where per element, else one.
pub unsafe fn quantize_f32_q8_scalar(src: *const f32, dst: *mut u8, n: usize, a: &Q8Args) {
    for i in 0..n {
        // SAFETY: i < n, by the caller's contract.
        unsafe {
            let q = quantize_one(*src.add(i), a.scale_at(i), a.zp_at(i), a.lo, a.hi);
            *dst.add(i) = q as u8;
        }
    }
}
