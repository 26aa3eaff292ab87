//! The in-place FP32 depthwise path (depth multiplier 1, 3×3 or 5×5,
//! horizontal stride 1 or 2, no horizontal dilation): the kernels
//! ([`lowp_kernels::dwconv_direct`]) read the NHWC input where it lies and
//! skip the taps on padding themselves, so no input row is copied. Tasks
//! are (image, strip of output rows, channel block); a strip's input rows,
//! every channel, fit in half the L2, so the blocks of a strip find them
//! there. Each output is computed by the same operations whatever the
//! split, so results are bit-identical for every thread count.

use super::{DwGeo, OutPtr};
use crate::{Context, Isa};
use lowp_kernels::dwconv_direct::DwDirectF32;
use lowp_kernels::scalar::igemm_tile_store::igemm_tile_store_scalar;

/// The widest output row (one register block) the stride-1 two-row
/// kernel takes.
const PAIR_MAX_OW: usize = 7;

/// An in-place FP32 depthwise kernel.
pub(crate) type DwDirectFn = unsafe fn(&DwDirectF32);

/// The in-place kernels of one ISA level: 3×3 and 5×5, where it has them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DwDirectKernels {
    k: [Option<(DwDirectFn, &'static str)>; 2],
    /// 3×3, two output rows a block: stride 1 and stride 2.
    pairs: [Option<(DwDirectFn, &'static str)>; 2],
}

impl DwDirectKernels {
    /// The table for `isa` (an available level).
    pub(crate) fn select(isa: Isa) -> DwDirectKernels {
        #[cfg(target_arch = "x86_64")]
        {
            use lowp_kernels::x86_64::{avx2, avx512};
            let k: [(DwDirectFn, &'static str); 2] = match isa {
                Isa::Avx512 | Isa::Avx512Vnni => [
                    (
                        avx512::dwconv_f32_3x3_direct::dwconv_f32_3x3_direct_avx512,
                        "dwconv_f32_3x3_direct_avx512",
                    ),
                    (
                        avx512::dwconv_f32_5x5_direct::dwconv_f32_5x5_direct_avx512,
                        "dwconv_f32_5x5_direct_avx512",
                    ),
                ],
                Isa::Avx2 | Isa::Avx2Vnni => [
                    (
                        avx2::dwconv_f32_3x3_direct::dwconv_f32_3x3_direct_avx2,
                        "dwconv_f32_3x3_direct_avx2",
                    ),
                    (
                        avx2::dwconv_f32_5x5_direct::dwconv_f32_5x5_direct_avx2,
                        "dwconv_f32_5x5_direct_avx2",
                    ),
                ],
                Isa::Scalar => {
                    return DwDirectKernels {
                        k: [None; 2],
                        pairs: [None; 2],
                    }
                }
            };
            let pairs: [Option<(DwDirectFn, &'static str)>; 2] = match isa {
                Isa::Avx512 | Isa::Avx512Vnni => [
                    Some((
                        avx512::dwconv_f32_3x3s1_2rows::dwconv_f32_3x3s1_2rows_avx512,
                        "dwconv_f32_3x3s1_2rows_avx512",
                    )),
                    Some((
                        avx512::dwconv_f32_3x3s2_2rows::dwconv_f32_3x3s2_2rows_avx512,
                        "dwconv_f32_3x3s2_2rows_avx512",
                    )),
                ],
                _ => [None; 2],
            };
            DwDirectKernels {
                k: k.map(Some),
                pairs,
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            let _ = isa;
            DwDirectKernels {
                k: [None; 2],
                pairs: [None; 2],
            }
        }
    }

    /// The kernel for a layer, if it takes the in-place path.
    pub(crate) fn for_layer(&self, g: &DwGeo) -> Option<DwDirectFn> {
        if g.m != 1 || g.dw != 1 || !(1..=2).contains(&g.sw) {
            return None;
        }
        // Two rows a block pay at stride 2 (5 input rows for 2 output rows,
        // not 6) and at stride 1 on rows of one block (7×7: the per-row
        // costs shared); on wider stride-1 rows they measured slower.
        if (g.r, g.s, g.dh) == (3, 3, 1) && g.sh == g.sw && (g.sw == 2 || g.ow <= PAIR_MAX_OW) {
            if let Some(k) = self.pairs[g.sw - 1] {
                return Some(k.0);
            }
        }
        let k = match (g.r, g.s) {
            (3, 3) => self.k[0],
            (5, 5) => self.k[1],
            _ => None,
        };
        k.map(|k| k.0)
    }

    /// `(op, kernel name)` pairs for `lowp info`.
    pub(crate) fn names(&self) -> Vec<(&'static str, &'static str)> {
        let ops = [
            "dwconv_f32_3x3_direct",
            "dwconv_f32_5x5_direct",
            "dwconv_f32_3x3s1_2rows",
            "dwconv_f32_3x3s2_2rows",
        ];
        ops.iter()
            .zip(self.k.iter().chain(&self.pairs))
            .filter_map(|(o, k)| k.map(|k| (*o, k.1)))
            .collect()
    }
}

/// A run's operands: packed weights and biases (`[block][r][s][L]`, `[block][L]`)
/// and the clamp.
pub(crate) struct DirectRun<'a> {
    pub kern: DwDirectFn,
    pub weights: &'a [f32],
    pub bias: &'a [f32],
    pub clamp: Option<(f32, f32)>,
}

impl DwGeo {
    /// The blocking `(strip, group)`: output rows per strip (one kernel
    /// call, the weights in registers all along), as many as keep the
    /// strip's input rows (every channel) within half the L2, so each of
    /// its blocks finds them there; and channel blocks per task. Strips,
    /// then groups, are halved until there are at least four tasks per
    /// thread.
    fn direct_blocking(&self, ctx: &Context) -> (usize, usize) {
        let row_bytes = (self.iw * self.c * std::mem::size_of::<f32>()).max(1);
        let rows = ctx.cache_sizes().l2 / 2 / row_bytes;
        let mut sr = (rows.saturating_sub(self.r * self.dh) / self.sh).clamp(1, self.oh.max(1));
        let mut group = self.blocks;
        let threads = ctx.num_threads();
        while threads > 1 && self.n * self.oh.div_ceil(sr) * self.blocks.div_ceil(group) < 4 * threads {
            if sr > 1 {
                sr = sr.div_ceil(2);
            } else if group > 1 {
                group = group.div_ceil(2);
            } else {
                break;
            }
        }
        (sr, group)
    }

    /// `output = clamp(conv(input) + bias)` through the in-place kernel.
    pub(crate) fn run_direct(&self, ctx: &Context, d: &DirectRun<'_>, input: &[f32], output: &mut [f32]) {
        let (sr, group) = self.direct_blocking(ctx);
        let (strips, groups) = (self.oh.div_ceil(sr), self.blocks.div_ceil(group));
        // (Stride 2 reads four times the input it writes: measured apart.)
        let stream = self.sh == 1 && self.sw == 1 && Self::worth_streaming(ctx, input, output, self.k);
        let out = OutPtr(output.as_mut_ptr());
        ctx.run_parallel(self.n * strips * groups, |t| {
            let (n, blocks, (y0, y1)) = self.task(t, (strips, sr), (groups, group));
            // The full blocks in one call, a partial last one apart.
            let full = self.k / self.lanes;
            if blocks.start < full.min(blocks.end) {
                self.direct_call(
                    d,
                    input,
                    out,
                    n,
                    blocks.start..full.min(blocks.end),
                    (y0, y1),
                    stream,
                );
            }
            if blocks.end > full {
                self.direct_call(d, input, out, n, full..full + 1, (y0, y1), false);
            }
            #[cfg(target_arch = "x86_64")]
            if stream {
                lowp_kernels::x86_64::stream::store_fence();
            }
        });
    }

    /// Whether the output is worth streaming stores: with the input it
    /// outgrows the L2 of the threads (so its lines would go to L3 and come
    /// back for the next write: the input, read three times, is what should
    /// stay), and every output pixel's channel blocks start on a 64-byte
    /// boundary (`K` a multiple of 16 floats, the output line aligned).
    fn worth_streaming(ctx: &Context, input: &[f32], output: &[f32], k: usize) -> bool {
        cfg!(target_arch = "x86_64")
            && (output.as_ptr() as usize).is_multiple_of(64)
            && k.is_multiple_of(16)
            && (input.len() + output.len()) * std::mem::size_of::<f32>()
                >= ctx.cache_sizes().l2 * ctx.num_threads()
    }

    /// Task `t` of `strips` strips of `sr` rows × `groups` groups of
    /// `group` blocks per image: its image, blocks and rows `y0..y1`.
    pub(super) fn task(
        &self,
        t: usize,
        (strips, sr): (usize, usize),
        (groups, group): (usize, usize),
    ) -> (usize, std::ops::Range<usize>, (usize, usize)) {
        let gi = t % groups;
        let st = (t / groups) % strips;
        let blocks = gi * group..self.blocks.min(gi * group + group);
        (
            t / (groups * strips),
            blocks,
            (st * sr, self.oh.min(st * sr + sr)),
        )
    }

    /// Output rows `y0..y1` of image `n`, channel blocks `bs`: full ones
    /// (streamed out when `stream`), or the partial last one alone.
    #[allow(clippy::too_many_arguments)]
    fn direct_call(
        &self,
        d: &DirectRun<'_>,
        input: &[f32],
        out: OutPtr<f32>,
        n: usize,
        bs: std::ops::Range<usize>,
        (y0, y1): (usize, usize),
        stream: bool,
    ) {
        let b = bs.start;
        let (l, taps) = (self.lanes, self.r * self.s);
        let (lo, hi) = d.clamp.unwrap_or((f32::NEG_INFINITY, f32::INFINITY));
        let plane = self.ih * self.iw * self.c;
        let (k0, valid) = self.block(b);
        let image = &input[n * plane..][..plane];
        let dst = out.at(self.out_at(n, y0, k0));
        let mut a = DwDirectF32 {
            input: image[k0..].as_ptr(),
            ih: self.ih,
            iw: self.iw,
            in_stride: self.c,
            weights: d.weights[b * taps * l..].as_ptr(),
            bias: d.bias[b * l..].as_ptr(),
            blocks: bs.len(),
            clamp: d.clamp.is_some(),
            lo,
            hi,
            out: dst,
            out_stride: self.k,
            out_row: self.ow * self.k,
            stream,
            ow: self.ow,
            y0,
            rows: y1 - y0,
            sh: self.sh,
            sw: self.sw,
            dh: self.dh,
            pt: self.pt,
            pl: self.pl,
        };
        if valid == l {
            // SAFETY: the kernel belongs to the Context's (available) level and takes this
            // layer's size and stride; full blocks (`k0 + blocks·L ≤ C = K`) of every input
            // pixel and of the output rows `y0..y1`, the caller's task's own, lie inside the
            // buffers, and as many weight and bias blocks.
            unsafe { (d.kern)(&a) };
            return;
        }
        // The partial last block: the input rows the call reads copied to
        // `L` lanes a pixel (zeros past `C`), the outputs to a tile.
        let (h0, h1) = self.direct_rows(y0, y1);
        let mut lanes = vec![0.0f32; (h1 - h0) * self.iw * l];
        let rows = image[h0 * self.iw * self.c..h1 * self.iw * self.c].chunks_exact(self.c);
        for (px, s) in lanes.chunks_exact_mut(l).zip(rows) {
            px[..valid].copy_from_slice(&s[k0..k0 + valid]);
        }
        let mut tile = vec![0.0f32; (y1 - y0) * self.ow * l];
        a.input = lanes.as_ptr().wrapping_sub(h0 * self.iw * l);
        a.in_stride = l;
        (a.out, a.out_stride, a.out_row, a.stream) = (tile.as_mut_ptr(), l, self.ow * l, false);
        // SAFETY: as above, the input rows `h0..h1` (all the call reads) and the output
        // rows in buffers of `L` lanes a pixel.
        unsafe { (d.kern)(&a) };
        // SAFETY: rows `y0..y1` × channels `k0..k0 + valid` are inside the
        // output and the caller's task's alone; the tile holds them, `L` apart.
        unsafe { igemm_tile_store_scalar((y1 - y0) * self.ow, valid, &tile, l, dst, self.k, 1, None) };
    }

    /// The input rows `h0..h1` that output rows `y0..y1` read.
    fn direct_rows(&self, y0: usize, y1: usize) -> (usize, usize) {
        let h0 = (y0 * self.sh).saturating_sub(self.pt).min(self.ih);
        let h1 = ((y1 - 1) * self.sh + (self.r - 1) * self.dh + 1).saturating_sub(self.pt);
        (h0, h1.clamp(h0, self.ih))
    }
}
