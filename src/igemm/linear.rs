//! Dynamic quantized linear layer: f32 in, f32 out, INT8 GEMM inside.

use super::{
    igemm_run, Activations, Dequantize, Output, PackOptions, PackedI8Weights, Scale, WeightZeroPoint,
};
use crate::error::{Error, Result};
use crate::quant::dynamic::{quantize_dynamic_u8, quantize_weight_row};
use crate::{Context, MatMut, MatRef};

/// How activations are quantized on the fly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ActivationQuantization {
    /// One (scale, zero point) per input row (default: tighter).
    #[default]
    PerRow,
    /// One (scale, zero point) for the whole input.
    PerTensor,
}

/// A linear layer `y = x·Wᵀ + bias` with weights quantized once to s8 (per
/// output channel, symmetric) and activations quantized per call to
/// asymmetric u8 (per row or per tensor), like PyTorch's dynamic quantized
/// `Linear`.
///
/// Each output differs from the f32 product by at most what quantization
/// implies: `Σ_k (|x_k|·sw_j/2 + |w_jk|·sx/2 + sx·sw_j/4)` plus f32 rounding,
/// where `sx`, `sw_j` are the activation and weight scales.
/// The bound is not claimed where a step is a subnormal f32, too coarse to
/// carry the scale products to that precision: an activation row (or
/// tensor) whose range is below `255·f32::MIN_POSITIVE` (about 3e-36), or a
/// weight row whose largest magnitude is below `127·f32::MIN_POSITIVE`.
///
/// ```
/// use lowp::igemm::{ActivationQuantization, QuantizedLinear};
/// use lowp::{Context, MatMut, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// let w = [1.0f32, 0.5, -1.0, 2.0]; // 2 outputs × 2 inputs
/// let lin = QuantizedLinear::new(&ctx, MatRef::row_major(&w, 2, 2)?, Some(&[0.0, 1.0]), ActivationQuantization::PerRow)?;
/// let x = [1.0f32, 2.0];
/// let mut y = [0.0f32; 2];
/// lin.forward(&ctx, MatRef::row_major(&x, 1, 2)?, MatMut::row_major(&mut y, 1, 2)?)?;
/// assert!((y[0] - 2.0).abs() < 0.05 && (y[1] - 4.0).abs() < 0.05);
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct QuantizedLinear {
    weights: PackedI8Weights,
    weight_scales: Vec<f32>,
    bias: Option<Vec<f32>>,
    mode: ActivationQuantization,
}

impl QuantizedLinear {
    /// Quantizes and packs `weight` (`out_features × in_features`, any
    /// strides, PyTorch's layout) for `ctx`'s level. `bias` has
    /// `out_features` entries. `Err` on non-finite weights or bias.
    pub fn new(
        ctx: &Context,
        weight: MatRef<'_, f32>,
        bias: Option<&[f32]>,
        mode: ActivationQuantization,
    ) -> Result<QuantizedLinear> {
        let (n, k) = (weight.rows(), weight.cols());
        // Before allocating per feature (a zero-size view may claim any size).
        if k > super::MAX_K {
            return Err(Error::overflow(
                "weight",
                format!(
                    "{k} input features exceed {}, the INT8 GEMM's K bound",
                    super::MAX_K
                ),
            ));
        }
        if n > isize::MAX as usize / 16 {
            return Err(Error::overflow(
                "weight",
                format!("{n} output features exceed the address space"),
            ));
        }
        if let Some(b) = bias {
            if b.len() != n {
                return Err(Error::shape(format!(
                    "bias has {} entries but weight has {n} rows",
                    b.len()
                )));
            }
            if let Some(j) = b.iter().position(|x| !x.is_finite()) {
                return Err(Error::param(
                    "bias",
                    format!("bias[{j}] = {} is not finite", b[j]),
                ));
            }
        }
        let mut q = vec![0i8; n * k];
        let mut row = vec![0f32; k];
        let mut scales = Vec::with_capacity(n);
        for j in 0..n {
            for (kk, r) in row.iter_mut().enumerate() {
                *r = *weight.at(j, kk);
            }
            if let Some(kk) = row.iter().position(|x| !x.is_finite()) {
                return Err(Error::param(
                    "weight",
                    format!("weight[{j}][{kk}] = {} is not finite", row[kk]),
                ));
            }
            scales.push(quantize_weight_row(ctx, &row, &mut q[j * k..(j + 1) * k]));
        }
        // q is N × K row-major; the GEMM wants K × N: its transpose.
        let qb = MatRef::named("weight", &q, n, k, k, 1)?.t();
        let weights = PackedI8Weights::pack(ctx, qb, WeightZeroPoint::PerTensor(0), PackOptions::default())?;
        Ok(QuantizedLinear {
            weights,
            weight_scales: scales,
            bias: bias.map(<[f32]>::to_vec),
            mode,
        })
    }

    /// Input features (K).
    pub fn in_features(&self) -> usize {
        self.weights.k()
    }

    /// Output features (N).
    pub fn out_features(&self) -> usize {
        self.weights.n()
    }

    /// The per-output-channel weight scales.
    pub fn weight_scales(&self) -> &[f32] {
        &self.weight_scales
    }

    /// `y = x·Wᵀ + bias` for `x` (`M × in_features`) into `y`
    /// (`M × out_features`). `Err` on shape mismatch, non-finite input, or
    /// a context of another ISA level than the one that packed the weights.
    pub fn forward(&self, ctx: &Context, x: MatRef<'_, f32>, y: MatMut<'_, f32>) -> Result<()> {
        let (m, k) = (x.rows(), x.cols());
        if k != self.in_features() {
            return Err(Error::shape(format!(
                "x has {k} columns but the layer has {} input features",
                self.in_features()
            )));
        }
        if (y.rows(), y.cols()) != (m, self.out_features()) {
            return Err(Error::shape(format!(
                "y is {}x{} but x·Wᵀ is {m}x{}",
                y.rows(),
                y.cols(),
                self.out_features()
            )));
        }
        if m == 0 || self.out_features() == 0 {
            // Nothing to compute (M may be huge when K = 0).
            return Ok(());
        }
        let mut q = vec![0u8; m * k];
        let per_row = self.mode == ActivationQuantization::PerRow;
        let params = quantize_dynamic_u8(ctx, x, MatMut::row_major(&mut q, m, k)?, per_row)?;
        let qa = MatRef::named("x", &q, m, k, k, 1)?;
        let (row_scale, za): (Vec<f32>, Vec<i32>) =
            (0..m).map(|i| params[if per_row { i } else { 0 }]).unzip();
        let out = Output::F32 {
            c: y,
            dequantize: Dequantize {
                bias: self.bias.as_deref(),
                ..Dequantize::new(Scale::PerColumn(&self.weight_scales))
            },
        };
        igemm_run(
            ctx,
            &Activations::per_row(ctx, qa, &za, &row_scale),
            &self.weights,
            out,
        )
    }
}
