//! The stacked-row INT8 depthwise path (3×3, dilation 1, stride 1 or 2,
//! depth multiplier 1, s8 weights with zero point 0, a level with
//! `vpdpbusd`): per pair of output rows (one row at vertical stride 2) and
//! 16-channel block, the four input rows they read are interleaved byte by
//! byte into stacked pixels ([`lowp_kernels::dwconv_stack`]), and each
//! stacked pixel feeds one `vpdpbusd` per horizontal tap and output row.
//! The activations stay u8 (s8 moved by 128) and the padding holds the zero
//! point, so the sums start from `−za·Σw`: exact, the same bits as the
//! widened path.

use super::int8::Scratch;
use super::{DwGeo, OutPtr};
use crate::gemm::buffers;
use crate::igemm::{Int8, WeightZeroPoint};
use crate::Context;
use lowp_kernels::dwconv_stack::{DwStack3x3, DwStack4, DwStackQ8, STACK_BYTES, STACK_LANES};

/// The layout kernel (four rows → stacked pixels).
pub(crate) type DwStack4Fn = unsafe fn(&DwStack4);
/// The 3×3 row kernel on stacked pixels.
pub(crate) type DwStack3x3Fn = unsafe fn(&DwStack3x3);
/// The 3×3 row kernel on stacked pixels, requantizing to bytes.
pub(crate) type DwStackQ8Fn = unsafe fn(&DwStack3x3<u8>, &DwStackQ8);

/// A requantized (u8 or s8) output the byte kernel writes itself.
pub(crate) struct Q8Out<'a> {
    /// The output bytes.
    pub(crate) out: OutPtr<u8>,
    /// Per-channel scales (`K`).
    pub(crate) scale: Vec<f32>,
    /// Per-channel s32 biases, added to the sums first.
    pub(crate) bias: Option<&'a [i32]>,
    /// Zero point and bounds.
    pub(crate) zp: i32,
    pub(crate) lo: i32,
    pub(crate) hi: i32,
}

/// A level's stacked-row kernels.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DwStackFns {
    /// Lays out stacked pixels.
    pub(crate) layout: (DwStack4Fn, &'static str),
    /// One or two 3×3 output rows from them.
    pub(crate) rows: (DwStack3x3Fn, &'static str),
    /// The same, prefetching the output lines for writing (an output
    /// past the L2).
    pub(crate) rows_prefetch_w: (DwStack3x3Fn, &'static str),
    /// The same, requantized to bytes.
    pub(crate) rows_q8: (DwStackQ8Fn, &'static str),
    /// Lays out two blocks at a time (cheaper than one by one).
    pub(crate) layout_pair: (DwStack4Fn, &'static str),
    /// Requantized rows, two blocks at a time.
    pub(crate) rows_q8_pair: (DwStackQ8Fn, &'static str),
}

/// A layer's weights for the stacked path.
#[derive(Debug)]
pub(crate) struct StackWeights {
    kernels: DwStackFns,
    /// `[block][t][upper, lower][16 channels][4 rows]`: column `t`'s taps
    /// at rows 0–2 (upper output row) or 1–3 (lower), 0 elsewhere and past `K`.
    weights: Vec<i8>,
    /// Per channel (`blocks·16`), the sum of its nine weights.
    sums: Vec<i32>,
}

impl StackWeights {
    /// The packing for `ohwi` (`[K][3][3]`), or `None` where the layer or
    /// the level does not take the stacked path.
    pub(crate) fn new<W: Int8>(
        ctx: &Context,
        g: &DwGeo,
        ohwi: &[W],
        zb: WeightZeroPoint<'_>,
    ) -> Option<StackWeights> {
        let kernels = ctx.kernels().dwconv.stack?;
        let shape = (g.r, g.s, g.dh, g.dw, g.m) == (3, 3, 1, 1, 1);
        let strides = matches!(g.sh, 1 | 2) && matches!(g.sw, 1 | 2);
        if !(W::SIGNED && shape && strides && g.lanes == STACK_LANES && (0..g.k).all(|k| zb.at(k) == 0)) {
            return None;
        }
        let mut weights = vec![0i8; g.blocks * 6 * STACK_BYTES];
        let mut sums = vec![0i32; g.blocks * STACK_LANES];
        for (k, w) in ohwi.chunks_exact(9).enumerate() {
            // Column `t`'s taps at rows 0–2 of the upper vector, 1–3 of the lower.
            for (tap, &v) in w.iter().enumerate() {
                let (i, t) = (tap / 3, tap % 3);
                let at = (k / STACK_LANES * 3 + t) * 2 * STACK_BYTES + 4 * (k % STACK_LANES);
                // s8 weights: `to_i32` lies in [−128, 127].
                weights[at + i] = v.to_i32() as i8;
                weights[at + STACK_BYTES + i + 1] = v.to_i32() as i8;
            }
            sums[k] = w.iter().map(|v| v.to_i32()).sum();
        }
        Some(StackWeights {
            kernels,
            weights,
            sums,
        })
    }

    /// Runs the layer on `input` with zero point `zu` (already moved to u8:
    /// `flip` for s8 input), handing each row tile to `finish(scratch, n,
    /// y, b, tile)` unless `direct(n, y, b)` gives the output's own place.
    /// `false` (nothing done) for a zero point outside u8.
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
        let l = STACK_LANES;
        let inits: Vec<i32> = self.sums.iter().map(|s| s.wrapping_mul(-zu)).collect();
        // The byte kernel starts from the bias too (igemm adds it to the sums first).
        let q8_inits: Vec<i32> = match q8.and_then(|q| q.bias) {
            Some(bias) => inits
                .iter()
                .zip(bias.iter().chain(std::iter::repeat(&0)))
                .map(|(i, b)| i.wrapping_add(*b))
                .collect(),
            None => inits.clone(),
        };
        // Output rows per stacked row: two at vertical stride 1.
        let per = if g.sh == 1 { 2 } else { 1 };
        let pixels = (g.ow - 1) * g.sw + 3;
        let units = g.oh.div_ceil(per);
        let threads = ctx.num_threads();
        let mut su = units.max(1);
        while threads > 1 && su > 1 && g.n * units.div_ceil(su) < 4 * threads {
            su = su.div_ceil(2);
        }
        let strips = units.div_ceil(su);
        let (layout, rows3, rows_q8) = (self.kernels.layout.0, self.kernels.rows.0, self.kernels.rows_q8.0);
        let rows3_w = self.kernels.rows_prefetch_w.0;
        let (layout_pair, rows_q8_pair) = (self.kernels.layout_pair.0, self.kernels.rows_q8_pair.0);
        // Whole blocks whose sums the kernels store themselves go several
        // to a call, as many as keep their stacked rows within 16 KiB.
        let whole = g.k / l;
        let batch = (16 * 1024 / (pixels * STACK_BYTES)).max(1);
        // Pairs go at least two blocks to a call.
        let pair_batch = batch.max(2) / 2 * 2;
        let own = q8.is_some() || (whole > 0 && direct(0, 0, 0).is_some());
        // Whole pairs of blocks are laid out two at a time where the kernel
        // stores its outputs itself (bytes: the requantizing pair kernel).
        let pair_blocks = if own { whole / 2 * 2 } else { 0 };
        let flip = if flip { 0x80 } else { 0 };
        // s32 sums written in place prefetch their lines for writing when
        // input and output pass 3/4 of the threads' L2 (their lines then
        // come back from L3 on each write; the rest of the L2 holds the
        // stacked rows and weights). Measured at stride 1 only.
        let out_bytes = g.n * g.oh * g.ow * g.k * std::mem::size_of::<i32>();
        let prefetch_w = g.sh == 1 && 4 * (input.len() + out_bytes) >= 3 * ctx.cache_sizes().l2 * threads;
        ctx.run_parallel(g.n * strips, |t| {
            let (n, st) = (t / strips, t % strips);
            let mut stacked = buffers::take::<u8>(buffers::SLOT_A, batch.max(2) * pixels * STACK_BYTES);
            let mut tile = vec![0i32; 2 * g.ow * l];
            let mut sc = Scratch::new();
            for u in st * su..units.min(st * su + su) {
                let y = u * per;
                let two = per == 2 && y + 1 < g.oh;
                let mut b = 0;
                while b < g.blocks {
                    let (k0, valid) = g.block(b);
                    // (s32: only where the sums go straight to the output.)
                    let paired = b + 2 <= pair_blocks && (q8.is_some() || direct(n, y, b).is_some());
                    let nb = match (paired, own && b < whole) {
                        (true, _) => pair_batch.min(pair_blocks - b),
                        (false, true) => batch.min(whole - b),
                        (false, false) => 1,
                    };
                    let rows: [*const u8; 4] = std::array::from_fn(|i| {
                        let h = (y * g.sh + i)
                            .checked_sub(g.pt)
                            .filter(|&h| h < g.ih && i < 2 + per);
                        h.map_or(std::ptr::null(), |h| {
                            input[(n * g.ih + h) * g.iw * g.c + k0..].as_ptr().cast()
                        })
                    });
                    let args = DwStack4 {
                        rows,
                        rows_used: 2 + per,
                        pixel_stride: g.c,
                        blocks: nb,
                        valid,
                        iw: g.iw,
                        pl: g.pl,
                        pixels,
                        pad,
                        flip,
                        dst: stacked.as_mut_ptr(),
                    };
                    let layout = if paired { layout_pair } else { layout };
                    // SAFETY: the kernel belongs to the Context's (available) level; each non-null row is
                    // input row `h` of image `n` from channel `k0`, whose `iw` pixels (stride C) have
                    // `valid` channels in each of the `nb` blocks inside `input` (paired: `nb` even,
                    // all whole); `stacked` holds `max(batch, 2) · pixels · 64` bytes.
                    unsafe { layout(&args) };
                    let weights = self.weights[b * 6 * STACK_BYTES..].as_ptr();
                    if let (true, Some(q)) = (own, q8.filter(|_| valid == l)) {
                        let at = |y| q.out.at(g.out_at(n, y, k0));
                        let args = DwStack3x3 {
                            src: stacked.as_ptr(),
                            weights,
                            init: q8_inits[k0..].as_ptr(),
                            out0: at(y),
                            out1: if two { at(y + 1) } else { std::ptr::null_mut() },
                            out_stride: g.k,
                            ow: g.ow,
                            stride: g.sw,
                            blocks: nb,
                        };
                        let rq = DwStackQ8 {
                            scale: q.scale[k0..k0 + nb * l].as_ptr(),
                            zp: q.zp,
                            lo: q.lo,
                            hi: q.hi,
                        };
                        // SAFETY: as for the s32 kernel below; the outputs are this task's own rows `y`,
                        // `y + 1` of `nb` whole blocks (16 bytes a pixel each, stride K), `scale` holds
                        // their `16·nb` values (paired: `nb` even).
                        let kernel = if paired { rows_q8_pair } else { rows_q8 };
                        // SAFETY: as said above.
                        unsafe { kernel(&args, &rq) };
                        b += nb;
                        continue;
                    }
                    let d = direct(n, y, b).filter(|_| own);
                    let (out0, out1, out_stride) = match d {
                        Some(p) => (p, if two { direct(n, y + 1, b) } else { None }, g.k),
                        None => (tile.as_mut_ptr(), two.then(|| tile[g.ow * l..].as_mut_ptr()), l),
                    };
                    let args = DwStack3x3 {
                        src: stacked.as_ptr(),
                        weights,
                        init: inits[k0..].as_ptr(),
                        out0,
                        out1: out1.unwrap_or(std::ptr::null_mut()),
                        out_stride,
                        ow: g.ow,
                        stride: g.sw,
                        blocks: nb,
                    };
                    // (Not for the tile, which stays in L1.)
                    let rows3 = if prefetch_w && d.is_some() { rows3_w } else { rows3 };
                    // SAFETY: the kernel belongs to the Context's level; `stacked` holds `nb` blocks of
                    // `(ow − 1)·sw + 3` pixels, the weights their `384·nb` bytes, `inits` `16·nb` values
                    // from `k0`; the outputs are the tile (`2·ow·16` i32, one block) or this task's own
                    // rows `y`, `y + 1` of `nb` whole blocks.
                    unsafe { rows3(&args) };
                    if d.is_none() {
                        let (t0, t1) = tile.split_at_mut(g.ow * l);
                        finish(&mut sc, n, y, b, t0);
                        if two {
                            finish(&mut sc, n, y + 1, b, t1);
                        }
                    }
                    b += nb;
                }
            }
        });
        true
    }
}
