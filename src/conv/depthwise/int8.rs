//! The INT8 depthwise plan: weights less their zero point packed as i16
//! pairs of taps per channel block; each run lays out the input rows as
//! pairs of values less the input zero point (padding: exactly 0), sums
//! pairs with `pmaddwd` into an s32 row tile, and finishes the tile through
//! igemm's output pipelines (the same stores and portable loops, so the
//! same bits).

use super::int8_patch::PatchWeights;
use super::int8_stack::{Q8Out, StackWeights};
use super::{DwGeo, OutPtr};
use crate::conv::params::ConvGeometry;
use crate::conv::ConvOutput;
use crate::error::{Error, Result};
use crate::igemm::kernels::Helpers;
use crate::igemm::pipeline::{dequantize_tile, narrow_u8, requantize_tile};
use crate::igemm::{check_dequantize, check_requantize, Int8, Requantize, Scale, WeightZeroPoint};
use crate::Context;
use lowp_kernels::dwconv::DwRowS16;
use lowp_kernels::scalar::igemm_tile_store::igemm_tile_store_scalar;

/// A depthwise layer's INT8 weights, packed for one level's kernels.
#[derive(Debug)]
pub(crate) struct DwI8 {
    geo: DwGeo,
    /// `[block][r][⌈s/2⌉][L][2]`: `(b_j − zb, b_{j+1} − zb)`, zeros past
    /// the last column and past `K`.
    weights: Vec<i16>,
    /// The stacked-row `vpdpbusd` packing, where the layer and level allow.
    stack: Option<StackWeights>,
    /// The stride-2 patch packing, where the layer and level allow.
    patch: Option<PatchWeights>,
}

/// A task's buffers: the widened row, the s32 row tile, and the
/// dequantized or requantized tile of the portable pipelines.
pub(super) struct Scratch {
    wide: Vec<i16>,
    tile: Vec<i32>,
    f: Vec<f32>,
    q: Vec<u8>,
}

impl Scratch {
    /// Empty buffers.
    pub(super) fn new() -> Scratch {
        Scratch {
            wide: Vec::new(),
            tile: Vec::new(),
            f: Vec::new(),
            q: Vec::new(),
        }
    }
}

/// Where a run's finished row tiles go.
enum Sink<'a> {
    S32 {
        out: OutPtr<i32>,
        add: bool,
    },
    F32 {
        out: OutPtr<f32>,
        scale: Vec<f32>,
        bias: Option<&'a [f32]>,
        lo: f32,
        hi: f32,
    },
    /// u8 or s8 (the same bytes for bounds within the type).
    Q8(Q8Out<'a>),
}

impl<'a> Sink<'a> {
    /// Requantized bytes into `out` (`k` channels) within `(lo, hi)`.
    fn q8(out: *mut u8, r: &Requantize<'a>, (lo, hi): (i32, i32), k: usize) -> Sink<'a> {
        Sink::Q8(Q8Out {
            out: OutPtr(out),
            scale: spread(r.scale, k),
            bias: r.bias,
            zp: r.zero_point,
            lo,
            hi,
        })
    }

    /// Where a full block's raw s32 sums of output row `y` can go straight
    /// to (plain s32 output), else `None`.
    fn direct(&self, g: &DwGeo, n: usize, y: usize, b: usize) -> Option<*mut i32> {
        let (k0, valid) = g.block(b);
        match self {
            Sink::S32 { out, add: false } if valid == g.lanes => Some(out.at(g.out_at(n, y, k0))),
            _ => None,
        }
    }

    /// Finishes the s32 tile of output row `y`, block `b` (`ow` pixels at
    /// stride `L`) through igemm's output pipelines; `f`, `q` are scratch.
    #[allow(clippy::too_many_arguments)]
    fn finish(
        &self,
        g: &DwGeo,
        helpers: &Helpers,
        ones: &[f32],
        n: usize,
        y: usize,
        b: usize,
        tile: &mut [i32],
        f: &mut Vec<f32>,
        q: &mut Vec<u8>,
    ) {
        let l = g.lanes;
        let (k0, valid) = g.block(b);
        let at = g.out_at(n, y, k0);
        let cols = k0..k0 + valid;
        match self {
            Sink::S32 { out, add } => {
                let add = add.then_some(i32::wrapping_add as fn(i32, i32) -> i32);
                // SAFETY: row `y`'s `ow` pixels × channels `k0..k0 + valid`
                // are inside the output and this task's alone; the tile
                // holds `ow·L` values.
                unsafe { igemm_tile_store_scalar(g.ow, valid, tile, l, out.at(at), g.k, 1, add) };
            }
            Sink::F32 {
                out,
                scale,
                bias,
                lo,
                hi,
            } => {
                let dst = out.at(at);
                let bias = bias.map(|b| &b[cols.clone()]);
                if let Some(store) = helpers.f32 {
                    let bp = bias.map_or(std::ptr::null(), <[f32]>::as_ptr);
                    // SAFETY: the store belongs to an available level; the tile holds `ow` rows of
                    // `valid` at stride `L`, the scales and bias `ow` / `valid` entries, and the block
                    // (row `y`, channels `k0..k0 + valid`, row stride K) is inside the output and this
                    // task's alone.
                    unsafe {
                        store(
                            g.ow,
                            valid,
                            tile.as_ptr(),
                            l,
                            ones.as_ptr(),
                            scale[cols].as_ptr(),
                            bp,
                            *lo,
                            *hi,
                            dst,
                            g.k,
                        )
                    };
                    return;
                }
                let o = f;
                o.resize(g.ow * l, 0.0);
                dequantize_tile(tile, l, ones, &scale[cols], bias, *lo, *hi, o);
                // SAFETY: as for the s32 store.
                unsafe { igemm_tile_store_scalar(g.ow, valid, o, l, dst, g.k, 1, None) };
            }
            Sink::Q8(Q8Out {
                out,
                scale,
                bias,
                zp,
                lo,
                hi,
            }) => {
                let dst = out.at(at);
                if let Some(bias) = bias {
                    // igemm starts its sums from the bias: add it first
                    // (wrapping), the same bits.
                    for px in tile.chunks_exact_mut(l) {
                        for (v, &b) in px.iter_mut().zip(&bias[cols.clone()]) {
                            *v = v.wrapping_add(b);
                        }
                    }
                }
                if let Some(store) = helpers.q8 {
                    // SAFETY: the store belongs to an available level; the tile holds `ow` rows of
                    // `valid` at stride `L`, the scale `valid` entries, no bias (null: added above); the
                    // block (row stride K, bytes) is inside the output and this task's alone; `lo ≤ hi`
                    // bound the type.
                    unsafe {
                        store(
                            g.ow,
                            valid,
                            tile.as_ptr(),
                            l,
                            scale[cols].as_ptr(),
                            std::ptr::null(),
                            *zp,
                            *lo,
                            *hi,
                            dst,
                            g.k,
                        )
                    };
                    return;
                }
                requantize_tile(tile, l, g.ow, &scale[cols], *zp, *lo, *hi);
                let o = q;
                o.resize(g.ow * l, 0);
                narrow_u8(&tile[..g.ow * l], o);
                // SAFETY: as for the s32 store (bytes: u8, or s8 with the
                // same bits).
                unsafe { igemm_tile_store_scalar(g.ow, valid, o, l, dst, g.k, 1, None) };
            }
        }
    }
}

/// A per-tensor or per-channel scale as `k` values.
fn spread(s: Scale<'_>, k: usize) -> Vec<f32> {
    match s {
        Scale::PerTensor(v) => vec![v; k],
        Scale::PerColumn(v) => v.to_vec(),
    }
}

impl DwI8 {
    /// Packs `ohwi` (`[K][R][S]`) with zero point `zb` (`Err` naming
    /// `weight_zero_point` for one outside `W`'s range).
    pub(crate) fn new<W: Int8>(
        ctx: &Context,
        g: &ConvGeometry,
        ohwi: &[W],
        zb: WeightZeroPoint<'_>,
    ) -> Result<DwI8> {
        let geo = DwGeo::new(g, ctx.kernels().dwconv.lanes);
        let (l, taps, pairs) = (geo.lanes, geo.r * geo.s, geo.s.div_ceil(2));
        if let Some(z) = (0..geo.k).map(|k| zb.at(k)).find(|&z| z < W::MIN || z > W::MAX) {
            return Err(Error::param(
                "weight_zero_point",
                format!("weight zero point {z} is outside [{}, {}]", W::MIN, W::MAX),
            ));
        }
        let mut weights = vec![0i16; geo.blocks * geo.r * pairs * l * 2];
        for (k, w) in ohwi.chunks_exact(taps).enumerate() {
            let z = zb.at(k);
            for (t, &v) in w.iter().enumerate() {
                let (i, j) = (t / geo.s, t % geo.s);
                let at = (((k / l) * geo.r + i) * pairs + j / 2) * l + k % l;
                // b − zb lies in [−255, 255].
                weights[at * 2 + j % 2] = (v.to_i32() - z) as i16;
            }
        }
        let stack = StackWeights::new(ctx, &geo, ohwi, zb);
        let patch = PatchWeights::new(ctx, &geo, ohwi, zb);
        Ok(DwI8 {
            geo,
            weights,
            stack,
            patch,
        })
    }

    /// Runs the layer into `output` (buffers and per-channel lengths
    /// checked by the caller; the pipeline's own values here).
    pub(crate) fn run<A: Int8>(
        &self,
        ctx: &Context,
        input: &[A],
        za: i32,
        output: &mut ConvOutput<'_>,
    ) -> Result<()> {
        let g = &self.geo;
        let sink = match output {
            ConvOutput::S32 { output, accumulate } => Sink::S32 {
                out: OutPtr(output.as_mut_ptr()),
                add: *accumulate,
            },
            ConvOutput::F32 { output, dequantize } => {
                let (lo, hi) = check_dequantize(dequantize, g.k)?;
                Sink::F32 {
                    out: OutPtr(output.as_mut_ptr()),
                    scale: spread(dequantize.scale, g.k),
                    bias: dequantize.bias,
                    lo,
                    hi,
                }
            }
            ConvOutput::U8 { output, requantize } => {
                let range = check_requantize::<u8>(requantize, g.k)?;
                Sink::q8(output.as_mut_ptr(), requantize, range, g.k)
            }
            ConvOutput::S8 { output, requantize } => {
                let range = check_requantize::<i8>(requantize, g.k)?;
                Sink::q8(output.as_mut_ptr().cast(), requantize, range, g.k)
            }
            // `ConvI8::run` runs fixed-point outputs to s32 first.
            ConvOutput::U8Fixed { .. } | ConvOutput::S8Fixed { .. } => {
                return Err(Error::param(
                    "output",
                    "the depthwise kernels store no fixed-point output",
                ))
            }
        };
        let l = g.lanes;
        let helpers = ctx.kernels().igemm.helpers;
        let ones = vec![1.0f32; g.ow];
        let finish = |sc: &mut Scratch, n, y, b, tile: &mut [i32]| {
            sink.finish(g, &helpers, &ones, n, y, b, tile, &mut sc.f, &mut sc.q)
        };
        let q8 = match &sink {
            Sink::Q8(q) => Some(q),
            _ => None,
        };
        if let Some(p) = &self.patch {
            let direct = |n, y, b| sink.direct(g, n, y, b);
            if p.run(ctx, g, input, za + A::U8_SHIFT, A::SIGNED, q8, &direct, &finish) {
                return Ok(());
            }
        }
        if let Some(st) = &self.stack {
            let direct = |n, y, b| sink.direct(g, n, y, b);
            if st.run(ctx, g, input, za + A::U8_SHIFT, A::SIGNED, q8, &direct, &finish) {
                return Ok(());
            }
        }
        let kern = ctx.kernels().dwconv.s16_for(g.r, g.s);
        let pairs = g.s.div_ceil(2);
        let row_len = g.pair_row_pixels() * 2 * l;
        let scratch = || Scratch {
            wide: vec![0; (g.pair_row_pixels() + g.dw) * l],
            tile: vec![0; g.ow * l],
            ..Scratch::new()
        };
        let fill = |sc: &mut Scratch, n, ih, b, dst: &mut [i16]| {
            g.fill_pairs(input, za, n, ih, b, &mut sc.wide, dst)
        };
        let row = |sc: &mut Scratch, n, y, b, rows: &[*const i16]| {
            let direct = sink.direct(g, n, y, b);
            let mut tile = std::mem::take(&mut sc.tile);
            let args = DwRowS16 {
                rows: rows.as_ptr(),
                r: g.r,
                s: g.s,
                weights: self.weights[b * g.r * pairs * 2 * l..].as_ptr(),
                out: direct.unwrap_or(tile.as_mut_ptr()),
                out_stride: if direct.is_some() { g.k } else { l },
                ow: g.ow,
                stride: g.sw,
                dil: g.dw,
            };
            // SAFETY: the kernel belongs to the Context's (available) level; its `r` rows each hold
            // `pair_row_pixels()` pixels of `2L` i16 (the last output's last pair is inside), the weights
            // `r·⌈s/2⌉·2L` of this block, and the output is either the tile (`ow·L` i32) or this task's own
            // `ow` pixels × `L` channels of row `y` (a full block).
            unsafe { kern(&args) };
            if direct.is_none() {
                finish(sc, n, y, b, &mut tile);
            }
            sc.tile = tile;
        };
        g.for_each_row(ctx, row_len, scratch, fill, row);
        Ok(())
    }
}
