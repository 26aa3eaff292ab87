//! The FP32 convolution plan: weights packed once per group for the
//! Context's f32 kernel, the indirection buffer built once; each run is one
//! GEMM per group on the shared driver, bias and activation fused into the
//! store of each tile.

use super::depthwise::DwF32;
use super::epilogue_f32::{Epilogue, SinkF32Epilogue};
use super::grouped::GroupedF32;
use super::indirect_f32::IndirectF32;
use super::layer::{ConvAlgorithm, ConvWeights, Layer};
use super::params::ConvGeometry;
use super::rows_f32::ConvRowsF32;
use super::{Conv2dParams, Conv3dParams};
use crate::error::{Error, Result};
use crate::gemm::{self, BOperand, PackA, PackedB, Problem, TileSink};
use crate::igemm::Activation;
use crate::{Context, Isa, MatMut, MatRef};

/// An FP32 convolution layer, planned once: NHWC (NDHWC) input and output,
/// weights packed per group for the Context's ISA.
///
/// ```
/// use lowp::conv::{Conv2dParams, ConvF32, ConvWeights, Padding2d};
/// use lowp::igemm::Activation;
/// use lowp::Context;
/// let ctx = Context::builder().threads(1).build()?;
/// // 1x3x3x1 input, one 3x3 filter of ones, padding 1: each output sums its
/// // pixel's neighbourhood.
/// let p = Conv2dParams::new(1, 3, 3, 1, 1, 3, 3).with_padding(Padding2d::uniform(1));
/// let conv = ConvF32::new(&ctx, &p, ConvWeights::ohwi(&[1.0; 9]))?;
/// let mut out = [0.0f32; 9];
/// conv.run(&ctx, &[1.0; 9], None, Activation::Identity, &mut out)?;
/// assert_eq!(out, [4.0, 6.0, 4.0, 6.0, 9.0, 6.0, 4.0, 6.0, 4.0]);
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Debug)]
pub struct ConvF32 {
    layer: Layer,
    /// Per group, its `depth × kg` weights (empty when the GEMMs are).
    weights: Vec<PackedB<f32>>,
    /// The depthwise plan's weights ([`ConvAlgorithm::Depthwise`]).
    dw: Option<DwF32>,
    isa: Isa,
    /// The grouped kernels' plan ([`ConvAlgorithm::Grouped`]).
    grouped: Option<GroupedF32>,
    /// The indirect kernel's plan ([`ConvAlgorithm::IndirectKernel`]).
    indirect: Option<IndirectF32>,
}

impl ConvF32 {
    /// Plans a 2-D layer. `Err` for invalid parameters
    /// ([`Conv2dParams::validate`]) or weights of the wrong length.
    pub fn new(ctx: &Context, params: &Conv2dParams, weights: ConvWeights<'_, f32>) -> Result<ConvF32> {
        Self::build(ctx, params.geometry()?, weights)
    }

    /// Plans a 3-D layer (NDHWC); as [`ConvF32::new`].
    pub fn new_3d(ctx: &Context, params: &Conv3dParams, weights: ConvWeights<'_, f32>) -> Result<ConvF32> {
        Self::build(ctx, params.geometry()?, weights)
    }

    fn build(ctx: &Context, geo: ConvGeometry, weights: ConvWeights<'_, f32>) -> Result<ConvF32> {
        let mut layer = Layer::new(geo);
        let ohwi = layer.weights_ohwi(weights)?;
        let dw = (layer.algorithm == ConvAlgorithm::Depthwise).then(|| DwF32::new(ctx, &geo, &ohwi));
        let grouped = (layer.algorithm == ConvAlgorithm::Grouped)
            .then(|| GroupedF32::new(ctx, &geo, &ohwi))
            .flatten();
        if layer.algorithm == ConvAlgorithm::Grouped && grouped.is_none() {
            layer.fall_back();
        }
        let indirect = Self::takes_indirect(ctx, &layer)
            .then(|| IndirectF32::new(ctx, &layer, &ohwi))
            .flatten();
        if indirect.is_some() {
            layer.algorithm = ConvAlgorithm::IndirectKernel;
        }
        let weights = if layer.is_empty() || layer.depth() == 0 || dw.is_some() || indirect.is_some() {
            Vec::new()
        } else {
            (0..geo.groups)
                .map(|g| PackedB::<f32>::new(ctx, layer.group_b(&ohwi, g)?))
                .collect::<Result<_>>()?
        };
        Ok(ConvF32 {
            layer,
            weights,
            dw,
            isa: ctx.isa(),
            grouped,
            indirect,
        })
    }

    /// The algorithm the plan runs.
    pub fn algorithm(&self) -> ConvAlgorithm {
        self.layer.algorithm
    }

    /// The algorithm a plan of `params` runs on `ctx`'s level, without
    /// packing anything: [`ConvAlgorithm::of_3d`]'s, or
    /// [`ConvAlgorithm::IndirectKernel`] where the level's FP32 indirect
    /// kernel takes the layer.
    ///
    /// ```
    /// use lowp::conv::{Conv3dParams, ConvAlgorithm, ConvF32};
    /// let ctx = lowp::Context::builder().threads(1).max_isa(lowp::Isa::Scalar).build()?;
    /// // N, D, H, W, C, K, T, R, S: a 1×3×3 kernel, no padding.
    /// let p = Conv3dParams::new(1, 1, 8, 8, 4, 4, 1, 3, 3);
    /// assert_eq!(ConvF32::algorithm_for(&ctx, &p)?, ConvAlgorithm::Indirect);
    /// # Ok::<(), lowp::Error>(())
    /// ```
    pub fn algorithm_for(ctx: &Context, params: &Conv3dParams) -> Result<ConvAlgorithm> {
        let geo = params.geometry()?;
        let mut layer = Layer::new(geo);
        if layer.algorithm == ConvAlgorithm::Grouped && !GroupedF32::takes(ctx, &geo) {
            layer.fall_back();
        }
        Ok(match Self::takes_indirect(ctx, &layer) {
            true => ConvAlgorithm::IndirectKernel,
            false => layer.algorithm,
        })
    }

    /// Whether the level's FP32 indirect kernel runs a layer planned as
    /// `layer.algorithm`.
    fn takes_indirect(ctx: &Context, layer: &Layer) -> bool {
        let gemm = matches!(
            layer.algorithm,
            ConvAlgorithm::Indirect | ConvAlgorithm::Gemm1x1 | ConvAlgorithm::Gemm1x1Strided
        );
        gemm && !layer.is_empty() && layer.depth() > 0 && IndirectF32::takes(ctx, layer)
    }

    /// `output = activation(conv(input, weights) + bias)`: `input` has
    /// `N·H·W·C` elements (NHWC), `output` `N·OH·OW·K` (NHWC), `bias` `K`.
    /// Results are bit-identical for every thread count.
    ///
    /// `Err` naming the argument for a buffer of the wrong length, a clamp
    /// with `min > max`, or a Context of another ISA level than the plan's.
    pub fn run(
        &self,
        ctx: &Context,
        input: &[f32],
        bias: Option<&[f32]>,
        activation: Activation,
        output: &mut [f32],
    ) -> Result<()> {
        let l = &self.layer;
        l.check_buffers(input.len(), output.len())?;
        if let Some(b) = bias {
            Layer::check_len("bias", b.len(), l.geo.k, "bias (K)")?;
        }
        let clamp = match activation {
            Activation::Identity => None,
            Activation::Relu => Some((0.0, f32::INFINITY)),
            Activation::Clamp { min, max } if min <= max => Some((min, max)),
            Activation::Clamp { min, max } => {
                return Err(Error::param(
                    "activation",
                    format!("clamp min {min} exceeds max {max} (or is NaN)"),
                ))
            }
        };
        if ctx.isa() != self.isa {
            return Err(Error::LayoutMismatch {
                arg: "ctx",
                msg: format!(
                    "the convolution's weights were packed for ISA {}, this context runs {}",
                    self.isa,
                    ctx.isa()
                ),
            });
        }
        if l.is_empty() {
            return Ok(());
        }
        if let Some(dw) = &self.dw {
            dw.run(ctx, input, bias, clamp, output);
            return Ok(());
        }
        if let Some(p) = &self.indirect {
            p.run(ctx, l, input, bias, clamp, output);
            return Ok(());
        }
        if let Some(g) = &self.grouped {
            let (lo, hi) = clamp.unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
            g.run(ctx, input, bias, lo, hi, output);
            return Ok(());
        }
        if l.depth() == 0 {
            // No GEMM: each output is the epilogue of 0.
            let epi = Epilogue { bias, clamp };
            let kern = &ctx.kernels().sgemm;
            for row in output.chunks_exact_mut(l.geo.k) {
                row.fill(0.0);
                let mut c = MatMut::named("output", row, 1, l.geo.k, l.geo.k, 1)?;
                SinkF32Epilogue::new(&mut c, epi, kern.bias_clamp).finish(0, 0, 1, l.geo.k);
            }
            return Ok(());
        }
        for (g, b) in self.weights.iter().enumerate() {
            let bias = bias.map(|b| &b[g * l.kg..(g + 1) * l.kg]);
            self.run_group(ctx, input, g, b, Epilogue { bias, clamp }, output)?;
        }
        Ok(())
    }

    /// Group `g`: `output[.., g·kg..(g + 1)·kg] = epi(A_g · B_g)`, the
    /// epilogue fused into the store of each tile.
    fn run_group(
        &self,
        ctx: &Context,
        input: &[f32],
        g: usize,
        b: &PackedB<f32>,
        epi: Epilogue<'_>,
        output: &mut [f32],
    ) -> Result<()> {
        let l = &self.layer;
        let (m, k, c0) = (l.m, l.geo.k, g * l.cg);
        let mut c = MatMut::named("output", &mut output[g * l.kg..], m, l.kg, k, 1)?;
        let kern = &ctx.kernels().sgemm;
        let sink = SinkF32Epilogue::new(&mut c, epi, kern.bias_clamp);
        let (rows, plain);
        let a: &dyn PackA<f32> = if l.algorithm == ConvAlgorithm::Gemm1x1 {
            plain = kern.pack_a(MatRef::named("input", &input[c0..], m, l.cg, l.geo.c, 1)?);
            &plain
        } else {
            rows = ConvRowsF32::new(ctx, input, &l.offsets, l.taps, c0, l.cg);
            &rows
        };
        gemm::gemm(
            ctx,
            kern,
            &Problem {
                m,
                n: l.kg,
                k: l.depth(),
                a,
                b: BOperand::Prepacked(b),
                sink: &sink,
                alpha: 1.0,
                beta: 0.0,
                kc_at_least: None,
            },
        );
        Ok(())
    }
}
