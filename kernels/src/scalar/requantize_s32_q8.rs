//! `requantize_s32_q8_scalar`: s32 → u8/s8 with an f32 multiplier, the
//! semantics of the INT8 GEMM's requantizing output.

use crate::q8::{Q8Args, Q8_Y_LIMIT};

/// One element: `q = clamp(round_half_even(((v + bias) as f32)·scale) + zp,
/// lo, hi)`, the bias added with a wrapping i32 add.
#[inline(always)]
pub fn requantize_one(v: i32, bias: i32, scale: f32, zp: i32, lo: i32, hi: i32) -> i32 {
    let y = (v.wrapping_add(bias) as f32 * scale).clamp(-Q8_Y_LIMIT, Q8_Y_LIMIT);
    (y.round_ties_even() as i32 + zp).clamp(lo, hi)
}

/// Requantizes `n` s32 (plus `bias[i]` when `bias` is not null).
///
/// # Safety
/// `src` (and `bias` if not null) readable and `dst` writable for `n`
/// elements; `a.scale`/`a.zp` readable for `n` entries where per element,
/// else one. Scales must be finite (a NaN product is not handled).
pub unsafe fn requantize_s32_q8_scalar(
    src: *const i32,
    bias: *const i32,
    dst: *mut u8,
    n: usize,
    a: &Q8Args,
) {
    for i in 0..n {
        // SAFETY: i < n, by the caller's contract.
        unsafe {
            let b = if bias.is_null() { 0 } else { *bias.add(i) };
            let q = requantize_one(*src.add(i), b, a.scale_at(i), a.zp_at(i), a.lo, a.hi);
            *dst.add(i) = q as u8;
        }
    }
}
