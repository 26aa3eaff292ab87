//! `dwconv_u8s8q8_3x3_stack_pair_avx512vnni`: the requantizing stacked-row
//! kernel on pairs of blocks (32 channels): the four vectors of a pixel
//! (both blocks, both rows) narrow together and leave as two 32-byte
//! pieces, one dword permute and two stores where single blocks need a
//! permute and a store per 16 bytes.

use crate::dwconv_stack::{DwStack3x3, DwStackQ8, STACK_BYTES};
use crate::x86_64::avx512::igemm_store_s32_to_q8::Narrow;
use core::arch::x86_64::*;

with_level! { avx512vnni:
/// Computes the rows `a` describes, requantized as `q` says, two blocks
/// at a time: see [`DwStack3x3`] and [`DwStackQ8`], with `blocks` even.
///
/// # Safety
///
/// The CPU must have the `avx512vnni` level. `stride` must be 1 or 2 and
/// `blocks` even; for each block `β < blocks`, `((ow − 1)·stride + 3) · 64`
/// bytes must be readable at its `src`, 384 at its `weights`, 16 i32 at its
/// `init`, 16 f32 at `q.scale + 16β`, and 16 bytes writable at its `out0 +
/// x·out_stride` (and `out1 + …` when not null) for every `x < ow` (see
/// [`DwStack3x3`]). (Any `lo ≤ hi` within the output type stores in-range
/// bytes.)
pub unsafe fn dwconv_u8s8q8_3x3_stack_pair_avx512vnni(a: &DwStack3x3<u8>, q: &DwStackQ8) {
    let nw = Narrow::new(q.zp, q.lo, q.hi);
    // Narrow's dword order (each packed vector's 16 bytes together), hidden
    // from the optimizer, which otherwise splits the permute into shuffles.
    let order = core::hint::black_box(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
    // SAFETY: 16 scales a block, then the caller's contract.
    unsafe {
        let scale = |b: usize| _mm512_loadu_ps(q.scale.add(16 * b));
        // `hi` on the bytes when no scale of the call can leave i32's range.
        let small = (0..a.blocks).all(|b| Narrow::small_scales(scale(b), scale(b)));
        // No byte minimum either where `hi` is the packed type's maximum:
        // the saturating pack already applied it.
        let top = q.hi == 127 || q.hi == 255;
        match (q.hi <= 127, small, top) {
            (true, true, false) => pairs::<true, false, false>(a, q, nw, order),
            (true, true, true) => pairs::<true, false, true>(a, q, nw, order),
            (true, false, _) => pairs::<true, true, true>(a, q, nw, order),
            (false, true, false) => pairs::<false, false, false>(a, q, nw, order),
            (false, true, true) => pairs::<false, false, true>(a, q, nw, order),
            (false, false, _) => pairs::<false, true, true>(a, q, nw, order),
        }
    }
}
}

/// One pair's inputs and constants.
struct Pair {
    /// Each half's stacked row.
    src: [*const u8; 2],
    /// Each half's six weight vectors.
    w: [[__m512i; 6]; 2],
    init: [__m512i; 2],
    scale: [__m512; 2],
    out0: *mut u8,
    out1: *mut u8,
    out_stride: usize,
    /// The dword order of [`block`]'s packed bytes.
    order: __m512i,
}

// The loops index several arrays of registers with one index.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn pairs<const SIGNED: bool, const HI_F32: bool, const HI_DONE: bool>(
    a: &DwStack3x3<u8>,
    q: &DwStackQ8,
    nw: Narrow,
    order: __m512i,
) {
    let pixels = (a.ow - 1) * a.stride + 3;
    // SAFETY: the caller's contract, pair by pair.
    unsafe {
        for pair in 0..a.blocks / 2 {
            let b = 2 * pair;
            // Plain loops, not array `map`s: their closures would be
            // compiled apart, without the level's features.
            let mut p = Pair {
                src: [a.src; 2],
                w: [[_mm512_setzero_si512(); 6]; 2],
                init: [_mm512_setzero_si512(); 2],
                scale: [_mm512_setzero_ps(); 2],
                out0: a.out0.add(32 * pair),
                out1: if a.out1.is_null() {
                    a.out1
                } else {
                    a.out1.add(32 * pair)
                },
                out_stride: a.out_stride,
                order,
            };
            for h in 0..2 {
                p.src[h] = a.src.add((b + h) * pixels * STACK_BYTES);
                for i in 0..6 {
                    p.w[h][i] = _mm512_loadu_si512(a.weights.add((b + h) * 6 * STACK_BYTES + 64 * i).cast());
                }
                p.init[h] = _mm512_loadu_si512(a.init.add(16 * (b + h)).cast());
                p.scale[h] = _mm512_loadu_ps(q.scale.add(16 * (b + h)));
            }
            match (a.stride, p.out1.is_null()) {
                (1, false) => row::<SIGNED, HI_F32, HI_DONE, 1, true>(&p, a.ow, nw),
                (1, true) => row::<SIGNED, HI_F32, HI_DONE, 1, false>(&p, a.ow, nw),
                (_, false) => row::<SIGNED, HI_F32, HI_DONE, 2, true>(&p, a.ow, nw),
                (_, true) => row::<SIGNED, HI_F32, HI_DONE, 2, false>(&p, a.ow, nw),
            }
        }
    }
}

#[inline(always)]
unsafe fn row<
    const SIGNED: bool,
    const HI_F32: bool,
    const HI_DONE: bool,
    const ST: usize,
    const TWO: bool,
>(
    p: &Pair,
    ow: usize,
    nw: Narrow,
) {
    // SAFETY: as for `pairs`.
    unsafe {
        let mut x = 0;
        while x + 2 <= ow {
            block::<SIGNED, HI_F32, HI_DONE, 2, ST, TWO>(p, x, nw);
            x += 2;
        }
        if x < ow {
            block::<SIGNED, HI_F32, HI_DONE, 1, ST, TWO>(p, x, nw);
        }
    }
}

/// Outputs `x..x + N` of both halves: tap `t` of output `o` is stacked
/// pixel `o·ST + t`, loaded once for both rows.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn block<
    const SIGNED: bool,
    const HI_F32: bool,
    const HI_DONE: bool,
    const N: usize,
    const ST: usize,
    const TWO: bool,
>(
    p: &Pair,
    x: usize,
    nw: Narrow,
) {
    // SAFETY: pixels `x·ST .. (x + N − 1)·ST + 3` of both halves and
    // outputs `x..x + N` lie inside the caller's buffers.
    unsafe {
        // `acc[o][h][row]`.
        let mut acc = [[[p.init[0]; 2]; 2]; N];
        for o in 0..N {
            for h in 0..2 {
                acc[o][h] = [p.init[h]; 2];
                for t in 0..3 {
                    let v = _mm512_loadu_si512(p.src[h].add(((x + o) * ST + t) * STACK_BYTES).cast());
                    acc[o][h][0] = _mm512_dpbusd_epi32(acc[o][h][0], v, p.w[h][2 * t]);
                    if TWO {
                        acc[o][h][1] = _mm512_dpbusd_epi32(acc[o][h][1], v, p.w[h][2 * t + 1]);
                    }
                }
            }
        }
        let sc = |v: __m512i, h: usize| nw.scaled::<HI_F32>(v, p.scale[h]);
        // The packed bytes hold the four vectors' 16 bytes in order: with
        // the two blocks of one pixel and row side by side, its 32 channels.
        let bytes = |r: [__m512i; 4]| _mm512_permutexvar_epi32(p.order, nw.packed::<SIGNED, HI_DONE>(r));
        let out = |base: *mut u8, o: usize| base.add((x + o) * p.out_stride);
        if TWO {
            for o in 0..N {
                let q = bytes([
                    sc(acc[o][0][0], 0),
                    sc(acc[o][1][0], 1),
                    sc(acc[o][0][1], 0),
                    sc(acc[o][1][1], 1),
                ]);
                _mm256_storeu_si256(out(p.out0, o).cast(), _mm512_castsi512_si256(q));
                _mm256_storeu_si256(out(p.out1, o).cast(), _mm512_extracti64x4_epi64::<1>(q));
            }
        } else {
            let mut o = 0;
            while o < N {
                let o1 = (o + 1).min(N - 1);
                let q = bytes([
                    sc(acc[o][0][0], 0),
                    sc(acc[o][1][0], 1),
                    sc(acc[o1][0][0], 0),
                    sc(acc[o1][1][0], 1),
                ]);
                _mm256_storeu_si256(out(p.out0, o).cast(), _mm512_castsi512_si256(q));
                if o1 > o {
                    _mm256_storeu_si256(out(p.out0, o1).cast(), _mm512_extracti64x4_epi64::<1>(q));
                }
                o += 2;
            }
        }
    }
}
