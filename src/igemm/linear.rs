//! Dynamic quantized linear layer: f32 in, f32 out, INT8 GEMM inside.

use super::{
    igemm_run, Activations, Dequantize, Output, PackOptions, PackedI8Weights, Scale, WeightZeroPoint,
};
use crate::error::{Error, Result};
use crate::{Context, MatMut, MatRef};
use multiversion::multiversion;

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

/// Symmetric s8 quantization of one weight row: returns its scale.
fn quantize_weight_row(w: &[f32], q: &mut [i8]) -> f32 {
    let amax = w.iter().fold(0.0f32, |m, &x| m.max(x.abs()));
    // amax/127 underflows to 0 for amax below 127 subnormal steps: keep the
    // smallest positive scale so the dequantize pipeline gets a valid one.
    let scale = if amax > 0.0 {
        (amax / 127.0).max(f32::from_bits(1))
    } else {
        1.0
    };
    for (d, &x) in q.iter_mut().zip(w) {
        *d = (x / scale).round_ties_even().clamp(-127.0, 127.0) as i8;
    }
    scale
}

/// `(scale, zero point)` of an asymmetric u8 quantization covering
/// `[min(lo, 0), max(hi, 0)]`.
fn activation_params(lo: f32, hi: f32) -> (f32, i32) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let scale = (hi - lo) / 255.0;
    if scale > 0.0 && scale.is_finite() {
        (scale, (-lo / scale).round_ties_even().clamp(0.0, 255.0) as i32)
    } else {
        (1.0, 0)
    }
}

/// Quantizes a row: `q = clamp(round_half_even(x / scale) + zp, 0, 255)`.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
fn quantize_row(x: &[f32], scale: f32, zp: i32, q: &mut [u8]) {
    let zpf = zp as f32;
    for (d, &v) in q.iter_mut().zip(x) {
        *d = ((v / scale).round_ties_even() + zpf).clamp(0.0, 255.0) as u8;
    }
}

#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
fn min_max(x: &[f32]) -> (f32, f32) {
    x.iter()
        .fold((0.0f32, 0.0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)))
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
            scales.push(quantize_weight_row(&row, &mut q[j * k..(j + 1) * k]));
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
        let mut row = vec![0f32; k];
        let mut q = vec![0u8; m * k];
        let mut za = Vec::with_capacity(m);
        let mut row_scale = Vec::with_capacity(m);
        let read_row = |i: usize, row: &mut [f32]| -> Result<()> {
            for (kk, r) in row.iter_mut().enumerate() {
                *r = *x.at(i, kk);
            }
            match row.iter().position(|v| !v.is_finite()) {
                Some(kk) => Err(Error::param(
                    "x",
                    format!("x[{i}][{kk}] = {} is not finite", row[kk]),
                )),
                None => Ok(()),
            }
        };
        let tensor_params = if self.mode == ActivationQuantization::PerTensor {
            let (mut lo, mut hi) = (0.0f32, 0.0f32);
            for i in 0..m {
                read_row(i, &mut row)?;
                let (l, h) = min_max(&row);
                (lo, hi) = (lo.min(l), hi.max(h));
            }
            Some(activation_params(lo, hi))
        } else {
            None
        };
        for i in 0..m {
            read_row(i, &mut row)?;
            let (s, z) = tensor_params.unwrap_or_else(|| {
                let (l, h) = min_max(&row);
                activation_params(l, h)
            });
            quantize_row(&row, s, z, &mut q[i * k..(i + 1) * k]);
            row_scale.push(s);
            za.push(z);
        }
        let qa = MatRef::named("x", &q, m, k, k, 1)?;
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
