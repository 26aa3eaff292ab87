//! Oracle for the quantization toolkit: conversions element by element from
//! their definitions, and the gemmlowp/TFLite fixed-point arithmetic in i64.
//!
//! Uses only std and lowp's public API.
//!
//! * quantize: `y = x / scale` (one f32 division); NaN → zero point; else
//!   `q = round_half_even(y) + zero_point` in i64 (saturating), clamped.
//! * dequantize: `((q − zero_point) as f32)·scale`, the difference exact in
//!   i32.
//! * fixed point: TFLite's `MultiplyByQuantizedMultiplier` on
//!   `SaturatingRoundingDoublingHighMul` and `RoundingDivideByPOT`, written
//!   out with i64 products.

use crate::igemm::Int8;
use lowp::igemm::{Saturation, WeightZeroPoint};
use lowp::quant::{FixedPointRequantize, FixedScale};
use lowp::MatRef;

/// Quantized value of `x` for `(scale, zero_point)` and range `[qmin, qmax]`.
pub fn quantize_one(x: f32, scale: f32, zero_point: i32, qmin: i32, qmax: i32) -> i32 {
    let y = x / scale;
    if y.is_nan() {
        return zero_point.clamp(qmin, qmax);
    }
    // `as i64` saturates at ±2^63 (and for ±inf).
    let r = (y as f64).round_ties_even() as i64;
    r.saturating_add(zero_point as i64)
        .clamp(qmin as i64, qmax as i64) as i32
}

/// Dequantized value of `q`.
pub fn dequantize_one(q: i32, scale: f32, zero_point: i32) -> f32 {
    (q - zero_point) as f32 * scale
}

/// `SaturatingRoundingDoublingHighMul(a, b)`: `round(a·b / 2^31)` by
/// gemmlowp's nudge-then-truncate (ties go up for positive products, toward
/// zero, i.e. also up, for negative ones), saturating the one overflowing case
/// `INT32_MIN·INT32_MIN` to `INT32_MAX`.
pub fn srdhm(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // gemmlowp divides with C's truncation toward zero.
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// `RoundingDivideByPOT(x, e)`: `x / 2^e` rounded to nearest, ties away from
/// zero (`0 ≤ e ≤ 31`).
pub fn rounding_divide_by_pot(x: i32, e: u32) -> i32 {
    assert!(e <= 31, "oracle: exponent {e} > 31");
    let mask: i64 = (1i64 << e) - 1;
    let rem = x as i64 & mask;
    let threshold = (mask >> 1) + if x < 0 { 1 } else { 0 };
    ((x as i64 >> e) + if rem > threshold { 1 } else { 0 }) as i32
}

/// TFLite's `MultiplyByQuantizedMultiplier(x, multiplier, shift)`: a
/// positive `shift` multiplies by `2^shift` first (wrapping, as TFLite's
/// `x * (1 << left_shift)`), a negative one divides after.
pub fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = shift.max(0) as u32;
    let right = (-shift).max(0) as u32;
    rounding_divide_by_pot(srdhm(x.wrapping_mul(1i32.wrapping_shl(left)), multiplier), right)
}

/// TFLite's `QuantizeMultiplier(real)`: `(q31, shift)` with
/// `real ≈ q31·2^(shift − 31)`, `q31` in `[2^30, 2^31)` (0 for 0).
pub fn quantize_multiplier(real: f64) -> (i32, i32) {
    if real == 0.0 {
        return (0, 0);
    }
    // frexp: real = frac·2^exp, frac in [0.5, 1).
    let mut exp = 0i32;
    let mut frac = real;
    while frac.abs() >= 1.0 {
        frac /= 2.0;
        exp += 1;
    }
    while frac.abs() < 0.5 {
        frac *= 2.0;
        exp -= 1;
    }
    let mut q = (frac * (1i64 << 31) as f64).round() as i64;
    if q == 1i64 << 31 {
        q /= 2;
        exp += 1;
    }
    if exp < -31 {
        return (0, 0);
    }
    if exp > 30 {
        return (i32::MAX, 30);
    }
    (q as i32, exp)
}

/// The fixed-point (TFLite) output stage of an INT8 GEMM result `v` in
/// column `j`, for an output type with range `[qmin, qmax]`:
/// `t = v + bias_j` (wrapping i32, as TFLite's accumulator add),
/// `y = MultiplyByQuantizedMultiplier(t, mult_j, shift_j)`, `q = y +
/// zero_point` (i64), clamped to `[lo, hi]`: the type's range, raised to
/// the zero point by `relu`, narrowed by `clamp`.
pub fn requantize_fixed_one(v: i32, j: usize, p: &FixedPointRequantize<'_>, qmin: i32, qmax: i32) -> i32 {
    let t = v.wrapping_add(p.bias.map_or(0, |b| b[j]));
    let (m, s) = match p.scale {
        FixedScale::PerTensor(m, s) => (m, s),
        FixedScale::PerColumn(m, s) => (m[j], s[j]),
    };
    let y = multiply_by_quantized_multiplier(t, m, s) as i64;
    let mut lo = qmin;
    let mut hi = qmax;
    if p.relu {
        lo = lo.max(p.zero_point);
    }
    if let Some((cl, ch)) = p.clamp {
        lo = lo.max(cl);
        hi = hi.min(ch);
    }
    (y + p.zero_point as i64).clamp(lo as i64, hi as i64) as i32
}

/// The whole fixed-point requantizing GEMM: `M × N` row-major results of
/// [`requantize_fixed_one`] over [`crate::igemm::igemm_s32`]'s exact sums.
pub fn igemm_requantize_fixed<A: Int8, B: Int8>(
    a: MatRef<'_, A>,
    za: i32,
    b: MatRef<'_, B>,
    zb: &WeightZeroPoint<'_>,
    p: &FixedPointRequantize<'_>,
    (qmin, qmax): (i32, i32),
) -> Vec<i32> {
    let n = b.cols();
    let sums = crate::igemm::igemm_s32(a, za, b, zb, Saturation::Exact);
    sums.iter()
        .enumerate()
        .map(|(x, &v)| requantize_fixed_one(v, x % n.max(1), p, qmin, qmax))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_by_hand() {
        assert_eq!(quantize_one(2.5, 1.0, 0, -128, 127), 2);
        assert_eq!(quantize_one(3.5, 1.0, 0, -128, 127), 4);
        assert_eq!(quantize_one(-2.5, 1.0, 10, 0, 255), 8);
        assert_eq!(quantize_one(f32::NAN, 1.0, 10, 0, 255), 10);
        assert_eq!(quantize_one(f32::INFINITY, 1.0, 10, 0, 255), 255);
        assert_eq!(quantize_one(f32::NEG_INFINITY, 1.0, 10, 0, 255), 0);
        assert_eq!(dequantize_one(-128, 0.5, 2), -65.0);
    }

    #[test]
    fn fixed_point_by_hand() {
        // 2^30·2^30/2^31 = 2^29 exactly.
        assert_eq!(srdhm(1 << 30, 1 << 30), 1 << 29);
        assert_eq!(srdhm(i32::MIN, i32::MIN), i32::MAX);
        // 3·2^30 / 2^31 = 1.5 → 2; −1.5: (−2^32 + 1)/2^31 truncates to −1.
        assert_eq!(srdhm(3, 1 << 30), 2);
        assert_eq!(srdhm(-3, 1 << 30), -1);
        assert_eq!(srdhm(-5, 1 << 30), -2); // −2.5 → −2
        assert_eq!(srdhm(-1, 1 << 30), 0); // −0.5 → 0
        assert_eq!(rounding_divide_by_pot(5, 1), 3); // 2.5 → 3
        assert_eq!(rounding_divide_by_pot(-5, 1), -3); // −2.5 → −3
        assert_eq!(rounding_divide_by_pot(-6, 2), -2); // −1.5 → −2
        assert_eq!(rounding_divide_by_pot(6, 2), 2); // 1.5 → 2
        assert_eq!(rounding_divide_by_pot(-5, 2), -1); // −1.25 → −1
        assert_eq!(quantize_multiplier(0.5), (1 << 30, 0));
        assert_eq!(quantize_multiplier(1.0), (1 << 30, 1));
        assert_eq!(quantize_multiplier(0.25), (1 << 30, -1));
        // 0.5·5 = 2.5 → 3 (+ zp 10); −2.5 → −2 (SRDHM ties up) then ReLU at 10.
        let p = FixedPointRequantize::new(1 << 30, 0, 10);
        assert_eq!(requantize_fixed_one(5, 0, &p, 0, 255), 13);
        assert_eq!(requantize_fixed_one(-5, 0, &p, 0, 255), 8);
        let relu = FixedPointRequantize { relu: true, ..p };
        assert_eq!(requantize_fixed_one(-5, 0, &relu, 0, 255), 10);
        // 0.25·(±6) = ±1.5: SRDHM gives ±3, RDBPOT(±3, 1) = ±1.5 → ±2
        // (ties away from zero, unlike SRDHM's).
        let q = FixedPointRequantize::new(1 << 30, -1, 0);
        assert_eq!(requantize_fixed_one(6, 0, &q, -128, 127), 2);
        assert_eq!(requantize_fixed_one(-6, 0, &q, -128, 127), -2);
    }
}
