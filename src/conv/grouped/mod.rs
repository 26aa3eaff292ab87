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
use std::ops::Range;
use table::{ExpandFn, Lanes};

/// Output rows per task. Input rows are expanded just before the first
/// output row that reads them (so they are still in L1), and a strip's
/// first rows are expanded by the strip above too: longer strips repeat
/// less (docs/tuning.md).
const STRIP: usize = 16;

/// Whether a layer takes the grouped kernels: `1 < groups < C`, at most 16
/// channels per group in and out (wider groups fill the GEMM tiles), input
/// channels per group a multiple of 4 (one `vpdpbusd` dword), and a 2-D
/// layer (a 3-D one with a 1-deep kernel, stride and no depth padding).
pub(crate) fn fits(g: &ConvGeometry) -> bool {
    let (cg, kg) = (g.c / g.groups.max(1), g.k / g.groups.max(1));
    g.groups > 1
        && (4..=16).contains(&cg)
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
    /// Expanded rows a strip reads.
    rows: usize,
    /// Per step `(r, s, q)`, its byte offset in a block's expanded rows,
    /// laid out `[q][rows][wp][64 bytes]`.
    offs: Vec<usize>,
    /// The 3×3 layout for 4 channels a group in and out, where the level has
    /// its kernels ([`G4`]).
    g4: Option<G4>,
}

/// A 3×3, stride-1 layer of 4 channels a group in and out, C a multiple of
/// 16 elements: the `gconv_*_3x3g4` kernels read 16-byte broadcasts from
/// the input itself, padded per strip (`[rows][wp][elems]`, padding pixels
/// the zero point) and, for f32, transposed in 16-float chunks, so
/// nothing is expanded per block.
#[derive(Debug)]
struct G4 {
    /// Per 16-element chunk of a pixel, the lanes of its copy (identity for
    /// INT8, the 4×4 transpose for f32).
    chunks: Vec<Lanes>,
    /// 32-bit elements of a pixel.
    elems: usize,
    /// Bytes of an input element (1: INT8, 4: f32).
    bytes: usize,
}

/// Lane `l` of an accumulator of the g4 kernels: output channel
/// `4·(l % 4) + l / 4` of its block.
fn g4_lane(l: usize) -> usize {
    4 * (l % 4) + l / 4
}

/// Whether a layer that [`fits`] takes the g4 kernels (see [`G4`]), with
/// input elements of `bytes` bytes.
fn g4_fits(g: &ConvGeometry, bytes: usize) -> bool {
    let (cg, kg) = (g.c / g.groups, g.k / g.groups);
    cg == 4
        && kg == 4
        && (g.c * bytes / 4).is_multiple_of(16)
        && g.kernel[1..] == [3, 3]
        && g.stride[1..] == [1, 1]
        && g.dilation[1..] == [1, 1]
}

impl Shape {
    /// The layout of a layer that [`fits`], with input elements of `bytes`
    /// bytes (1: INT8, 4: f32); `g4`: whether the level has the g4 kernels.
    pub(crate) fn new(g: &ConvGeometry, bytes: usize, g4: bool) -> Shape {
        let (cg, kg) = (g.c / g.groups, g.k / g.groups);
        let per = 4 / bytes;
        let (elems, q) = (g.c / per, cg / per);
        let blocks = g.k.div_ceil(16);
        let lanes = (0..blocks * q)
            .map(|e| lanes(e / q, e % q, g.k, kg, q, elems))
            .collect();
        let [r, s] = [g.kernel[1], g.kernel[2]];
        let wp = (g.output[2].max(1) - 1) * g.stride[2] + (s - 1) * g.dilation[2] + 1;
        let rows = (STRIP.min(g.output[1]).max(1) - 1) * g.stride[1] + (r - 1) * g.dilation[1] + 1;
        let offs = (0..r * s * q)
            .map(|st| {
                let (tap, e) = (st / q, st % q);
                e * rows * wp * 64 + ((tap / s) * g.dilation[1] * wp + (tap % s) * g.dilation[2]) * 64
            })
            .collect();
        let g4 = (g4 && g4_fits(g, bytes)).then(|| G4 {
            chunks: (0..elems / 16)
                .map(|e| Lanes {
                    base: 64 * e,
                    load: u16::MAX,
                    keep: u16::MAX,
                    idx: std::array::from_fn(|l| if bytes == 4 { g4_lane(l) as i32 } else { l as i32 }),
                    gather: false,
                })
                .collect(),
            elems,
            bytes,
        });
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
            rows,
            offs,
            g4,
        }
    }

    /// Whether the layer runs the g4 kernels: then `row` of [`Shape::run`]
    /// gets padded input rows, to be read through [`Shape::g4_at`].
    pub(crate) fn is_g4(&self) -> bool {
        self.g4.is_some()
    }

    /// For the g4 kernels, block `b`'s byte offset in a row's `src`, and the
    /// row and pixel strides in bytes.
    pub(crate) fn g4_at(&self, b: usize) -> (usize, usize, usize) {
        let g = self.g4.as_ref().expect("a g4 layer");
        (16 * g.bytes * b, self.wp * g.elems * 4, g.elems * 4)
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
                    let k = 16 * b + if self.g4.is_some() { g4_lane(l) } else { l };
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
        let expand = ctx.kernels().conv.expand.map(|k| k.f);
        if let Some(g4) = &self.g4 {
            return self.run_g4(ctx, g4, expand, input, pad, xor, row);
        }
        ctx.run_parallel(self.batch * strips * self.blocks, |t| {
            let (b, strip, n) = (
                t % self.blocks,
                t / self.blocks % strips,
                t / self.blocks / strips,
            );
            let y0 = strip * STRIP;
            let mut buf = buffers::take::<u32>(buffers::SLOT_A, self.q * self.rows * self.wp * 16);
            let mut done = 0;
            for y in y0..(y0 + STRIP).min(self.oh) {
                let first = (y - y0) * self.stride[0];
                let need = first + (self.r - 1) * self.dilation[0] + 1;
                self.expand(expand, input, pad, xor, n, y0, done..need, b, &mut buf);
                done = need;
                row(&buf[first * self.wp * 16..], (n * self.oh + y) * self.ow, b);
            }
        });
    }

    /// [`Shape::run`] for the g4 kernels: tasks of an image's strip, each
    /// padding (and, for f32, transposing) the input rows it reads once,
    /// just before the first output row reading them, for all its blocks.
    #[allow(clippy::too_many_arguments)]
    fn run_g4<E: Sync>(
        &self,
        ctx: &Context,
        g4: &G4,
        expand: Option<ExpandFn>,
        input: &[E],
        pad: u32,
        xor: u32,
        row: impl Fn(&[u32], usize, usize) + Sync,
    ) {
        let strips = self.oh.div_ceil(STRIP);
        let line = self.wp * g4.elems;
        ctx.run_parallel(self.batch * strips, |t| {
            let (strip, n) = (t % strips, t / strips);
            let y0 = strip * STRIP;
            let mut buf = buffers::take::<u32>(buffers::SLOT_A, self.rows * line);
            let mut done = 0;
            for y in y0..(y0 + STRIP).min(self.oh) {
                let need = y - y0 + 3;
                for j in done..need {
                    let dst = &mut buf[j * line..(j + 1) * line];
                    self.pad_row(g4, expand, input, pad, xor, n, y0 + j, dst);
                }
                done = need;
                for b in 0..self.blocks {
                    row(&buf[(y - y0) * line..], (n * self.oh + y) * self.ow, b);
                }
            }
        });
    }

    /// Padded input row `j` (input row `j − top`) of image `n` into `dst`
    /// (`wp` pixels of `elems`), padding pixels `pad`, the rest copied
    /// through the level's expansion with `g4.chunks`.
    #[allow(clippy::too_many_arguments)]
    fn pad_row<E>(
        &self,
        g4: &G4,
        f: Option<ExpandFn>,
        input: &[E],
        pad: u32,
        xor: u32,
        n: usize,
        j: usize,
        dst: &mut [u32],
    ) {
        let iy = j.checked_sub(self.pad[0]).filter(|&y| y < self.ih);
        let (c0, c1) = match iy {
            Some(_) => (self.pad[1].min(self.wp), (self.pad[1] + self.iw).min(self.wp)),
            None => (self.wp, self.wp),
        };
        let e = g4.elems;
        dst[..c0 * e].fill(pad);
        dst[c1.max(c0) * e..].fill(pad);
        if let (Some(iy), Some(f), true) = (iy, f, c1 > c0) {
            let at = (n * self.ih + iy) * self.iw * self.c;
            let src = &input[at..at + (c1 - c0) * self.c];
            let out = &mut dst[c0 * e..c1 * e];
            // SAFETY: the level's expansion (an available ISA); `src` holds the c1 − c0 input pixels (sliced), each
            // of `elems` (a multiple of 16) elements that the chunks load whole, and `out` their c1 − c0 copies,
            // chunk k's 64 bytes at 64·k of each pixel (sliced).
            unsafe {
                f(
                    src.as_ptr().cast(),
                    self.c * size_of::<E>(),
                    c1 - c0,
                    &g4.chunks,
                    xor,
                    out.as_mut_ptr().cast(),
                    64,
                    e * 4,
                )
            };
        }
    }

    /// Asserts that `src` holds every step's vector of an output row's
    /// `OW` pixels (at `offs[s] + x·ps` bytes), or for the g4 kernels the 3
    /// padded rows from the row's first, so a kernel may read them.
    pub(crate) fn check_row(&self, src: &[u32]) {
        if let Some(g) = &self.g4 {
            let need = (2 * self.wp + self.ow + 2) * g.elems;
            return assert!(self.ow == 0 || src.len() >= need, "padded rows too short");
        }
        let last = self.offs.last().map_or(0, |o| o + 64) + self.ow.saturating_sub(1) * self.ps();
        assert!(self.ow == 0 || src.len() * 4 >= last, "expanded rows too short");
    }

    /// Bytes between consecutive output pixels' vectors in expanded rows.
    pub(crate) fn ps(&self) -> usize {
        self.stride[1] * 64
    }

    /// Block `b`'s weights (`steps × 64` bytes of `T`) in `w`, as
    /// [`Shape::pack_weights`] packed them.
    pub(crate) fn block<'w, T>(&self, w: &'w [T], b: usize) -> &'w [T] {
        let per = self.offs.len() * 64 / size_of::<T>();
        &w[b * per..(b + 1) * per]
    }

    /// Expands rows `rows` of block `b`'s strip from output row `y0` of
    /// image `n` into `buf` (`[q][rows][wp]` vectors of 16 lanes).
    #[allow(clippy::too_many_arguments)]
    fn expand<E>(
        &self,
        f: Option<ExpandFn>,
        input: &[E],
        pad: u32,
        xor: u32,
        n: usize,
        y0: usize,
        rows: Range<usize>,
        b: usize,
        buf: &mut [u32],
    ) {
        let (q, row, plane) = (self.q, self.wp * 16, self.rows * self.wp * 16);
        let lanes = &self.lanes[b * q..(b + 1) * q];
        for j in rows {
            let iy = (y0 * self.stride[0] + j)
                .checked_sub(self.pad[0])
                .filter(|&y| y < self.ih);
            // Columns pl .. pl + iw of the row hold input pixels, the rest padding.
            let (c0, c1) = match iy {
                Some(_) => (self.pad[1].min(self.wp), (self.pad[1] + self.iw).min(self.wp)),
                None => (self.wp, self.wp),
            };
            for e in 0..q {
                let dst = &mut buf[e * plane + j * row..e * plane + (j + 1) * row];
                dst[..c0 * 16].fill(pad);
                dst[c1.max(c0) * 16..].fill(pad);
            }
            if let (Some(iy), Some(f), true) = (iy, f, c1 > c0) {
                let at = (n * self.ih + iy) * self.iw * self.c;
                let src = &input[at..at + (c1 - c0) * self.c];
                let out = &mut buf[j * row + c0 * 16..(q - 1) * plane + j * row + c1 * 16];
                // SAFETY: the level's expansion (an available ISA); `src` holds the c1 − c0 input pixels
                // (sliced), whose elements the lanes address (built for C channels a pixel), and `out` entry
                // e's c1 − c0 vectors of 64 bytes at e·plane (sliced from entry 0's first to entry q − 1's last).
                unsafe {
                    f(
                        src.as_ptr().cast(),
                        self.c * size_of::<E>(),
                        c1 - c0,
                        lanes,
                        xor,
                        out.as_mut_ptr().cast(),
                        plane * 4,
                        64,
                    )
                };
            }
        }
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
