//! The FP32 grouped plan: weights packed for `gconv_f32_16ch`, bias as the
//! accumulators' start, the activation on the finished tile.

use super::{fits, OutRows, Shape};
use crate::conv::params::ConvGeometry;
use crate::{Context, Isa};
use multiversion::multiversion;

/// An FP32 grouped layer on the grouped kernels.
#[derive(Debug)]
pub(crate) struct GroupedF32 {
    shape: Shape,
    weights: Vec<f32>,
    isa: Isa,
}

impl GroupedF32 {
    /// The plan of a layer that [`fits`] on a level with the kernels, from
    /// its OHWI weights; `None` otherwise.
    pub(crate) fn new(ctx: &Context, geo: &ConvGeometry, ohwi: &[f32]) -> Option<GroupedF32> {
        let k = &ctx.kernels().conv;
        if !fits(geo) || k.f32.is_none() || k.expand.is_none() {
            return None;
        }
        let shape = Shape::new(geo, 4);
        let (taps, cg) = (shape.r * shape.s, shape.cg);
        let weights = shape.pack_weights(1, |k, tap, c| ohwi[(k * taps + tap) * cg + c]);
        Some(GroupedF32 {
            shape,
            weights,
            isa: ctx.isa(),
        })
    }

    /// `output = clamp(conv(input) + bias, lo, hi)` (`ctx` of the plan's
    /// level, buffers checked by the caller).
    pub(crate) fn run(
        &self,
        ctx: &Context,
        input: &[f32],
        bias: Option<&[f32]>,
        lo: f32,
        hi: f32,
        output: &mut [f32],
    ) {
        debug_assert_eq!(ctx.isa(), self.isa);
        let Some(kern) = ctx.kernels().conv.f32 else {
            return;
        };
        let s = &self.shape;
        let mut init = vec![0.0f32; 16 * s.blocks];
        if let Some(b) = bias {
            init[..s.k].copy_from_slice(b);
        }
        let out = OutRows::new(output, s.k, None);
        let clamp = lo > f32::NEG_INFINITY || hi < f32::INFINITY;
        s.run(
            ctx,
            kern.f,
            input,
            0,
            0,
            &self.weights,
            &init,
            |tile, pixel, b| {
                if clamp {
                    clamp_tile(tile, lo, hi);
                }
                out.store(tile, pixel, b);
            },
        );
    }
}

/// `v = min(max(v, lo), hi)` over a tile.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
fn clamp_tile(tile: &mut [f32], lo: f32, hi: f32) {
    for v in tile {
        *v = v.max(lo).min(hi);
    }
}
