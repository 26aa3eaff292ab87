//! `dequantize_q8_f32_scalar`: u8/s8 → f32, per tensor or per element.

use crate::q8::Q8Args;

/// Dequantizes `n` bytes (`signed`: s8, else u8): `y = ((q − zp) as f32)·scale`.
/// `a.lo`/`a.hi` are unused.
///
/// # Safety
/// `src` readable and `dst` writable for `n` elements; `a.scale`/`a.zp`
/// readable for `n` entries where per element, else one.
pub unsafe fn dequantize_q8_f32_scalar(src: *const u8, signed: bool, dst: *mut f32, n: usize, a: &Q8Args) {
    for i in 0..n {
        // SAFETY: i < n, by the caller's contract.
        unsafe {
            let b = *src.add(i);
            let q = if signed { b as i8 as i32 } else { b as i32 };
            *dst.add(i) = (q - a.zp_at(i)) as f32 * a.scale_at(i);
        }
    }
}
