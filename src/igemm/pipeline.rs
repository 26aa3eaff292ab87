//! Output pipelines of the INT8 GEMM: the public parameters, and the
//! portable loops that finish the tiles no kernel epilogue or vector store
//! takes (edge tiles, strided C, levels without them), bit-identical to
//! those. Plain loops, vectorized by `multiversion`; no intrinsics.
//!
//! The kernels write an `m × NR` s32 tile, already zero-point corrected;
//! these apply the pipeline to it in a small buffer (L1) and the sink
//! stores the result into C: one pass over C, no separate s32 matrix.

use super::{Int8, WeightZeroPoint};
use crate::quant::FixedPointRequantize;
use crate::MatMut;
use multiversion::multiversion;

/// A scale: one for the whole tensor, or one per output column (channel).
#[derive(Clone, Copy, Debug)]
pub enum Scale<'a> {
    /// One scale for every column.
    PerTensor(f32),
    /// One scale per output column (length N).
    PerColumn(&'a [f32]),
}

/// An activation applied to dequantized (f32) outputs.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Activation {
    /// `y`.
    #[default]
    Identity,
    /// `max(y, 0)`.
    Relu,
    /// `min(max(y, min), max)`.
    Clamp {
        /// Lower bound.
        min: f32,
        /// Upper bound.
        max: f32,
    },
}

/// Dequantize to f32: `y = (v as f32)·scale_j + bias_j`, then the activation.
#[derive(Clone, Copy, Debug)]
pub struct Dequantize<'a> {
    /// Scale per tensor or per output column (usually `scale_a · scale_b`).
    pub scale: Scale<'a>,
    /// Optional f32 bias per output column (length N).
    pub bias: Option<&'a [f32]>,
    /// Activation after the bias.
    pub activation: Activation,
}

impl<'a> Dequantize<'a> {
    /// Scale only: no bias, no activation.
    pub fn new(scale: Scale<'a>) -> Self {
        Dequantize {
            scale,
            bias: None,
            activation: Activation::Identity,
        }
    }
}

/// Requantize to u8 or s8:
/// `y = round_half_even(((v + bias_j) as f32)·scale_j) + zero_point`,
/// saturated to the output type and clamped to `[lo, hi]` (`relu` raises `lo`
/// to the zero point: ReLU in the quantized domain).
#[derive(Clone, Copy, Debug)]
pub struct Requantize<'a> {
    /// Scale per tensor or per output column (usually `scale_a·scale_b/scale_out`).
    pub scale: Scale<'a>,
    /// Optional s32 bias per output column (length N), added before scaling.
    pub bias: Option<&'a [i32]>,
    /// Output zero point (within the output type's range).
    pub zero_point: i32,
    /// ReLU: clamp below at the zero point.
    pub relu: bool,
    /// Optional `(lo, hi)` clamp in output units.
    pub clamp: Option<(i32, i32)>,
}

impl<'a> Requantize<'a> {
    /// Scale and zero point only.
    pub fn new(scale: Scale<'a>, zero_point: i32) -> Self {
        Requantize {
            scale,
            bias: None,
            zero_point,
            relu: false,
            clamp: None,
        }
    }

    /// The clamp range `[lo, hi]` this pipeline applies for output type `T`:
    /// `lo = max(T::MIN, clamp.0, zero_point if relu)`, `hi = min(T::MAX, clamp.1)`.
    /// [`igemm`](super::igemm) refuses a pipeline whose range is empty (`lo > hi`).
    ///
    /// ```
    /// use lowp::igemm::{Requantize, Scale};
    /// let p = Requantize { relu: true, clamp: Some((-200, 100)), ..Requantize::new(Scale::PerTensor(0.5), 3) };
    /// assert_eq!(p.output_range::<i8>(), (3, 100));
    /// assert_eq!(p.output_range::<u8>(), (3, 100));
    /// assert_eq!(Requantize::new(Scale::PerTensor(0.5), 3).output_range::<u8>(), (0, 255));
    /// ```
    pub fn output_range<T: Int8>(&self) -> (i32, i32) {
        let mut lo = T::MIN;
        let mut hi = T::MAX;
        if self.relu {
            lo = lo.max(self.zero_point);
        }
        if let Some((clamp_lo, clamp_hi)) = self.clamp {
            lo = lo.max(clamp_lo);
            hi = hi.min(clamp_hi);
        }
        (lo, hi)
    }
}

impl WeightZeroPoint<'_> {
    /// The zero point of column `j`; `j` must be a column of the weights
    /// (below the length of a per-column slice).
    pub(crate) fn at(&self, j: usize) -> i32 {
        match self {
            WeightZeroPoint::PerTensor(z) => *z,
            WeightZeroPoint::PerColumn(z) => z[j],
        }
    }
}

/// Where an INT8 GEMM writes, and how.
#[derive(Debug)]
pub enum Output<'a> {
    /// Raw s32 results; with `accumulate`, `C += result` (wrapping).
    S32 {
        /// `M × N` output.
        c: MatMut<'a, i32>,
        /// Add into C instead of overwriting it.
        accumulate: bool,
    },
    /// Dequantized f32.
    F32 {
        /// `M × N` output.
        c: MatMut<'a, f32>,
        /// The pipeline.
        dequantize: Dequantize<'a>,
    },
    /// Requantized u8.
    U8 {
        /// `M × N` output.
        c: MatMut<'a, u8>,
        /// The pipeline.
        requantize: Requantize<'a>,
    },
    /// Requantized s8.
    S8 {
        /// `M × N` output.
        c: MatMut<'a, i8>,
        /// The pipeline.
        requantize: Requantize<'a>,
    },
    /// Requantized u8 with integer arithmetic only: the gemmlowp / TFLite
    /// output stage (Q31 multiplier and shift per tensor or per column),
    /// bit-compatible with TFLite's reference kernels.
    ///
    /// ```
    /// use lowp::igemm::{igemm, Output, PackOptions, PackedI8Weights, WeightZeroPoint};
    /// use lowp::quant::{quantize_multiplier, FixedPointRequantize};
    /// use lowp::{MatMut, MatRef};
    /// let ctx = lowp::Context::builder().threads(1).build()?;
    /// let w = PackedI8Weights::pack(&ctx, MatRef::row_major(&[1i8, 2, 3, 4], 2, 2)?,
    ///     WeightZeroPoint::PerTensor(0), PackOptions::default())?;
    /// let (m, shift) = quantize_multiplier(0.25)?;
    /// let mut c = [0u8; 2];
    /// igemm(&ctx, MatRef::row_major(&[12u8, 11], 1, 2)?, 10, &w,
    ///     Output::U8Fixed { c: MatMut::row_major(&mut c, 1, 2)?,
    ///                       requantize: FixedPointRequantize::new(m, shift, 100) })?;
    /// // 5/4 → 2 (TFLite rounds twice: 5·2^30/2^31 = 2.5 → 3, then 3/2 = 1.5 → 2)
    /// // and 8/4 = 2, plus the zero point.
    /// assert_eq!(c, [102, 102]);
    /// # Ok::<(), lowp::Error>(())
    /// ```
    U8Fixed {
        /// `M × N` output.
        c: MatMut<'a, u8>,
        /// The pipeline (its bias, multipliers and shifts per column).
        requantize: FixedPointRequantize<'a>,
    },
    /// Requantized s8 with the integer-only output stage (as [`Output::U8Fixed`]).
    S8Fixed {
        /// `M × N` output.
        c: MatMut<'a, i8>,
        /// The pipeline.
        requantize: FixedPointRequantize<'a>,
    },
}

/// Dequantizes an `m × n` tile (`n = scale.len()`) into `out` (same stride):
/// `y = (v as f32)·(rs_i·scale_j) + bias_j`, then the activation.
/// `row_scale` is all ones for the public GEMM (then `rs_i·scale_j = scale_j`
/// exactly) and the per-row activation scale for dynamic quantization.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma",))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn dequantize_tile(
    tile: &[i32],
    ldt: usize,
    row_scale: &[f32],
    scale: &[f32],
    bias: Option<&[f32]>,
    lo: f32,
    hi: f32,
    out: &mut [f32],
) {
    let n = scale.len();
    for (r, &rs) in row_scale.iter().enumerate() {
        let src = &tile[r * ldt..r * ldt + n];
        let dst = &mut out[r * ldt..r * ldt + n];
        match bias {
            Some(b) => {
                for (((d, &v), &s), &bj) in dst.iter_mut().zip(src).zip(scale).zip(b) {
                    *d = (v as f32 * (rs * s) + bj).max(lo).min(hi);
                }
            }
            None => {
                for ((d, &v), &s) in dst.iter_mut().zip(src).zip(scale) {
                    *d = (v as f32 * (rs * s)).max(lo).min(hi);
                }
            }
        }
    }
}

/// 1.5·2^23: adding it to |y| < 2^22 leaves round_half_even(y) in the
/// mantissa.
const MAGIC: f32 = 12_582_912.0;
const MAGIC_BITS: i32 = 0x4B40_0000;

/// Requantizes an `m × n` tile in place (`n = scale.len()`):
/// `y = round_half_even((v as f32)·scale_j)`, clamped to `[lo − zp, hi − zp]`,
/// plus `zp`. (An integer bias is in `v` already: the GEMM starts its
/// accumulators from it.)
#[allow(clippy::too_many_arguments)]
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma",))]
pub(crate) fn requantize_tile(
    tile: &mut [i32],
    ldt: usize,
    m: usize,
    scale: &[f32],
    zp: i32,
    lo: i32,
    hi: i32,
) {
    let n = scale.len();
    let flo = (lo - zp) as f32;
    let fhi = (hi - zp) as f32;
    for r in 0..m {
        let row = &mut tile[r * ldt..r * ldt + n];
        for (v, &s) in row.iter_mut().zip(scale) {
            // Clamping before rounding is the same as after (the bounds are
            // integers). |y| ≤ 510 < 2^22, so adding 1.5·2^23 rounds y to an
            // integer, half to even (f32 addition rounds to nearest even),
            // and leaves it in the low mantissa bits: a vectorizable
            // `round_ties_even` + exact conversion.
            let y = (*v as f32 * s).max(flo).min(fhi);
            *v = ((y + MAGIC).to_bits() as i32 - MAGIC_BITS) + zp;
        }
    }
}

/// Narrows requantized values (already within `[0, 255]`) to u8.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
pub(crate) fn narrow_u8(src: &[i32], dst: &mut [u8]) {
    for (d, &v) in dst.iter_mut().zip(src) {
        *d = v as u8;
    }
}

/// Narrows requantized values (already within `[-128, 127]`) to i8.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
pub(crate) fn narrow_i8(src: &[i32], dst: &mut [i8]) {
    for (d, &v) in dst.iter_mut().zip(src) {
        *d = v as i8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_rounding_is_round_half_even() {
        for i in -2000..=2000 {
            let y = i as f32 * 0.25;
            let r = ((y + MAGIC).to_bits() as i32) - MAGIC_BITS;
            assert_eq!(r, y.round_ties_even() as i32, "{y}");
        }
        for y in [
            0.5f32,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -2.5,
            509.5,
            -509.5,
            0.49999997,
            -0.49999997,
        ] {
            let r = ((y + MAGIC).to_bits() as i32) - MAGIC_BITS;
            assert_eq!(r, y.round_ties_even() as i32, "{y}");
        }
    }
}
