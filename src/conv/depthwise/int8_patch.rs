//! The stride-2 INT8 depthwise path on 2×2 patches (3×3, stride 2 both
//! ways, dilation 1, depth multiplier 1, s8 weights with zero point 0, a
//! level with `vpdpbusd`): per pair of 16-channel blocks, the input is cut
//! once into rows of 2×2 patches ([`lowp_kernels::dwconv_patch`]); output row `y`
//! reads patch rows `y` and `y + 1`. A task keeps one patch row and takes
//! two output rows a call: the kernel builds patch rows `y + 1` (in
//! registers only, shared by both outputs) and `y + 2`, which replaces row
//! `y` for the next call. The padding holds the zero point
//! and the sums start from `−za·Σw`: exact, the same bits as every other
//! path. Whole pairs whose output the kernel stores itself go two to a
//! 64-channel zmm patch (the `_c64` kernels).

use super::int8::Scratch;
use super::int8_stack::Q8Out;
use super::DwGeo;
use crate::gemm::buffers;
use crate::igemm::{Int8, WeightZeroPoint};
use crate::Context;
use lowp_kernels::dwconv_patch::{patch_slot, DwPatch2x2, DwPatch3x3S2, PATCH_BYTES, PATCH_CHANNELS};
use lowp_kernels::dwconv_stack::{DwStackQ8, STACK_LANES};

/// The layout kernel (two rows → a row of patches).
pub(crate) type DwPatchFn = unsafe fn(&DwPatch2x2);
/// The 3×3 stride-2 row kernel on patches.
pub(crate) type DwPatchRowFn = unsafe fn(&DwPatch3x3S2);
/// The same, requantizing to bytes.
pub(crate) type DwPatchQ8Fn = unsafe fn(&DwPatch3x3S2<u8>, &DwStackQ8);

/// A level's patch kernels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DwPatchFns {
    /// Lays out a row of patches.
    pub(crate) layout: (DwPatchFn, &'static str),
    /// One 3×3 stride-2 output row from two of them.
    pub(crate) rows: (DwPatchRowFn, &'static str),
    /// The same, requantized to bytes.
    pub(crate) rows_q8: (DwPatchQ8Fn, &'static str),
    /// Lays out a row of 64-channel patches (two whole pairs each).
    pub(crate) layout_c64: (DwPatchFn, &'static str),
    /// `rows` on 64-channel patches.
    pub(crate) rows_c64: (DwPatchRowFn, &'static str),
    /// `rows_q8` on 64-channel patches.
    pub(crate) rows_q8_c64: (DwPatchQ8Fn, &'static str),
}

/// A layer's weights for the patch path.
#[derive(Debug)]
pub(crate) struct PatchWeights {
    kernels: DwPatchFns,
    /// `[pair][4][32 slots][4 bytes]` (see [`DwPatch3x3S2::weights`]), 0
    /// where no tap lands and past `K`.
    weights: Vec<i8>,
    /// Per pair's slot ([`patch_slot`]), the sum of its channel's nine
    /// weights.
    sums: Vec<i32>,
}

impl PatchWeights {
    /// The packing for `ohwi` (`[K][3][3]`), or `None` where the layer or
    /// the level does not take the patch path.
    pub(crate) fn new<W: Int8>(
        ctx: &Context,
        g: &DwGeo,
        ohwi: &[W],
        zb: WeightZeroPoint<'_>,
    ) -> Option<PatchWeights> {
        let kernels = ctx.kernels().dwconv.patch?;
        let shape = (g.r, g.s, g.dh, g.dw, g.m, g.sh, g.sw) == (3, 3, 1, 1, 1, 2, 2);
        if !(W::SIGNED && shape && g.lanes == STACK_LANES && (0..g.k).all(|k| zb.at(k) == 0)) {
            return None;
        }
        let pairs = g.k.div_ceil(PATCH_CHANNELS);
        let mut weights = vec![0i8; pairs * 4 * PATCH_BYTES];
        let mut sums = vec![0i32; pairs * PATCH_CHANNELS];
        for (k, w) in ohwi.chunks_exact(9).enumerate() {
            let (b, s) = (k / PATCH_CHANNELS, patch_slot(k % PATCH_CHANNELS));
            sums[b * PATCH_CHANNELS + s] = w.iter().map(|v| v.to_i32()).sum();
            for (tap, &v) in w.iter().enumerate() {
                let (i, t) = (tap / 3, tap % 3);
                let at = (b * 4 + 2 * (i / 2) + t / 2) * PATCH_BYTES + 4 * s + 2 * (i % 2) + t % 2;
                // s8 weights: `to_i32` lies in [−128, 127].
                weights[at] = v.to_i32() as i8;
            }
        }
        Some(PatchWeights {
            kernels,
            weights,
            sums,
        })
    }

    /// Runs the layer on `input` with zero point `zu` (already moved to u8:
    /// `flip` for s8 input), handing each row tile to `finish(scratch, n,
    /// y, b, tile)` unless `direct(n, y, b)` gives the output's own place,
    /// or `q8` takes whole pairs' bytes straight from the requantizing
    /// kernel. `false` (nothing done) for a zero point outside u8.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run<A, D, F>(
        &self,
        ctx: &Context,
        g: &DwGeo,
        input: &[A],
        zu: i32,
        flip: bool,
        q8: Option<&Q8Out<'_>>,
        direct: &D,
        finish: &F,
    ) -> bool
    where
        A: Int8,
        D: Fn(usize, usize, usize) -> Option<*mut i32> + Sync,
        F: Fn(&mut Scratch, usize, usize, usize, &mut [i32]) + Sync,
    {
        let Ok(pad) = u8::try_from(zu) else {
            return false;
        };
        let (l, pc) = (STACK_LANES, PATCH_CHANNELS);
        let inits: Vec<i32> = self.sums.iter().map(|s| s.wrapping_mul(-zu)).collect();
        // The requantizing kernel starts from the bias too (igemm adds it
        // to the sums first, wrapping: the same bits).
        let q8_inits: Vec<i32> = match q8.and_then(|q| q.bias) {
            Some(bias) => {
                let mut v = inits.clone();
                for (k, &b) in bias.iter().enumerate().take(g.k) {
                    let at = k / pc * pc + patch_slot(k % pc);
                    v[at] = v[at].wrapping_add(b);
                }
                v
            }
            None => inits.clone(),
        };
        let patches = g.ow + 1;
        let row_bytes = patches * PATCH_BYTES;
        let pairs = g.k.div_ceil(pc);
        let threads = ctx.num_threads();
        let mut sr = g.oh.max(1);
        while threads > 1 && sr > 1 && g.n * g.oh.div_ceil(sr) < 4 * threads {
            sr = sr.div_ceil(2);
        }
        let strips = g.oh.div_ceil(sr);
        let k = &self.kernels;
        // Whole pairs whose sums the kernel stores itself go several to a
        // call, as many as keep their patch rows within 16 KiB but at
        // least two (a 64-channel patch), an even count to the 64-channel
        // kernels and a last odd pair to the pair kernels.
        let whole = g.k / pc;
        let batch = (16 * 1024 / row_bytes).max(2);
        let own = whole > 0 && (q8.is_some() || direct(0, 0, 0).is_some());
        let flip = if flip { 0x80 } else { 0 };
        ctx.run_parallel(g.n * strips, |t| {
            let (n, st) = (t / strips, t % strips);
            let (y0, y1) = (st * sr, g.oh.min(st * sr + sr));
            // One patch row of every pair, `[pair][patch]`: a kernel reads
            // each top patch before it stores the new lower one in its place.
            let mut buf = buffers::take::<u8>(buffers::SLOT_A, pairs * row_bytes);
            // Two rows of the two blocks of a pair, `ow` pixels of 16 sums each.
            let mut tile = vec![0i32; 4 * g.ow * l];
            let mut sc = Scratch::new();
            let base = buf.as_mut_ptr();
            // The patch row from pair `b`.
            let slot = |b: usize| base.wrapping_add(b * row_bytes);
            // Patch row `i` (padded input rows `2i`, `2i + 1`) of pairs
            // `b..b + nb`, to the task's patch row.
            let patch_row = |i: usize, b: usize, nb: usize| {
                let k0 = b * pc;
                let rows: [*const u8; 2] = std::array::from_fn(|r| {
                    let h = (2 * i + r).checked_sub(g.pt).filter(|&h| h < g.ih);
                    h.map_or(std::ptr::null(), |h| {
                        input[(n * g.ih + h) * g.iw * g.c + k0..].as_ptr().cast()
                    })
                });
                DwPatch2x2 {
                    rows,
                    pixel_stride: g.c,
                    pairs: nb,
                    valid: pc.min(g.k - k0),
                    iw: g.iw,
                    pl: g.pl,
                    patches,
                    pad,
                    flip,
                    dst: slot(b),
                }
            };
            // Two output rows a call where the task has them (their shared
            // middle row of patches is never stored), the last one alone.
            let mut y = y0;
            while y < y1 {
                let out_rows = if y + 1 < y1 { 2 } else { 1 };
                let mut b = 0;
                while b < pairs {
                    let nb = if own && b < whole { batch.min(whole - b) } else { 1 };
                    let wide = nb >= 2;
                    let nb = if wide { nb & !1 } else { nb };
                    let (layout, rows, rows_q8) = if wide {
                        (k.layout_c64.0, k.rows_c64.0, k.rows_q8_c64.0)
                    } else {
                        (k.layout.0, k.rows.0, k.rows_q8.0)
                    };
                    if y == y0 {
                        let args = patch_row(y, b, nb);
                        // SAFETY: the kernel is of the Context's (available) level; each non-null row is
                        // input row `h` of image `n` from channel `32b`, `iw` pixels (stride C) with `valid`
                        // channels in each of the `nb` pairs inside `input`; the patch row holds `nb ·
                        // patches · 128` bytes from pair `b`; the 64-channel kernel gets whole pairs, evenly.
                        unsafe { layout(&args) };
                    }
                    // The lower row of the last output row replaces the top one, patch by patch.
                    let lay = patch_row(y + out_rows, b, nb);
                    let mid = patch_row(y + 1, b, nb).rows;
                    if let (true, Some(q)) = (own && b < whole, q8) {
                        let k0 = b * pc;
                        let args = DwPatch3x3S2 {
                            lay,
                            out_rows,
                            mid,
                            row_stride: g.ow * g.k,
                            top: slot(b),
                            weights: self.weights[b * 4 * PATCH_BYTES..].as_ptr(),
                            init: q8_inits[k0..].as_ptr(),
                            out: q.out.at(g.out_at(n, y, k0)),
                            out_stride: g.k,
                            half: l,
                            ow: g.ow,
                        };
                        let rq = DwStackQ8 {
                            scale: q.scale[k0..k0 + nb * pc].as_ptr(),
                            zp: q.zp,
                            lo: q.lo,
                            hi: q.hi,
                        };
                        // SAFETY: as for the s32 kernel below; the output is this task's own rows `y`,
                        // `y + out_rows − 1` of `nb` whole pairs (32 bytes a pixel each, stride K, a row
                        // `ow·K` bytes), `scale` holds their `32·nb` values.
                        unsafe { rows_q8(&args, &rq) };
                        b += nb;
                        continue;
                    }
                    let d = if own && b < whole {
                        direct(n, y, 2 * b)
                    } else {
                        None
                    };
                    let (out, out_stride, half, row_stride) = match d {
                        Some(p) => (p, g.k, l, g.ow * g.k),
                        None => (tile.as_mut_ptr(), l, g.ow * l, 2 * g.ow * l),
                    };
                    let args = DwPatch3x3S2 {
                        lay,
                        out_rows,
                        mid,
                        row_stride,
                        top: slot(b),
                        weights: self.weights[b * 4 * PATCH_BYTES..].as_ptr(),
                        init: inits[b * pc..].as_ptr(),
                        out,
                        out_stride,
                        half,
                        ow: g.ow,
                    };
                    // SAFETY: the kernel belongs to the Context's level; `lay`, `mid` as above, `lay` to the
                    // task's patch row holding the top row (`nb` pairs of `ow + 1` patches); weights `512·nb`
                    // bytes, `inits` `32·nb` values from pair `b`; the output is the tile (per row two blocks
                    // of `ow·16` i32) or this task's own rows from `y` of `2·nb` whole blocks.
                    unsafe { rows(&args) };
                    if d.is_none() {
                        for (r, t) in tile.chunks_exact_mut(2 * g.ow * l).take(out_rows).enumerate() {
                            let (t0, t1) = t.split_at_mut(g.ow * l);
                            finish(&mut sc, n, y + r, 2 * b, t0);
                            if 2 * b + 1 < g.blocks {
                                finish(&mut sc, n, y + r, 2 * b + 1, t1);
                            }
                        }
                    }
                    b += nb;
                }
                y += out_rows;
            }
        });
        true
    }
}
