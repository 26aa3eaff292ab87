//! The INT8 grouped plan: weights `w − zb` packed as s8 for
//! `gconv_u8s8s32_16ch`, accumulators started from `−za·Σw` (and the
//! requantizing bias, as igemm starts its own), the s32 tile finished by
//! igemm's pipelines.

use super::{fits, OutRows, Shape};
use crate::conv::params::ConvGeometry;
use crate::conv::ConvOutput;
use crate::gemm::buffers;
use crate::igemm::pipeline::{dequantize_tile, narrow_i8, narrow_u8, requantize_tile};
use crate::igemm::{Int8, Requantize, Scale, WeightZeroPoint};
use crate::{Context, Isa};

/// An INT8 grouped layer on the grouped kernels.
#[derive(Debug)]
pub(crate) struct GroupedI8 {
    shape: Shape,
    /// `w − zb` per block, step and lane: 4 bytes (4 input channels).
    weights: Vec<i8>,
    /// Per output channel (16 per block), `Σ (w − zb)`.
    colsum: Vec<i32>,
    isa: Isa,
}

impl GroupedI8 {
    /// The plan of a layer that [`fits`] on a level with the kernels, from
    /// its OHWI weights and their zero point (checked by the caller);
    /// `None` otherwise, or when some `w − zb` leaves s8.
    pub(crate) fn new<W: Int8>(
        ctx: &Context,
        geo: &ConvGeometry,
        ohwi: &[W],
        zb: WeightZeroPoint<'_>,
    ) -> Option<GroupedI8> {
        let kern = &ctx.kernels().conv;
        if !fits(geo) || kern.u8s8.is_none() || kern.expand.is_none() {
            return None;
        }
        let shape = Shape::new(geo, 1);
        let (taps, cg) = (shape.r * shape.s, shape.cg);
        let eff = |k: usize, x: usize| ohwi[k * taps * cg + x].to_i32() - zb.at(k);
        let fits_s8 = (0..geo.k).all(|k| (0..taps * cg).all(|x| i8::try_from(eff(k, x)).is_ok()));
        if !fits_s8 {
            return None;
        }
        let weights = shape.pack_weights(4, |k, tap, c| eff(k, tap * cg + c) as i8);
        let mut colsum = vec![0i32; 16 * shape.blocks];
        for (k, s) in colsum.iter_mut().enumerate().take(geo.k) {
            *s = (0..taps * cg).map(|x| eff(k, x)).sum();
        }
        Some(GroupedI8 {
            shape,
            weights,
            colsum,
            isa: ctx.isa(),
        })
    }

    /// The level the weights were packed for.
    pub(crate) fn isa(&self) -> Isa {
        self.isa
    }

    /// Runs the layer into `output` (`ctx` of the plan's level, buffers and
    /// pipeline checked by the caller; `bounds` the pipeline's `(lo, hi)`).
    pub(crate) fn run<A: Int8>(
        &self,
        ctx: &Context,
        input: &[A],
        za: i32,
        output: ConvOutput<'_>,
        bounds: (f32, f32, i32, i32),
    ) {
        debug_assert_eq!(ctx.isa(), self.isa);
        let Some(kern) = ctx.kernels().conv.u8s8 else {
            return;
        };
        let s = &self.shape;
        // The u8 domain: s8 input moves by 128 (the expansion's XOR), and so does its zero point.
        let zu = za + A::U8_SHIFT;
        let xor = if A::U8_SHIFT != 0 { 0x8080_8080 } else { 0 };
        let pad = (zu as u8 as u32) * 0x0101_0101;
        let mut init: Vec<i32> = self
            .colsum
            .iter()
            .map(|&c| c.wrapping_mul(zu).wrapping_neg())
            .collect();
        let run = |init: &[i32], finish: &(dyn Fn(&mut [i32], usize, usize) + Sync)| {
            s.run(ctx, kern.f, input, pad, xor, &self.weights, init, finish)
        };
        let scales = |sc: Scale<'_>| -> Vec<f32> {
            match sc {
                Scale::PerTensor(v) => vec![v; s.k],
                Scale::PerColumn(v) => v.to_vec(),
            }
        };
        let cols = |b: usize| 16 * b..(16 * b + 16).min(s.k);
        match output {
            ConvOutput::S32 { output, accumulate } => {
                let out = OutRows::new(
                    output,
                    s.k,
                    accumulate.then_some(i32::wrapping_add as fn(i32, i32) -> i32),
                );
                run(&init, &|tile, pixel, b| out.store(tile, pixel, b));
            }
            ConvOutput::F32 { output, dequantize } => {
                let (scale, ones) = (scales(dequantize.scale), vec![1.0f32; s.ow]);
                let out = OutRows::new(output, s.k, None);
                let (lo, hi) = (bounds.0, bounds.1);
                run(&init, &|tile, pixel, b| {
                    let mut f = buffers::take::<f32>(buffers::SLOT_ROW, tile.len());
                    let bias = dequantize.bias.map(|v| &v[cols(b)]);
                    dequantize_tile(tile, 16, &ones, &scale[cols(b)], bias, lo, hi, &mut f);
                    out.store(&f, pixel, b);
                });
            }
            ConvOutput::U8 { output, requantize } => {
                add_bias(&mut init, &requantize);
                let scale = scales(requantize.scale);
                let out = OutRows::new(output, s.k, None);
                let (lo, hi) = (bounds.2, bounds.3);
                run(&init, &|tile, pixel, b| {
                    requantize_tile(tile, 16, s.ow, &scale[cols(b)], requantize.zero_point, lo, hi);
                    let mut q = buffers::take::<u8>(buffers::SLOT_ROW, tile.len());
                    narrow_u8(tile, &mut q);
                    out.store(&q, pixel, b);
                });
            }
            ConvOutput::S8 { output, requantize } => {
                add_bias(&mut init, &requantize);
                let scale = scales(requantize.scale);
                let out = OutRows::new(output, s.k, None);
                let (lo, hi) = (bounds.2, bounds.3);
                run(&init, &|tile, pixel, b| {
                    requantize_tile(tile, 16, s.ow, &scale[cols(b)], requantize.zero_point, lo, hi);
                    let mut q = buffers::take::<i8>(buffers::SLOT_ROW, tile.len());
                    narrow_i8(tile, &mut q);
                    out.store(&q, pixel, b);
                });
            }
        }
    }
}

/// The requantizing bias starts the accumulators (as igemm's `col_add`).
fn add_bias(init: &mut [i32], r: &Requantize<'_>) {
    if let Some(bias) = r.bias {
        for (v, &b) in init.iter_mut().zip(bias) {
            *v = v.wrapping_add(b);
        }
    }
}
