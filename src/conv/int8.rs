//! The INT8 convolution plan: weights packed once per group
//! ([`PackedI8Weights`]), the indirection buffer built once; each run is one
//! INT8 GEMM per group through igemm's output pipelines.

use super::depthwise::DwI8;
use super::grouped::GroupedI8;
use super::layer::{ConvAlgorithm, ConvWeights, Layer};
use super::params::ConvGeometry;
use super::rows_int8::{max_offset, ConvRows};
use super::{Conv2dParams, Conv3dParams};
use crate::error::{Error, Result};
use crate::igemm::{
    check_dequantize, check_requantize, igemm_run, Activations, Dequantize, Int8, Output, PackOptions,
    PackedI8Weights, Requantize, Scale, WeightZeroPoint, MAX_K,
};
use crate::quant::FixedPointRequantize;
use crate::{Context, MatMut, MatRef};
use std::ops::Range;

/// Where an INT8 convolution writes (NHWC, `N·OH·OW·K` elements, or
/// NDHWC), and through which pipeline: those of [`Output`], with per-column
/// scales and biases per output channel (`K` of them).
#[derive(Debug)]
pub enum ConvOutput<'a> {
    /// Raw s32 results; with `accumulate`, `output += result` (wrapping).
    S32 {
        /// The output.
        output: &'a mut [i32],
        /// Add into the output instead of overwriting it.
        accumulate: bool,
    },
    /// Dequantized f32 (bias, activation).
    F32 {
        /// The output.
        output: &'a mut [f32],
        /// The pipeline.
        dequantize: Dequantize<'a>,
    },
    /// Requantized u8.
    U8 {
        /// The output.
        output: &'a mut [u8],
        /// The pipeline.
        requantize: Requantize<'a>,
    },
    /// Requantized s8.
    S8 {
        /// The output.
        output: &'a mut [i8],
        /// The pipeline.
        requantize: Requantize<'a>,
    },
    /// Requantized u8 with the integer-only (gemmlowp / TFLite) output
    /// stage, bit-compatible with TFLite's reference (as igemm's
    /// [`Output::U8Fixed`]).
    U8Fixed {
        /// The output.
        output: &'a mut [u8],
        /// The pipeline: Q31 multipliers and shifts per output channel or
        /// tensor.
        requantize: FixedPointRequantize<'a>,
    },
    /// Requantized s8 with the integer-only output stage (as
    /// [`ConvOutput::U8Fixed`]).
    S8Fixed {
        /// The output.
        output: &'a mut [i8],
        /// The pipeline.
        requantize: FixedPointRequantize<'a>,
    },
}

/// An INT8 convolution layer, planned once: u8 or s8 NHWC (NDHWC) input
/// with a zero point, 8-bit weights with per-tensor or per-output-channel
/// zero points packed per group for the Context's ISA, outputs through
/// igemm's pipelines ([`ConvOutput`]). Padding taps contribute exactly 0.
///
/// ```
/// use lowp::conv::{Conv2dParams, ConvI8, ConvOutput, ConvWeights, Padding2d};
/// use lowp::igemm::{PackOptions, WeightZeroPoint};
/// use lowp::Context;
/// let ctx = Context::builder().threads(1).build()?;
/// // 1x1x2x1 input (zero point 10), a 1x3 filter, padding 1 left and right.
/// let p = Conv2dParams::new(1, 1, 2, 1, 1, 1, 3).with_padding(Padding2d { left: 1, right: 1, ..Default::default() });
/// let w = [1i8, 2, 3];
/// let conv = ConvI8::new(&ctx, &p, ConvWeights::ohwi(&w), WeightZeroPoint::PerTensor(0), PackOptions::default())?;
/// let mut out = [0i32; 2];
/// conv.run(&ctx, &[11u8, 13], 10, ConvOutput::S32 { output: &mut out, accumulate: false })?;
/// assert_eq!(out, [2 * 1 + 3 * 3, 1 * 1 + 2 * 3]);
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Debug)]
pub struct ConvI8 {
    layer: Layer,
    /// Per group, its `depth × kg` weights (empty when the GEMMs are).
    weights: Vec<PackedI8Weights>,
    /// The depthwise plan's weights ([`ConvAlgorithm::Depthwise`]).
    dw: Option<DwI8>,
    /// The grouped kernels' plan ([`ConvAlgorithm::Grouped`]).
    grouped: Option<GroupedI8>,
    /// [`ConvAlgorithm::IndirectKernel`]: the level's indirect kernel reads
    /// the input in place.
    in_place: bool,
    /// With `in_place`, per group: per tap `t` and output channel `j`
    /// (`kg` padded to whole weight panels), `Σ_c b'[t·cg + c][j]`, what a
    /// padding row adds per unit of zero point (the kernel skips padding
    /// rows and adds `za'·` this instead).
    tap_sums: Vec<Vec<i32>>,
    /// The indirection buffer's [`max_offset`], found once.
    max_offset: Option<usize>,
}

impl ConvI8 {
    /// Plans a 2-D layer with weights `W` (s8 or u8) and their zero point
    /// (per tensor, or per output channel: `K` values). `Err` for invalid
    /// parameters, weights or zero points of the wrong length or range, or
    /// a GEMM depth `C·R·S/groups` above [`MAX_K`].
    pub fn new<W: Int8>(
        ctx: &Context,
        params: &Conv2dParams,
        weights: ConvWeights<'_, W>,
        weight_zero_point: WeightZeroPoint<'_>,
        options: PackOptions,
    ) -> Result<ConvI8> {
        Self::build(ctx, params.geometry()?, weights, weight_zero_point, options)
    }

    /// Plans a 3-D layer (NDHWC); as [`ConvI8::new`].
    pub fn new_3d<W: Int8>(
        ctx: &Context,
        params: &Conv3dParams,
        weights: ConvWeights<'_, W>,
        weight_zero_point: WeightZeroPoint<'_>,
        options: PackOptions,
    ) -> Result<ConvI8> {
        Self::build(ctx, params.geometry()?, weights, weight_zero_point, options)
    }

    fn build<W: Int8>(
        ctx: &Context,
        geo: ConvGeometry,
        weights: ConvWeights<'_, W>,
        zb: WeightZeroPoint<'_>,
        options: PackOptions,
    ) -> Result<ConvI8> {
        let mut layer = Layer::new(geo);
        if layer.depth() > MAX_K {
            return Err(Error::param(
                "params",
                format!(
                    "the GEMM depth C·T·R·S/groups = {} exceeds MAX_K = {MAX_K}, past which s32 can overflow",
                    layer.depth()
                ),
            ));
        }
        if let WeightZeroPoint::PerColumn(z) = zb {
            Layer::check_len("weight_zero_point", z.len(), geo.k, "output channels (K)")?;
        }
        let ohwi = layer.weights_ohwi(weights)?;
        let dw = match layer.algorithm {
            ConvAlgorithm::Depthwise => Some(DwI8::new(ctx, &geo, &ohwi, zb)?),
            _ => None,
        };
        let weights = if layer.is_empty() || dw.is_some() {
            Vec::new()
        } else {
            (0..geo.groups)
                .map(|g| {
                    let cols = g * layer.kg..(g + 1) * layer.kg;
                    let zb = match zb {
                        WeightZeroPoint::PerColumn(z) => WeightZeroPoint::PerColumn(&z[cols]),
                        z => z,
                    };
                    PackedI8Weights::pack(ctx, layer.group_b(&ohwi, g)?, zb, options)
                })
                .collect::<Result<_>>()?
        };
        let grouped = (layer.algorithm == ConvAlgorithm::Grouped)
            .then(|| GroupedI8::new(ctx, &geo, &ohwi, zb))
            .flatten();
        if layer.algorithm == ConvAlgorithm::Grouped && grouped.is_none() {
            layer.fall_back();
        }
        // The indirect kernel needs no row sums, so no weight zero point.
        // (1×1 layers stay GEMMs on packed A: read in place, their single
        // 64-channel tap measured slower; docs/tuning.md.)
        let in_place = !layer.is_empty()
            && takes_indirect_kernel(ctx, layer.algorithm, layer.cg)
            && weights.iter().all(|w| w.max_abs_zb == 0);
        let tap_sums = match in_place {
            true => (0..geo.groups)
                .map(|g| tap_sums(&layer, &ohwi, g, weights[g].nr))
                .collect(),
            false => Vec::new(),
        };
        Ok(ConvI8 {
            max_offset: max_offset(&layer.offsets),
            layer,
            weights,
            dw,
            grouped,
            in_place,
            tap_sums,
        })
    }

    /// The algorithm a plan of this 3-D (or, with depth 1, 2-D) layer
    /// builds on `ctx`'s level for s8 weights without a zero point, found
    /// without packing anything (what [`ConvI8::algorithm`] of such a plan
    /// says; a weight zero point keeps a layer off the indirect kernel).
    ///
    /// ```
    /// use lowp::conv::{Conv3dParams, ConvAlgorithm, ConvI8};
    /// let ctx = lowp::Context::builder().threads(1).build()?;
    /// // N, D, H, W, C, K, T, R, S: a 1×1×1 kernel, no padding.
    /// let p = Conv3dParams::new(1, 2, 8, 8, 4, 4, 1, 1, 1);
    /// assert_eq!(ConvI8::algorithm_for(&ctx, &p)?, ConvAlgorithm::Gemm1x1);
    /// # Ok::<(), lowp::Error>(())
    /// ```
    pub fn algorithm_for(ctx: &Context, params: &Conv3dParams) -> Result<ConvAlgorithm> {
        let geo = params.geometry()?;
        let mut algorithm = ConvAlgorithm::of_3d(params)?;
        if algorithm == ConvAlgorithm::Grouped && !GroupedI8::available(ctx) {
            algorithm = ConvAlgorithm::general(&geo);
        }
        let empty = geo.n * geo.output.iter().product::<usize>() == 0 || geo.k / geo.groups == 0;
        Ok(
            match !empty && takes_indirect_kernel(ctx, algorithm, geo.c / geo.groups) {
                true => ConvAlgorithm::IndirectKernel,
                false => algorithm,
            },
        )
    }

    /// The algorithm the plan runs: [`ConvAlgorithm::of_2d`]'s, or
    /// [`ConvAlgorithm::IndirectKernel`] where this level's indirect
    /// kernel takes an `Indirect` layer.
    pub fn algorithm(&self) -> ConvAlgorithm {
        match self.in_place {
            true => ConvAlgorithm::IndirectKernel,
            false => self.layer.algorithm,
        }
    }

    /// Runs the layer on `input` (`N·H·W·C` elements, u8 or s8, NHWC) with
    /// zero point `a_zero_point`. Results are bit-identical for every thread
    /// count.
    ///
    /// `Err` naming the argument for a buffer of the wrong length, a zero
    /// point out of its type's range, per-channel scales or a bias without
    /// `K` elements, the pipelines' own refusals ([`crate::igemm::igemm`]),
    /// or a Context of another ISA level than the plan's.
    pub fn run<A: Int8>(
        &self,
        ctx: &Context,
        input: &[A],
        a_zero_point: i32,
        mut output: ConvOutput<'_>,
    ) -> Result<()> {
        let l = &self.layer;
        if a_zero_point < A::MIN || a_zero_point > A::MAX {
            return Err(Error::param(
                "a_zero_point",
                format!("zero point {a_zero_point} is outside [{}, {}]", A::MIN, A::MAX),
            ));
        }
        let (out_len, requantize) = match &output {
            ConvOutput::S32 { output, .. } => (output.len(), None),
            ConvOutput::F32 { output, dequantize } => {
                let bias = dequantize.bias.map(<[f32]>::len);
                check_columns("dequantize", l.geo.k, dequantize.scale, bias)?;
                (output.len(), None)
            }
            ConvOutput::U8 { output, requantize } => (output.len(), Some(requantize)),
            ConvOutput::S8 { output, requantize } => (output.len(), Some(requantize)),
            ConvOutput::U8Fixed { output, .. } => (output.len(), None),
            ConvOutput::S8Fixed { output, .. } => (output.len(), None),
        };
        output.check_fixed(l.geo.k).transpose()?;
        if let Some(r) = requantize {
            check_columns("requantize", l.geo.k, r.scale, r.bias.map(<[i32]>::len))?;
        }
        l.check_buffers(input.len(), out_len)?;
        if l.is_empty() {
            return Ok(());
        }
        if output.is_fixed() && (self.dw.is_some() || self.grouped.is_some()) {
            // Their stores have no fixed-point form: s32 first.
            let mut sums = vec![0i32; out_len];
            let s32 = ConvOutput::S32 {
                output: &mut sums,
                accumulate: false,
            };
            self.run(ctx, input, a_zero_point, s32)?;
            return output.requantize_rows(&sums, l.geo.k);
        }
        if let Some(dw) = &self.dw {
            return dw.run(ctx, input, a_zero_point, &mut output);
        }
        if let Some(g) = &self.grouped {
            let bounds = grouped_bounds(ctx, &output, l.geo.k, g.isa())?;
            g.run(ctx, input, a_zero_point, output, bounds);
            return Ok(());
        }
        if self.in_place {
            return self.run_in_place(ctx, input, a_zero_point, output);
        }
        for (g, b) in self.weights.iter().enumerate() {
            let out = group_output(&mut output, l, g)?;
            let c0 = g * l.cg;
            if l.algorithm == ConvAlgorithm::Gemm1x1 {
                let a = MatRef::named("input", &input[c0..], l.m, l.cg, l.geo.c, 1)?;
                igemm_run(ctx, &Activations::new(ctx, a, a_zero_point), b, out)?;
            } else {
                let offsets = (&l.offsets[..], self.max_offset);
                let a = ConvRows::new(ctx, input, offsets, l.taps, c0, l.cg, a_zero_point);
                igemm_run(ctx, &a, b, out)?;
            }
        }
        Ok(())
    }
}

/// The checks igemm makes of a call, for the grouped kernels: the plan's
/// level, and the pipeline's bounds `(f32 lo, f32 hi, int lo, int hi)`.
/// Whether a layer of `algorithm` with `cg` channels per group runs the
/// level's indirect kernel (when its weights have no zero point: the kernel
/// needs no row sums).
fn takes_indirect_kernel(ctx: &Context, algorithm: ConvAlgorithm, cg: usize) -> bool {
    algorithm == ConvAlgorithm::Indirect && ConvRows::<u8>::can_read_in_place(ctx, cg)
}

fn grouped_bounds(
    ctx: &Context,
    out: &ConvOutput<'_>,
    k: usize,
    isa: crate::Isa,
) -> Result<(f32, f32, i32, i32)> {
    if ctx.isa() != isa {
        return Err(Error::LayoutMismatch {
            arg: "ctx",
            msg: format!(
                "the convolution's weights were packed for ISA {isa}, this context runs {}",
                ctx.isa()
            ),
        });
    }
    Ok(match out {
        ConvOutput::S32 { .. } => (0.0, 0.0, 0, 0),
        ConvOutput::F32 { dequantize, .. } => {
            let (lo, hi) = check_dequantize(dequantize, k)?;
            (lo, hi, 0, 0)
        }
        ConvOutput::U8 { requantize, .. } => {
            let (lo, hi) = check_requantize::<u8>(requantize, k)?;
            (0.0, 0.0, lo, hi)
        }
        ConvOutput::S8 { requantize, .. } => {
            let (lo, hi) = check_requantize::<i8>(requantize, k)?;
            (0.0, 0.0, lo, hi)
        }
        // `run` requantizes these after an s32 run.
        ConvOutput::U8Fixed { .. } | ConvOutput::S8Fixed { .. } => (0.0, 0.0, 0, 0),
    })
}

impl ConvI8 {
    /// [`ConvAlgorithm::IndirectKernel`] (arguments checked): u8 input read
    /// in place; s8 input moved to u8 first (`+128`, one pass over the
    /// input, with the zero point) so the kernel broadcasts it as is.
    fn run_in_place<A: Int8>(
        &self,
        ctx: &Context,
        input: &[A],
        a_zero_point: i32,
        mut output: ConvOutput<'_>,
    ) -> Result<()> {
        let l = &self.layer;
        let flipped: Vec<u8> = match A::U8_SHIFT {
            0 => Vec::new(),
            _ => input.iter().map(|x| x.to_u8_shifted()).collect(),
        };
        let za = a_zero_point + A::U8_SHIFT;
        // An output row's pixels read input pixels `stride` apart.
        let ow = (l.geo.output[2], l.geo.stride[2] * l.geo.c);
        let offsets = (&l.offsets[..], self.max_offset);
        for ((g, b), sums) in self.weights.iter().enumerate().zip(&self.tap_sums) {
            let out = group_output(&mut output, l, g)?;
            let c0 = g * l.cg;
            let pad: Vec<i32> = sums.iter().map(|s| s.wrapping_mul(za)).collect();
            let pad = Some((&pad[..], pad.len() / l.taps));
            if A::U8_SHIFT == 0 {
                let a = ConvRows::new(ctx, input, offsets, l.taps, c0, l.cg, a_zero_point);
                igemm_run(ctx, &a.in_place(ctx, pad, ow), b, out)?;
            } else {
                let a = ConvRows::new(ctx, &flipped[..], offsets, l.taps, c0, l.cg, za);
                igemm_run(ctx, &a.in_place(ctx, pad, ow), b, out)?;
            }
        }
        Ok(())
    }
}

/// Group `g`'s tap sums (see `ConvI8::tap_sums`) from the OHWI weights:
/// `[t][j]`, `j` padded with zeros to whole weight panels of `nr`.
fn tap_sums<W: Int8>(l: &Layer, ohwi: &[W], g: usize, nr: usize) -> Vec<i32> {
    let kgp = l.kg.next_multiple_of(nr);
    let mut v = vec![0i32; l.taps * kgp];
    for j in 0..l.kg {
        let w = &ohwi[(g * l.kg + j) * l.depth()..][..l.depth()];
        for (t, run) in w.chunks_exact(l.cg).enumerate() {
            v[t * kgp + j] = run.iter().map(|&x| x.to_s8_shifted() as i32).sum();
        }
    }
    v
}

/// `Err` naming `arg` unless per-column scales and the bias have `k` elements.
fn check_columns(arg: &'static str, k: usize, scale: Scale<'_>, bias: Option<usize>) -> Result<()> {
    if let Scale::PerColumn(s) = scale {
        Layer::check_len(arg, s.len(), k, "per-channel scale (K)")?;
    }
    if let Some(b) = bias {
        Layer::check_len(arg, b, k, "bias (K)")?;
    }
    Ok(())
}

/// Group `g`'s columns of a per-column scale.
fn scale_of(s: Scale<'_>, cols: Range<usize>) -> Scale<'_> {
    match s {
        Scale::PerColumn(v) => Scale::PerColumn(&v[cols]),
        s => s,
    }
}

/// Group `g`'s columns of a requantization.
fn requantize_of<'a>(r: &Requantize<'a>, cols: Range<usize>) -> Requantize<'a> {
    Requantize {
        scale: scale_of(r.scale, cols.clone()),
        bias: r.bias.map(|b| &b[cols]),
        ..*r
    }
}

/// The output columns of group `g` (`M × kg`, row stride K) as igemm's [`Output`].
fn group_output<'o>(out: &'o mut ConvOutput<'_>, l: &Layer, g: usize) -> Result<Output<'o>> {
    let cols = g * l.kg..(g + 1) * l.kg;
    fn view<'v, T>(o: &'v mut [T], l: &Layer, j0: usize) -> Result<MatMut<'v, T>> {
        MatMut::named("output", &mut o[j0..], l.m, l.kg, l.geo.k, 1)
    }
    Ok(match out {
        ConvOutput::S32 { output, accumulate } => Output::S32 {
            c: view(output, l, cols.start)?,
            accumulate: *accumulate,
        },
        ConvOutput::F32 { output, dequantize } => Output::F32 {
            c: view(output, l, cols.start)?,
            dequantize: Dequantize {
                scale: scale_of(dequantize.scale, cols.clone()),
                bias: dequantize.bias.map(|b| &b[cols]),
                ..*dequantize
            },
        },
        ConvOutput::U8 { output, requantize } => Output::U8 {
            c: view(output, l, cols.start)?,
            requantize: requantize_of(requantize, cols),
        },
        ConvOutput::S8 { output, requantize } => Output::S8 {
            c: view(output, l, cols.start)?,
            requantize: requantize_of(requantize, cols),
        },
        ConvOutput::U8Fixed { output, requantize } => Output::U8Fixed {
            c: view(output, l, cols.start)?,
            requantize: super::fixed::fixed_of(requantize, cols),
        },
        ConvOutput::S8Fixed { output, requantize } => Output::S8Fixed {
            c: view(output, l, cols.start)?,
            requantize: super::fixed::fixed_of(requantize, cols),
        },
    })
}
