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
//! thread count.

mod f32;
mod int8;
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

    /// Output rows per strip: the strip's padded input rows (`row_bytes`
    /// each) within half the L2, then halved until there are at least
    /// four tasks per thread (or one row per strip).
    fn strip_rows(&self, ctx: &Context, row_bytes: usize) -> usize {
        let budget = ctx.cache_sizes().l2 / 2;
        let mut sr = self.oh.max(1);
        while sr > 1 && ((sr - 1) * self.sh + (self.r - 1) * self.dh + 1) * row_bytes > budget {
            sr = sr.div_ceil(2);
        }
        let tasks = |sr: usize| self.n * self.oh.div_ceil(sr) * self.blocks;
        while sr > 1 && tasks(sr) < 4 * ctx.num_threads() {
            sr = sr.div_ceil(2);
        }
        sr
    }

    /// Runs `row(n, y, b, rows)` for every image `n`, output row `y` and
    /// channel block `b`, in parallel tasks of strips of rows; `rows` are
    /// the kernel rows' padded input rows (`row_len` elements each), which
    /// `fill(n, ih, b, dst)` lays out once per task (`ih = None`: a padding
    /// row).
    pub(crate) fn for_each_row<T, F, R>(&self, ctx: &Context, row_len: usize, fill: F, row: R)
    where
        T: crate::buffer::Zeroed + Copy + 'static,
        F: Fn(usize, Option<usize>, usize, &mut [T]) + Sync,
        R: Fn(usize, usize, usize, &[*const T]) + Sync,
    {
        let sr = self.strip_rows(ctx, row_len * std::mem::size_of::<T>());
        let strips = self.oh.div_ceil(sr);
        ctx.run_parallel(self.n * strips * self.blocks, |t| {
            let b = t % self.blocks;
            let st = (t / self.blocks) % strips;
            let n = t / (self.blocks * strips);
            let (y0, y1) = (st * sr, self.oh.min(st * sr + sr));
            let span = (y1 - 1 - y0) * self.sh + (self.r - 1) * self.dh + 1;
            let mut buf = buffers::take::<T>(buffers::SLOT_A, span * row_len);
            let mut ptrs = vec![std::ptr::null(); self.r];
            let mut filled = 0;
            for y in y0..y1 {
                let first = (y - y0) * self.sh;
                let need = first + (self.r - 1) * self.dh + 1;
                while filled < need {
                    // Input row of the strip's row `filled`, if inside.
                    let ih = (y0 * self.sh + filled)
                        .checked_sub(self.pt)
                        .filter(|&h| h < self.ih);
                    fill(n, ih, b, &mut buf[filled * row_len..(filled + 1) * row_len]);
                    filled += 1;
                }
                for (i, p) in ptrs.iter_mut().enumerate() {
                    *p = buf[(first + i * self.dh) * row_len..].as_ptr();
                }
                row(n, y, b, &ptrs);
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
