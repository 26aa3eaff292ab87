//! The FP32 grouped plan: weights packed for `gconv_f32_16ch`, bias as the
//! accumulators' start, the activation on the finished tile.

use super::{fits, OutRows, Shape};
use crate::conv::params::ConvGeometry;
use crate::gemm::buffers;
use crate::{Context, Isa};

/// An FP32 grouped layer on the grouped kernels.
#[derive(Debug)]
pub(crate) struct GroupedF32 {
    shape: Shape,
    weights: Vec<f32>,
    isa: Isa,
}

impl GroupedF32 {
    /// Whether [`GroupedF32::new`] plans a layer of this geometry here.
    pub(crate) fn takes(ctx: &Context, geo: &ConvGeometry) -> bool {
        let k = &ctx.kernels().conv;
        fits(geo) && k.f32.is_some() && k.expand.is_some()
    }

    /// The plan of a layer that [`fits`] on a level with the kernels, from
    /// its OHWI weights; `None` otherwise.
    pub(crate) fn new(ctx: &Context, geo: &ConvGeometry, ohwi: &[f32]) -> Option<GroupedF32> {
        if !Self::takes(ctx, geo) {
            return None;
        }
        let shape = Shape::new(geo, 4, ctx.kernels().conv.f32_g4.is_some());
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
        let clamp = (lo > f32::NEG_INFINITY || hi < f32::INFINITY).then_some((lo, hi));
        s.run(ctx, input, 0, 0, |src, pixel, b| {
            s.check_row(src);
            let (w, init) = (s.block(&self.weights, b), &init[16 * b..16 * b + 16]);
            // Whole blocks straight into the output, the last partial one through a tile.
            let mut tile = None;
            let (dst, ldo) = match out.block(pixel, b, s.ow) {
                Some(p) => (p, out.k()),
                None => (
                    tile.insert(buffers::take::<f32>(buffers::SLOT_TILE, s.ow * 16))
                        .as_mut_ptr(),
                    16,
                ),
            };
            if let (true, Some(g4)) = (s.is_g4(), ctx.kernels().conv.f32_g4) {
                let (at, rs, ps) = s.g4_at(b);
                // SAFETY: the level's kernel (an available ISA); `src` holds the row's 3 padded input rows of OW + 2
                // pixels (checked), block b's 16 floats of each at `at`; `w` the block's 36·16 weights, `init` 16
                // values; `dst` as below.
                unsafe {
                    (g4.f)(
                        src.as_ptr().cast::<u8>().add(at),
                        rs,
                        ps,
                        s.ow,
                        w.as_ptr(),
                        init.as_ptr(),
                        dst,
                        ldo,
                        clamp,
                    )
                };
            } else {
                // SAFETY: the level's kernel (an available ISA); `src` holds every step's vectors of the row's OW
                // pixels (checked), `w` the block's steps·16 weights, `init` 16 values; `dst` is either the tile (OW
                // rows of 16) or the output's block, inside it (checked by `block`) and written by this task alone.
                unsafe {
                    (kern.f)(
                        &s.offs,
                        src.as_ptr().cast(),
                        s.ps(),
                        s.ow,
                        w.as_ptr(),
                        init.as_ptr(),
                        dst,
                        ldo,
                        clamp,
                    )
                };
            }
            if let Some(t) = tile {
                out.store(&t[..s.ow * 16], pixel, b);
            }
        });
    }
}
