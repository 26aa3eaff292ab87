//! The FP32 depthwise plan: weights packed per channel block, tap-major;
//! each run either reads the input in place ([`super::direct`], multiplier
//! 1, 3×3 or 5×5, horizontal stride 1 or 2, no horizontal dilation) or lays
//! out the input rows per task and calls the row kernel, bias and
//! activation fused into the stores either way.

use super::direct::DirectRun;
use super::{DwGeo, OutPtr};
use crate::conv::params::ConvGeometry;
use crate::gemm::buffers::AlignedVec;
use crate::Context;
use lowp_kernels::dwconv::DwRowF32;
use lowp_kernels::scalar::igemm_tile_store::igemm_tile_store_scalar;

/// A depthwise layer's FP32 weights, packed for one level's kernels.
#[derive(Debug)]
pub(crate) struct DwF32 {
    geo: DwGeo,
    /// `[block][r][s][L]`, zeros past `K`; each block's vectors on cache
    /// lines, as the kernels load them.
    weights: AlignedVec<f32>,
}

impl DwF32 {
    /// Packs `ohwi` (`[K][R][S]`: one input channel per group).
    pub(crate) fn new(ctx: &Context, g: &ConvGeometry, ohwi: &[f32]) -> DwF32 {
        let geo = DwGeo::new(g, ctx.kernels().dwconv.lanes);
        let (l, taps) = (geo.lanes, geo.r * geo.s);
        let mut weights = AlignedVec::new(geo.blocks * taps * l);
        for (k, w) in ohwi.chunks_exact(taps).enumerate() {
            for (t, &v) in w.iter().enumerate() {
                weights[((k / l) * taps + t) * l + k % l] = v;
            }
        }
        DwF32 { geo, weights }
    }

    /// `output = clamp(conv(input) + bias)` (`clamp`: `max` then `min`;
    /// `None`: identity). Buffers are checked by the caller.
    pub(crate) fn run(
        &self,
        ctx: &Context,
        input: &[f32],
        bias: Option<&[f32]>,
        clamp: Option<(f32, f32)>,
        output: &mut [f32],
    ) {
        let g = &self.geo;
        let l = g.lanes;
        let kern = ctx.kernels().dwconv.f32_for(g.r, g.s);
        let mut bias_blocks = vec![0.0f32; g.blocks * l];
        if let Some(bias) = bias {
            bias_blocks[..g.k].copy_from_slice(bias);
        }
        let (lo, hi) = clamp.unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
        if let Some(kern) = ctx.kernels().dwconv.direct.for_layer(g) {
            let d = DirectRun {
                kern,
                weights: &self.weights,
                bias: &bias_blocks,
                clamp,
            };
            return g.run_direct(ctx, &d, input, output);
        }
        let out = OutPtr(output.as_mut_ptr());
        let row_len = g.f32_row_pixels() * l;
        let fill = |_: &mut Vec<f32>, n, ih, b, dst: &mut [f32]| g.fill_f32(input, n, ih, b, dst);
        let row = |tile: &mut Vec<f32>, n, y, b, rows: &[*const f32]| {
            let (k0, valid) = g.block(b);
            // The block's own channels of the output row, unless it is the
            // partial last block: then the task's tile, copied after.
            let mut tile = (valid < l).then(|| {
                tile.resize(g.ow * l, 0.0);
                tile
            });
            let dst = out.at(g.out_at(n, y, k0));
            let args = DwRowF32 {
                rows: rows.as_ptr(),
                r: g.r,
                s: g.s,
                weights: self.weights[b * g.r * g.s * l..].as_ptr(),
                bias: bias_blocks[b * l..].as_ptr(),
                clamp: clamp.is_some(),
                lo,
                hi,
                out: tile.as_mut().map_or(dst, |t| t.as_mut_ptr()),
                out_stride: if tile.is_some() { l } else { g.k },
                ow: g.ow,
                stride: g.sw,
                dil: g.dw,
            };
            // SAFETY: the kernel belongs to the Context's (available) level; its `r` rows each hold
            // `f32_row_pixels()` pixels of `L` lanes (the last output's last tap is inside), the weights and
            // bias `r·s·L` and `L` of this block, and the output is either the tile (`ow·L`) or this task's
            // own `ow` pixels × `L` channels of row `y` (a full block: `k0 + L ≤ K`).
            unsafe { kern(&args) };
            if let Some(t) = tile {
                // SAFETY: row `y`'s `ow` pixels × channels `k0..k0 + valid`
                // are inside the output and this task's alone; the tile
                // holds `ow·L` values.
                unsafe { igemm_tile_store_scalar(g.ow, valid, t, l, dst, g.k, 1, None) };
            }
        };
        g.for_each_row(ctx, row_len, Vec::new, fill, row);
    }
}
