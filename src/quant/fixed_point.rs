//! Integer-only requantization as in gemmlowp and TFLite: a real multiplier
//! `M` becomes a Q31 multiplier `m ∈ [2^30, 2^31)` and a shift, and
//! `v·M ≈ RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(v·2^left, m),
//! right)`, bit-compatible with TFLite's reference kernels
//! (`MultiplyByQuantizedMultiplier`).

use super::params::QuantType;
use crate::error::{Error, Result};
use multiversion::multiversion;

/// TFLite's `QuantizeMultiplier`: `(q31, shift)` with
/// `real ≈ q31·2^(shift − 31)`, `q31 ∈ [2^30, 2^31)`. Below `2^-32`
/// the multiplier is `(0, 0)`; at or above `2^30` it saturates to
/// `(i32::MAX, 30)` (TFLite's clamps). `Err` naming `real` when it is
/// negative, NaN or infinite.
///
/// ```
/// use lowp::quant::quantize_multiplier;
/// assert_eq!(quantize_multiplier(0.5)?, (1 << 30, 0));
/// assert_eq!(quantize_multiplier(0.75)?, (3 << 29, 0));
/// assert_eq!(quantize_multiplier(3.0)?, (3 << 29, 2));
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn quantize_multiplier(real: f64) -> Result<(i32, i32)> {
    if !(real.is_finite() && real >= 0.0) {
        return Err(Error::param(
            "real",
            format!("multiplier must be finite and ≥ 0, got {real}"),
        ));
    }
    let bits = real.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased == 0 {
        // Zero or subnormal: far below 2^-32.
        return Ok((0, 0));
    }
    // frexp: real = frac·2^shift with frac ∈ [0.5, 1).
    let frac = f64::from_bits((bits & !(0x7ffu64 << 52)) | (1022u64 << 52));
    let mut shift = biased - 1022;
    // Rounds half away from zero, as TFLite's `TfLiteRound` (std::round).
    let mut q = (frac * 2_147_483_648.0).round() as i64;
    if q == 1 << 31 {
        q >>= 1;
        shift += 1;
    }
    if shift < -31 {
        return Ok((0, 0));
    }
    if shift > 30 {
        return Ok((i32::MAX, 30));
    }
    Ok((q as i32, shift))
}

/// gemmlowp's `SaturatingRoundingDoublingHighMul`: the high 32 bits of
/// `2·a·b`, rounded by adding `±2^30` then truncating toward zero (so a
/// tie rounds up: 1.5 → 2, −1.5 → −1); `i32::MIN·i32::MIN` saturates to
/// `i32::MAX`.
#[inline(always)]
pub fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    let ab = a as i64 * b as i64;
    let t = ab + if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // Truncating division by 2^31 as a shift: bias negative values by 2^31 − 1.
    let q = (t + ((t >> 63) & 0x7fff_ffff)) >> 31;
    if a == i32::MIN && b == i32::MIN {
        i32::MAX
    } else {
        q as i32
    }
}

/// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent` rounded to nearest,
/// ties away from zero. Exponents above 31 act as 31.
#[inline(always)]
pub fn rounding_divide_by_pot(x: i32, exponent: u32) -> i32 {
    let e = exponent.min(31);
    let mask = 1i32.wrapping_shl(e).wrapping_sub(1);
    let remainder = x & mask;
    let threshold = (mask >> 1) + (x < 0) as i32;
    (x >> e) + (remainder > threshold) as i32
}

/// TFLite's `MultiplyByQuantizedMultiplier(x, multiplier, shift)`: `x·2^left`
/// (wrapping, `left = max(shift, 0)`), the doubling high multiply, then a
/// rounding right shift by `max(−shift, 0)`.
#[inline(always)]
pub fn multiply_by_quantized_multiplier(x: i32, multiplier: i32, shift: i32) -> i32 {
    let left = shift.clamp(0, 31) as u32;
    let right = (-shift).clamp(0, 31) as u32;
    rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(x.wrapping_mul(1i32.wrapping_shl(left)), multiplier),
        right,
    )
}

/// Fixed-point multipliers: one for the tensor or one per output column.
#[derive(Clone, Copy, Debug)]
pub enum FixedScale<'a> {
    /// `(q31 multiplier, shift)` for every column.
    PerTensor(i32, i32),
    /// Per column: multipliers and shifts (each of length N).
    PerColumn(&'a [i32], &'a [i32]),
}

/// The integer-only twin of [`crate::igemm::Requantize`]: `q = clamp(
/// MultiplyByQuantizedMultiplier(v + bias_j, m_j, shift_j) + zero_point, lo,
/// hi)` (TFLite's output stage), with `relu` and `clamp` as there.
#[derive(Clone, Copy, Debug)]
pub struct FixedPointRequantize<'a> {
    /// The multipliers.
    pub scale: FixedScale<'a>,
    /// Optional s32 bias per column, added (wrapping) before the multiply.
    pub bias: Option<&'a [i32]>,
    /// Output zero point.
    pub zero_point: i32,
    /// ReLU: clamp below at the zero point.
    pub relu: bool,
    /// Optional `(lo, hi)` clamp in output units.
    pub clamp: Option<(i32, i32)>,
}

impl<'a> FixedPointRequantize<'a> {
    /// Per-tensor multiplier and zero point only.
    pub fn new(multiplier: i32, shift: i32, zero_point: i32) -> Self {
        FixedPointRequantize {
            scale: FixedScale::PerTensor(multiplier, shift),
            bias: None,
            zero_point,
            relu: false,
            clamp: None,
        }
    }
}

#[inline(always)]
fn one(v: i32, b: i32, m: i32, s: i32, zp: i32, lo: i32, hi: i32) -> i32 {
    multiply_by_quantized_multiplier(v.wrapping_add(b), m, s)
        .saturating_add(zp)
        .clamp(lo, hi)
}

/// The loop over one row, for any output byte type.
struct Row<'r> {
    src: &'r [i32],
    bias: Option<&'r [i32]>,
    scale: FixedScale<'r>,
    zp: i32,
    lo: i32,
    hi: i32,
}

impl Row<'_> {
    #[inline(always)]
    fn run<Q: QuantType>(&self, dst: &mut [Q]) {
        let (zp, lo, hi) = (self.zp, self.lo, self.hi);
        match (self.scale, self.bias) {
            (FixedScale::PerTensor(m, s), None) => {
                for (d, &v) in dst.iter_mut().zip(self.src) {
                    *d = Q::from_i32(one(v, 0, m, s, zp, lo, hi));
                }
            }
            (FixedScale::PerTensor(m, s), Some(b)) => {
                for ((d, &v), &bj) in dst.iter_mut().zip(self.src).zip(b) {
                    *d = Q::from_i32(one(v, bj, m, s, zp, lo, hi));
                }
            }
            (FixedScale::PerColumn(ms, ss), b) => {
                for (j, (d, &v)) in dst.iter_mut().zip(self.src).enumerate() {
                    let bj = b.map_or(0, |b| b[j]);
                    *d = Q::from_i32(one(v, bj, ms[j], ss[j], zp, lo, hi));
                }
            }
        }
    }
}

#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
fn row_u8(r: &Row<'_>, dst: &mut [u8]) {
    r.run(dst)
}

#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
fn row_i8(r: &Row<'_>, dst: &mut [i8]) {
    r.run(dst)
}

/// Requantizes s32 values (one row: `bias` and per-column multipliers index
/// the elements) with integer arithmetic only, bit-compatible with
/// TFLite's reference output stage. `Err` names the argument: `dst` (length),
/// `bias` / `scale` (length), `shift` (outside `[-31, 30]`), `zero_point`,
/// `clamp` (empty range).
///
/// ```
/// use lowp::quant::{quantize_multiplier, requantize_fixed, FixedPointRequantize};
/// let (m, s) = quantize_multiplier(0.5)?;
/// let mut q = [0i8; 3];
/// requantize_fixed(&[5, -5, 1000], &mut q, &FixedPointRequantize::new(m, s, 0))?;
/// assert_eq!(q, [3, -2, 127]); // 2.5 → 3 but −2.5 → −2 (gemmlowp's rounding)
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn requantize_fixed<Q: QuantType>(
    src: &[i32],
    dst: &mut [Q],
    p: &FixedPointRequantize<'_>,
) -> Result<()> {
    let n = src.len();
    if dst.len() != n {
        return Err(Error::shape(format!(
            "dst has {} elements but src has {n}",
            dst.len()
        )));
    }
    let (lo, hi) = check(p, n, Q::DTYPE.range())?;
    let row = Row {
        src,
        bias: p.bias,
        scale: p.scale,
        zp: p.zero_point,
        lo,
        hi,
    };
    // The two byte types share the loop; dispatch on the type's signedness.
    let (u, i): (Option<&mut [u8]>, Option<&mut [i8]>) = Q::bytes_mut(dst);
    if let Some(d) = u {
        row_u8(&row, d);
    }
    if let Some(d) = i {
        row_i8(&row, d);
    }
    Ok(())
}

/// Requantizes an `m × n` tile of s32 sums in place (`n = mult.len()`),
/// bias already in the sums: `clamp(MultiplyByQuantizedMultiplier(v,
/// mult_j, shift_j) + zp, lo, hi)`, the INT8 GEMM's portable fixed-point
/// output (the same per-element rule as [`requantize_fixed`]).
#[allow(clippy::too_many_arguments)]
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
pub(crate) fn requantize_tile_fixed(
    tile: &mut [i32],
    ld: usize,
    m: usize,
    mult: &[i32],
    shift: &[i32],
    zp: i32,
    lo: i32,
    hi: i32,
) {
    let n = mult.len();
    for r in 0..m {
        let row = &mut tile[r * ld..r * ld + n];
        for ((v, &mj), &sj) in row.iter_mut().zip(mult).zip(shift) {
            *v = one(*v, 0, mj, sj, zp, lo, hi);
        }
    }
}

/// Validates `p` for an output of `n` columns of type `Q`; returns its
/// `[lo, hi]` (`Err` as [`requantize_fixed`] names it).
pub(crate) fn fixed_bounds<Q: QuantType>(p: &FixedPointRequantize<'_>, n: usize) -> Result<(i32, i32)> {
    check(p, n, Q::DTYPE.range())
}

fn check(p: &FixedPointRequantize<'_>, n: usize, (qmin, qmax): (i32, i32)) -> Result<(i32, i32)> {
    let check_shift = |s: i32| {
        if (-31..=30).contains(&s) {
            Ok(())
        } else {
            Err(Error::param("shift", format!("shift {s} outside [-31, 30]")))
        }
    };
    match p.scale {
        FixedScale::PerTensor(_, s) => check_shift(s)?,
        FixedScale::PerColumn(m, s) => {
            if m.len() != n || s.len() != n {
                return Err(Error::shape(format!(
                    "scale has {} multipliers and {} shifts but the output has {n} columns",
                    m.len(),
                    s.len()
                )));
            }
            s.iter().try_for_each(|&x| check_shift(x))?;
        }
    }
    if let Some(b) = p.bias {
        if b.len() != n {
            return Err(Error::shape(format!(
                "bias has {} entries but the output has {n} columns",
                b.len()
            )));
        }
    }
    if p.zero_point < qmin || p.zero_point > qmax {
        return Err(Error::param(
            "zero_point",
            format!("zero point {} outside [{qmin}, {qmax}]", p.zero_point),
        ));
    }
    super::convert::output_bounds((qmin, qmax), p.zero_point, p.relu, p.clamp)
}
