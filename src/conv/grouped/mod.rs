//! Grouped convolution with few channels per group (ResNeXt's 32 groups of
//! 4): the per-group GEMMs are too narrow for the GEMM tiles, so this runs
//! 16 output channels at once, each vector lane an output channel that
//! reads its own group's inputs.
//!
//! Per task (a batch item, a strip of output rows, a block of 16 output
//! channels) the input rows the strip reads are *expanded* once: for each
//! input pixel and step (4 input channels for INT8, one for f32) a
//! 16-lane vector whose lane `l` holds what output channel `l`'s group
//! reads, padding pixels the zero point (0 for f32). The kernel then does
//! one `vpdpbusd` (or FMA) per tap and step for 16 channels × a run of
//! output pixels, every lane useful; an expanded pixel serves all its taps.
//! The INT8 weights (`w − zb`, so they must fit s8) start from
//! `−za·Σw (+ bias)`, and the tile goes through igemm's pipelines.

mod f32;
mod int8;
mod table;

pub(crate) use f32::GroupedF32;
pub(crate) use int8::GroupedI8;
pub use table::ConvKernels;

use super::params::ConvGeometry;
use crate::gemm::buffers;
use crate::Context;
use lowp_kernels::scalar::igemm_tile_store::igemm_tile_store_scalar;
use table::Lanes;

/// Output rows per task: the strip's expanded input rows stay in L2.
const STRIP: usize = 8;

/// Whether a layer takes the grouped kernels: `1 < groups < C`, at most 16
/// channels per group in and out (wider groups fill the GEMM tiles), input
/// channels per group a multiple of 4 (one `vpdpbusd` dword), and a 2-D
/// layer (a 3-D one with a 1-deep kernel, stride and no depth padding).
pub(crate) fn fits(g: &ConvGeometry) -> bool {
    let (cg, kg) = (g.c / g.groups.max(1), g.k / g.groups.max(1));
    g.groups > 1
        && cg >= 4
        && cg <= 16
        && cg.is_multiple_of(4)
        && (1..=16).contains(&kg)
        && g.kernel[0] == 1
        && g.stride[0] == 1
        && g.pad_lo[0] == 0
        && g.output[0] == g.input[0]
}

/// A grouped layer's layout for the kernels, in 32-bit elements (4 input
/// bytes, or one float).
#[derive(Debug)]
pub(crate) struct Shape {
    /// 2-D images: `N·D`.
    batch: usize,
    ih: usize,
    iw: usize,
    k: usize,
    cg: usize,
    r: usize,
    s: usize,
    stride: [usize; 2],
    dilation: [usize; 2],
    pad: [usize; 2],
    oh: usize,
    ow: usize,
    /// Input channels.
    c: usize,
    /// Elements of a group's channels at one tap: a step each.
    q: usize,
    /// Blocks of 16 output channels.
    blocks: usize,
    /// Per block, its `q` entries.
    lanes: Vec<Lanes>,
    /// Columns of an expanded row (the padded input columns read).
    wp: usize,
    /// Per step `(r, s, q)`, its byte offset in a block's expanded rows.
    offs: Vec<usize>,
}

impl Shape {
    /// The layout of a layer that [`fits`], with input elements of `bytes`
    /// bytes (1: INT8, 4: f32).
    pub(crate) fn new(g: &ConvGeometry, bytes: usize) -> Shape {
        let (cg, kg) = (g.c / g.groups, g.k / g.groups);
        let per = 4 / bytes;
        let (elems, q) = (g.c / per, cg / per);
        let blocks = g.k.div_ceil(16);
        let lanes = (0..blocks * q)
            .map(|e| lanes(e / q, e % q, g.k, kg, q, elems))
            .collect();
        let [r, s] = [g.kernel[1], g.kernel[2]];
        let wp = (g.output[2].max(1) - 1) * g.stride[2] + (s - 1) * g.dilation[2] + 1;
        let row = wp * q * 64;
        let offs = (0..r * s * q)
            .map(|st| {
                let (tap, e) = (st / q, st % q);
                (tap / s) * g.dilation[1] * row + ((tap % s) * g.dilation[2] * q + e) * 64
            })
            .collect();
        Shape {
            batch: g.n * g.input[0],
            ih: g.input[1],
            iw: g.input[2],
            k: g.k,
            cg,
            r,
            s,
            stride: [g.stride[1], g.stride[2]],
            dilation: [g.dilation[1], g.dilation[2]],
            pad: [g.pad_lo[1], g.pad_lo[2]],
            oh: g.output[1],
            ow: g.output[2],
            c: g.c,
            q,
            blocks,
            lanes,
            wp,
            offs,
        }
    }

    /// The weights as the kernels read them: per block, step `(r, s, q)`
    /// and lane `l`, the `per` values `get(k, tap, c)` of output channel
    /// `k = 16·block + l` and its group's channels `c = q·per ..` (0 past `K`).
    pub(crate) fn pack_weights<T: Copy + Default>(
        &self,
        per: usize,
        get: impl Fn(usize, usize, usize) -> T,
    ) -> Vec<T> {
        let mut v = Vec::with_capacity(self.blocks * self.offs.len() * 16 * per);
        for b in 0..self.blocks {
            for st in 0..self.offs.len() {
                let (tap, e) = (st / self.q, st % self.q);
                for l in 0..16 {
                    let k = 16 * b + l;
                    v.extend((0..per).map(|t| match k < self.k {
                        true => get(k, tap, e * per + t),
                        false => T::default(),
                    }));
                }
            }
        }
        v
    }

    /// Runs the layer: `input` the NHWC input (bytes or floats), `pad` a
    /// padding element, `xor` what the expansion XORs into each element;
    /// `row(src, pixel, b)` computes one output row's block `b` (output
    /// channels `16·b ..`) from `src`, the expanded rows from the row's
    /// first tap on (see [`Shape::check_row`]), its first output pixel
    /// being `pixel`.
    pub(crate) fn run<E: Sync>(
        &self,
        ctx: &Context,
        input: &[E],
        pad: u32,
        xor: u32,
        row: impl Fn(&[u32], usize, usize) + Sync,
    ) {
        let strips = self.oh.div_ceil(STRIP);
        assert!(input.len() >= self.batch * self.ih * self.iw * self.c);
        ctx.run_parallel(self.batch * strips * self.blocks, |t| {
            let (b, strip, n) = (
                t % self.blocks,
                t / self.blocks % strips,
                t / self.blocks / strips,
            );
            let y0 = strip * STRIP;
            let y1 = (y0 + STRIP).min(self.oh);
            let buf = self.expand(ctx, input, pad, xor, n, y0, y1, b);
            for y in y0..y1 {
                let src = &buf[(y - y0) * self.stride[0] * self.wp * self.q * 16..];
                row(src, (n * self.oh + y) * self.ow, b);
            }
        });
    }

    /// Asserts that `src` holds every step's vector of an output row's
    /// `OW` pixels (at `offs[s] + x·ps` bytes), so a kernel may read them.
    pub(crate) fn check_row(&self, src: &[u32]) {
        let last = self.offs.last().map_or(0, |o| o + 64) + self.ow.saturating_sub(1) * self.ps();
        assert!(self.ow == 0 || src.len() * 4 >= last, "expanded rows too short");
    }

    /// Bytes between consecutive output pixels' vectors in expanded rows.
    pub(crate) fn ps(&self) -> usize {
        self.stride[1] * self.q * 64
    }

    /// Block `b`'s weights (`steps × 64` bytes of `T`) in `w`, as
    /// [`Shape::pack_weights`] packed them.
    pub(crate) fn block<'w, T>(&self, w: &'w [T], b: usize) -> &'w [T] {
        let per = self.offs.len() * 64 / size_of::<T>();
        &w[b * per..(b + 1) * per]
    }

    /// Block `b`'s expanded input rows of output rows `y0..y1` of image `n`.
    #[allow(clippy::too_many_arguments)]
    fn expand<E>(
        &self,
        ctx: &Context,
        input: &[E],
        pad: u32,
        xor: u32,
        n: usize,
        y0: usize,
        y1: usize,
        b: usize,
    ) -> buffers::Buf<u32> {
        let (q, px) = (self.q, self.q * 16);
        let rows = (y1 - y0 - 1) * self.stride[0] + (self.r - 1) * self.dilation[0] + 1;
        let mut buf = buffers::take::<u32>(buffers::SLOT_A, rows * self.wp * px);
        let lanes = &self.lanes[b * q..(b + 1) * q];
        let f = ctx.kernels().conv.expand.map(|k| k.f);
        let pixel = self.c;
        for (j, dst) in buf.chunks_exact_mut(self.wp * px).enumerate() {
            let iy = (y0 * self.stride[0] + j)
                .checked_sub(self.pad[0])
                .filter(|&y| y < self.ih);
            // Columns pl .. pl + iw of the row hold input pixels, the rest padding.
            let (c0, c1) = match iy {
                Some(_) => (self.pad[1].min(self.wp), (self.pad[1] + self.iw).min(self.wp)),
                None => (self.wp, self.wp),
            };
            dst[..c0 * px].fill(pad);
            dst[c1.max(c0) * px..].fill(pad);
            if let (Some(iy), Some(f), true) = (iy, f, c1 > c0) {
                let at = ((n * self.ih + iy) * self.iw) * pixel;
                let src = &input[at..at + (c1 - c0) * pixel];
                let out = &mut dst[c0 * px..c1 * px];
                // SAFETY: the level's expansion (an available ISA); `src` holds the c1 − c0 input pixels
                // (sliced), whose elements the lanes address (built for `elems` per pixel), `out` 64 bytes
                // per entry and pixel.
                let ss = pixel * size_of::<E>();
                unsafe {
                    f(
                        src.as_ptr().cast(),
                        ss,
                        c1 - c0,
                        lanes,
                        xor,
                        out.as_mut_ptr().cast(),
                        q * 64,
                    )
                };
            }
        }
        buf
    }
}

/// Entry `(b, e)`: lane `l` reads element `e` of output channel `16b + l`'s
/// group (`q` elements a group, `elems` a pixel).
fn lanes(b: usize, e: usize, k: usize, kg: usize, q: usize, elems: usize) -> Lanes {
    let el: Vec<Option<usize>> = (0..16)
        .map(|l| (16 * b + l < k).then(|| (16 * b + l) / kg * q + e))
        .collect();
    let base = el.iter().flatten().copied().min().unwrap_or(0);
    let top = el.iter().flatten().copied().max().unwrap_or(0);
    let keep = el
        .iter()
        .enumerate()
        .fold(0u16, |m, (l, x)| m | (x.is_some() as u16) << l);
    let load = (0..16).fold(0u16, |m, x| m | ((base + x < elems) as u16) << x);
    Lanes {
        base: base * 4,
        load,
        keep,
        idx: std::array::from_fn(|l| el[l].map_or(0, |x| (x - base) as i32)),
        gather: top - base >= 16,
    }
}

/// Where the tasks write: the output's pointer, each task storing only its
/// own rows × block of channels through the tile-store kernel.
pub(crate) struct OutRows<T> {
    ptr: *mut T,
    len: usize,
    k: usize,
    add: Option<fn(T, T) -> T>,
}
// SAFETY: tasks write disjoint (pixel row, channel block) parts (see `store`).
unsafe impl<T: Send> Send for OutRows<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for OutRows<T> {}

impl<T: Copy> OutRows<T> {
    /// The output, `K` channels a pixel; `add` makes stores accumulate.
    pub(crate) fn new(out: &mut [T], k: usize, add: Option<fn(T, T) -> T>) -> Self {
        OutRows {
            ptr: out.as_mut_ptr(),
            len: out.len(),
            k,
            add,
        }
    }

    /// Where block `b` of `rows` pixels from `pixel` on starts in the output
    /// (row stride `K`), and its channels (16 but in a last partial block);
    /// asserts that it lies inside the output.
    pub(crate) fn span(&self, pixel: usize, b: usize, rows: usize) -> (*mut T, usize) {
        let cols = 16.min(self.k - 16 * b);
        assert!(rows == 0 || (pixel + rows - 1) * self.k + 16 * b + cols <= self.len);
        (self.ptr.wrapping_add(pixel * self.k + 16 * b), cols)
    }

    /// [`OutRows::span`] where the kernel may write it in place: all 16
    /// channels exist and stores overwrite.
    pub(crate) fn block(&self, pixel: usize, b: usize, rows: usize) -> Option<*mut T> {
        let (p, cols) = self.span(pixel, b, rows);
        (cols == 16 && self.add.is_none()).then_some(p)
    }

    /// Output channels per pixel (the row stride).
    pub(crate) fn k(&self) -> usize {
        self.k
    }

    /// Writes a tile of `tile.len() / 16` pixels from `pixel` on, channels
    /// `16·b ..` (as many as exist).
    pub(crate) fn store(&self, tile: &[T], pixel: usize, b: usize) {
        let (rows, j) = (tile.len() / 16, 16 * b);
        let cols = 16.min(self.k - j);
        assert!(rows == 0 || (pixel + rows - 1) * self.k + j + cols <= self.len);
        // SAFETY: the block lies inside the output (checked); the driver gives each (row, channel block) to one
        // task, so no other thread touches it, and it cannot overlap `tile` (a pooled buffer).
        unsafe {
            igemm_tile_store_scalar(
                rows,
                cols,
                tile,
                16,
                self.ptr.wrapping_add(pixel * self.k + j),
                self.k,
                1,
                self.add,
            )
        }
    }
}
