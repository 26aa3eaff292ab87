//! Depthwise convolution (`groups = C`, depth multiplier `m = K/C ≥ 1`),
//! 2-D NHWC: [`ConvAlgorithm::Depthwise`](super::ConvAlgorithm).
//!
//! Work goes in tasks of (image, strip of output rows, block of `L` output
//! channels), `L` the level's vector width. A task lays out the input rows
//! its strip reads as padded rows of `L`-lane pixels ([`rows`]): zeros (or,
//! for INT8, values already less their zero point, so 0) where the layer
//! pads, output channel `k` reading input channel `k / m`. The row kernels
//! ([`kernels`]) then see no border: one loop for every padding, stride and
//! dilation. Each output is computed by the same operations in the same
//! order whatever the task split, so results are bit-identical for every
//! thread count. Most FP32 layers skip the layout: [`direct`] reads the
//! input in place.

mod direct;
mod f32;
mod int8;
mod int8_patch;
mod int8_stack;
mod kernels;
mod rows;

pub(crate) use self::f32::DwF32;
pub(crate) use int8::DwI8;
pub use kernels::DwConvKernels;

use super::params::ConvGeometry;
use crate::gemm::buffers;
use crate::Context;

/// A depthwise layer's sizes, 2-D, and its blocking.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DwGeo {
    pub n: usize,
    pub ih: usize,
    pub iw: usize,
    pub c: usize,
    pub k: usize,
    /// Depth multiplier `K/C`.
    pub m: usize,
    pub r: usize,
    pub s: usize,
    pub sh: usize,
    pub sw: usize,
    pub pt: usize,
    pub pl: usize,
    pub dh: usize,
    pub dw: usize,
    pub oh: usize,
    pub ow: usize,
    /// Channels per block.
    pub lanes: usize,
    /// Blocks of output channels: `⌈K/L⌉`.
    pub blocks: usize,
}

impl DwGeo {
    /// Whether a layer is depthwise and 2-D (a 3-D one with one input
    /// plane, one kernel plane and one output plane counts).
    pub(crate) fn applies(g: &ConvGeometry) -> bool {
        g.groups > 1
            && g.groups == g.c
            && g.input[0] == 1
            && g.kernel[0] == 1
            && g.pad_lo[0] == 0
            && g.output[0] == 1
    }

    pub(crate) fn new(g: &ConvGeometry, lanes: usize) -> DwGeo {
        DwGeo {
            n: g.n,
            ih: g.input[1],
            iw: g.input[2],
            c: g.c,
            k: g.k,
            m: g.k / g.c.max(1),
            r: g.kernel[1],
            s: g.kernel[2],
            sh: g.stride[1],
            sw: g.stride[2],
            pt: g.pad_lo[1],
            pl: g.pad_lo[2],
            dh: g.dilation[1],
            dw: g.dilation[2],
            oh: g.output[1],
            ow: g.output[2],
            lanes,
            blocks: g.k.div_ceil(lanes),
        }
    }

    /// Output channels `k0..k0 + valid` of block `b`.
    pub(crate) fn block(&self, b: usize) -> (usize, usize) {
        let k0 = b * self.lanes;
        (k0, self.lanes.min(self.k - k0))
    }

    /// Padded input rows one output row reads, first to last: the ring of
    /// rows a task keeps per channel block.
    fn ring(&self) -> usize {
        (self.r - 1) * self.dh + 1
    }

    /// Channel blocks per task (their rings, `ring_bytes` each, within a
    /// quarter of the L2), and output rows per strip: all, halved until
    /// there are at least four tasks per thread (or one row per strip)
    /// when there are several threads.
    fn blocking(&self, ctx: &Context, ring_bytes: usize) -> (usize, usize) {
        let group = (ctx.cache_sizes().l2 / 4 / ring_bytes.max(1)).clamp(1, self.blocks);
        let groups = self.blocks.div_ceil(group);
        let mut sr = self.oh.max(1);
        let threads = ctx.num_threads();
        while threads > 1 && sr > 1 && self.n * self.oh.div_ceil(sr) * groups < 4 * threads {
            sr = sr.div_ceil(2);
        }
        (group, sr)
    }

    /// Runs `row(n, y, b, rows)` for every image `n`, output row `y` and
    /// channel block `b`, in parallel tasks (a strip of rows × a group of
    /// blocks; within a task, all its blocks of one row, then the next
    /// row, so the blocks of a pixel meet in cache). `rows` are the kernel
    /// rows' padded input rows (`row_len` elements each), which
    /// `fill(n, ih, b, dst)` lays out once per task into a ring per block
    /// (`ih = None`: a padding row). Both get the task's scratch, made by
    /// `scratch()` once per task.
    pub(crate) fn for_each_row<T, S, M, F, R>(
        &self,
        ctx: &Context,
        row_len: usize,
        scratch: M,
        fill: F,
        row: R,
    ) where
        T: crate::buffer::Zeroed + Copy + 'static,
        M: Fn() -> S + Sync,
        F: Fn(&mut S, usize, Option<usize>, usize, &mut [T]) + Sync,
        R: Fn(&mut S, usize, usize, usize, &[*const T]) + Sync,
    {
        let ring = self.ring();
        let (group, sr) = self.blocking(ctx, ring * row_len * std::mem::size_of::<T>());
        let groups = self.blocks.div_ceil(group);
        let strips = self.oh.div_ceil(sr);
        ctx.run_parallel(self.n * strips * groups, |t| {
            let (n, blocks, (y0, y1)) = self.task(t, (strips, sr), (groups, group));
            let mut buf = buffers::take::<T>(buffers::SLOT_A, blocks.len() * ring * row_len);
            let mut ptrs = vec![std::ptr::null(); self.r];
            let mut sc = scratch();
            // Rows are counted in padded coordinates (input row + pt).
            let mut next = y0 * self.sh;
            let slot = |b: usize, idx: usize| ((b - blocks.start) * ring + idx % ring) * row_len;
            for y in y0..y1 {
                let first = y * self.sh;
                next = next.max(first);
                while next < first + ring {
                    let ih = next.checked_sub(self.pt).filter(|&h| h < self.ih);
                    for b in blocks.clone() {
                        let at = slot(b, next);
                        fill(&mut sc, n, ih, b, &mut buf[at..at + row_len]);
                    }
                    next += 1;
                }
                for b in blocks.clone() {
                    for (i, p) in ptrs.iter_mut().enumerate() {
                        *p = buf[slot(b, first + i * self.dh)..].as_ptr();
                    }
                    row(&mut sc, n, y, b, &ptrs);
                }
            }
        });
    }

    /// The element offset of output pixel `(n, y, 0)`, channel `k0`.
    pub(crate) fn out_at(&self, n: usize, y: usize, k0: usize) -> usize {
        (n * self.oh + y) * self.ow * self.k + k0
    }
}

/// An output buffer the tasks share: each writes only its own rows ×
/// channel block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OutPtr<T>(pub *mut T);
// SAFETY: the tasks of one run write disjoint (image, rows, channel block)
// regions of one exclusively borrowed output (see `DwGeo::for_each_row`).
unsafe impl<T: Send> Send for OutPtr<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for OutPtr<T> {}

impl<T> OutPtr<T> {
    /// The address of element `i` (computed, not dereferenced).
    pub(crate) fn at(&self, i: usize) -> *mut T {
        self.0.wrapping_add(i)
    }
}
