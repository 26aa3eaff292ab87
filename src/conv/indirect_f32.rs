//! The FP32 plan of [`ConvAlgorithm::IndirectKernel`]: the level's indirect
//! kernel reads each output pixel's taps straight from the input through
//! the indirection buffer (no packed A) and skips padding taps; weights are
//! packed once in 64-column panels, `[tap][channel][column]`.
//!
//! Work: tiles of up to `MR` output pixels (cut at output rows where rows
//! hold at least `MR` pixels, so a tap's padding pixels lead or trail a
//! tile), per group and panel, K split into blocks whose weights stay in
//! cache while a chunk of tiles runs over them; each output element is
//! summed by one task in a fixed order, so results do not depend on the
//! thread count.
//!
//! [`ConvAlgorithm::IndirectKernel`]: super::ConvAlgorithm::IndirectKernel

use super::layer::Layer;
use super::rows_int8::PAD;
use crate::Context;
use lowp_kernels::sconv_ukernel::{SconvStrip, SconvTile, SconvUkernelInfo};
use std::borrow::Cow;

/// K (taps × channels) per block: a block of weights is `KB·NR` floats,
/// read by every tile of a chunk.
const KB: usize = 1024;
/// Tiles per task at most: their outputs stay in L2 across the K blocks.
const CHUNK: usize = 32;

/// A layer's plan on the indirect kernel.
#[derive(Debug)]
pub(crate) struct IndirectF32 {
    kern: &'static SconvUkernelInfo,
    /// Per group and panel, `taps·cg·nr` floats (columns past `kg` zero).
    weights: Vec<f32>,
    panels: usize,
    /// The layer's indirection buffer, or (1×1 layers without one) each
    /// pixel's offset.
    offsets: Option<Vec<usize>>,
    /// `(first pixel, pixels)` of each tile.
    tiles: Vec<(usize, usize)>,
    /// `(first tap, taps, first channel, channels)` of each K block.
    blocks: Vec<(usize, usize, usize, usize)>,
    zero: Vec<f32>,
}

/// The output, written by disjoint tiles from several threads.
struct Out(*mut f32);
// SAFETY: each task writes only its own tiles (see `IndirectF32::run`).
unsafe impl Sync for Out {}
// SAFETY: as above.
unsafe impl Send for Out {}

impl IndirectF32 {
    /// Whether [`IndirectF32::new`] plans `layer` on this level: the level
    /// has the kernel and the layer's groups fill its panels well enough.
    pub(crate) fn takes(ctx: &Context, layer: &Layer) -> bool {
        Self::kernel(ctx, layer).is_some()
    }

    /// The level's kernel for `layer`, where the layer's groups fill its
    /// 64-column panels well enough: the tall one where output rows hold a
    /// full tall tile (its narrower panels waste no more columns), else the
    /// other.
    fn kernel(ctx: &Context, layer: &Layer) -> Option<&'static SconvUkernelInfo> {
        let conv = &ctx.kernels().conv;
        let kern = conv.f32_indirect?;
        let (cg, kg, nr) = (layer.cg, layer.kg, kern.nr);
        if !(cg > 0 && kg > 0 && kg.next_multiple_of(nr) * 4 <= kg * 5) {
            return None;
        }
        Some(match conv.f32_indirect_tall {
            Some(tall) if layer.geo.output[2] >= tall.mr && nr.is_multiple_of(tall.nr) => tall,
            _ => kern,
        })
    }

    /// The plan, when the level has the kernel and the layer's groups fill
    /// its panels well enough (`kg` columns padded to whole panels waste
    /// at most a fifth); `ohwi` the layer's weights.
    pub(crate) fn new(ctx: &Context, layer: &Layer, ohwi: &[f32]) -> Option<IndirectF32> {
        let kern = Self::kernel(ctx, layer)?;
        let (mr, nr) = (kern.mr, kern.nr);
        let (taps, cg, kg) = (layer.taps, layer.cg, layer.kg);
        let panels = kg.div_ceil(nr);
        let depth = taps * cg;
        let mut weights = vec![0.0f32; layer.geo.groups * panels * depth * nr];
        for (q, panel) in weights.chunks_exact_mut(depth * nr).enumerate() {
            let (g, p) = (q / panels, q % panels);
            for j in 0..nr.min(kg - p * nr) {
                let w = &ohwi[(g * kg + p * nr + j) * depth..][..depth];
                for (x, &v) in w.iter().enumerate() {
                    panel[x * nr + j] = v;
                }
            }
        }
        let offsets = layer
            .offsets
            .is_empty()
            .then(|| (0..layer.m).map(|i| i * layer.geo.c).collect());
        let ow = layer.geo.output[2];
        let row = if ow >= mr { ow } else { layer.m };
        let tiles = (0..layer.m)
            .step_by(row)
            .flat_map(|r0| (r0..r0 + row).step_by(mr).map(move |i| (i, mr.min(r0 + row - i))))
            .collect();
        let blocks = if cg >= KB {
            let kc = cg.div_ceil(cg.div_ceil(KB));
            (0..taps)
                .flat_map(|t| (0..cg).step_by(kc).map(move |c| (t, 1, c, kc.min(cg - c))))
                .collect()
        } else {
            // Whole taps a block, as many in each.
            let per = taps.div_ceil(taps.div_ceil(KB / cg));
            (0..taps)
                .step_by(per)
                .map(|t| (t, per.min(taps - t), 0, cg))
                .collect()
        };
        Some(IndirectF32 {
            kern,
            weights,
            panels,
            offsets,
            tiles,
            blocks,
            zero: vec![0.0; cg],
        })
    }

    /// `output = clamp(conv(input) + bias)` (buffers checked by the caller).
    pub(crate) fn run(
        &self,
        ctx: &Context,
        layer: &Layer,
        input: &[f32],
        bias: Option<&[f32]>,
        clamp: Option<(f32, f32)>,
        output: &mut [f32],
    ) {
        let offsets: Cow<'_, [usize]> = match &self.offsets {
            Some(o) => Cow::Borrowed(o),
            None => Cow::Borrowed(&layer.offsets),
        };
        let (taps, cg, kg, k, nr) = (layer.taps, layer.cg, layer.kg, layer.geo.k, self.kern.nr);
        assert_eq!(offsets.len(), layer.m * taps);
        assert!(offsets
            .iter()
            .all(|&o| o == PAD || o + layer.geo.c <= input.len()));
        assert_eq!(output.len(), layer.m * k);
        // Chunks of (nearly) equal size, so threads finish together.
        let chunks = self.tiles.len().div_ceil(CHUNK);
        let chunk = self.tiles.len().div_ceil(chunks);
        let groups = layer.geo.groups;
        // Panels split across tasks only as far as the threads need it (the
        // sums do not depend on the split).
        let splits = self
            .panels
            .min((2 * ctx.num_threads()).div_ceil(groups * chunks))
            .max(1);
        let per = self.panels.div_ceil(splits);
        let out = Out(output.as_mut_ptr());
        let flops = 2.0 * (layer.m * k * taps * cg) as f64;
        let depth = taps * cg;
        // An output written once (one K block) that, with the weights,
        // outgrows the threads' L2 streams past the cache.
        let big = (output.len() + self.weights.len()) * 4 >= ctx.cache_sizes().l2 * ctx.num_threads();
        let stream = self.blocks.len() == 1 && big;
        ctx.run_parallel_sized(groups * chunks * splits, flops / 100e9, |task| {
            let out = &out;
            let (sp, ch, g) = (task % splits, task / splits % chunks, task / splits / chunks);
            let pans = sp * per..((sp + 1) * per).min(self.panels);
            let tiles = &self.tiles[ch * chunk..((ch + 1) * chunk).min(self.tiles.len())];
            for (bi, &(t0, nt, c0, kc)) in self.blocks.iter().enumerate() {
                // Runs of consecutive tiles of equal height, one strip call
                // each over the task's panels.
                let mut s = 0;
                while s < tiles.len() {
                    let (i0, rows) = tiles[s];
                    let run = tiles[s..]
                        .iter()
                        .enumerate()
                        .take_while(|&(u, &(i, r))| r == rows && i == i0 + u * rows)
                        .count();
                    let (p0, last) = (pans.start, pans.end - 1);
                    let (col, end) = (g * kg + p0 * nr, g * kg + (pans.end * nr).min(kg));
                    let b = &self.weights[(g * self.panels + p0) * depth * nr + (t0 * cg + c0) * nr..];
                    let tile = SconvTile {
                        offsets: offsets[i0 * taps + t0..].as_ptr(),
                        ld: taps,
                        taps: nt,
                        kc,
                        base: input[g * cg + c0..].as_ptr(),
                        zero: self.zero.as_ptr(),
                        b: b.as_ptr(),
                        c: out.0.wrapping_add(i0 * k + col),
                        ldc: k,
                        n: nr.min(kg - last * nr),
                        first: bi == 0,
                        bias: bias.map_or(std::ptr::null(), |b| b[col..end].as_ptr()),
                        last: bi + 1 == self.blocks.len(),
                        clamp,
                    };
                    let strip = SconvStrip {
                        tiles: run,
                        panels: pans.len(),
                        b_step: depth * nr,
                        stream,
                    };
                    // SAFETY: the level's kernel (an available ISA); the run's tiles: consecutive in 0..m, `rows` ≤ mr
                    // rows (offsets exist); input runs (checked above) and `zero` hold kc ≤ cg floats; panels p0..=last
                    // of group g in the weights, b_step apart, bias and output columns col..end: this task's alone.
                    unsafe { (self.kern.strip)(rows, &tile, &strip) };
                    s += run;
                }
            }
            #[cfg(target_arch = "x86_64")]
            if stream {
                lowp_kernels::x86_64::stream::store_fence();
            }
        });
    }
}
