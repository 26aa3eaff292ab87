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
        if q.lo == q.zp {
            let top = _mm512_set1_epi8((q.hi - q.zp) as u8 as i8);
            let zp = _mm512_set1_epi8(q.zp as i8);
            return if small {
                pairs(a, q, nw, FromZp::<false> { top, zp }, order)
            } else {
                pairs(a, q, nw, FromZp::<true> { top, zp }, order)
            };
        }
        // No byte minimum where `hi` is the packed type's maximum: the
        // saturating pack already applied it.
        let top = q.hi == 127 || q.hi == 255;
        match (q.hi <= 127, small, top) {
            (true, true, false) => pairs::<Clamped<true, false, false>>(a, q, nw, Clamped(nw), order),
            (true, true, true) => pairs::<Clamped<true, false, true>>(a, q, nw, Clamped(nw), order),
            (true, false, _) => pairs::<Clamped<true, true, true>>(a, q, nw, Clamped(nw), order),
            (false, true, false) => pairs::<Clamped<false, false, false>>(a, q, nw, Clamped(nw), order),
            (false, true, true) => pairs::<Clamped<false, false, true>>(a, q, nw, Clamped(nw), order),
            (false, false, _) => pairs::<Clamped<false, true, true>>(a, q, nw, Clamped(nw), order),
        }
    }
}
}

/// How the pair kernel turns four rounded vectors into bytes (in
/// [`Narrow::packed`]'s dword order), and whether `hi` was applied in f32.
trait PairBytes: Copy {
    /// `hi` applied in f32 before rounding ([`Narrow::scaled`]).
    const HI_F32: bool;
    /// The bytes of `clamp(r + zp, lo, hi)`, lane by lane.
    unsafe fn packed(&self, r: [__m512i; 4]) -> __m512i;
}

/// Any bounds: [`Narrow::packed`] (`+ zp` saturating in s16, then the
/// bounds on the bytes; `HI_DONE`: `hi` is the packed type's maximum).
#[derive(Clone, Copy)]
struct Clamped<const SIGNED: bool, const HI_F32: bool, const HI_DONE: bool>(Narrow);

impl<const SIGNED: bool, const HI_F32: bool, const HI_DONE: bool> PairBytes
    for Clamped<SIGNED, HI_F32, HI_DONE>
{
    const HI_F32: bool = HI_F32;
    #[inline(always)]
    unsafe fn packed(&self, r: [__m512i; 4]) -> __m512i {
        // SAFETY: the kernel's features (zmm).
        unsafe { self.0.packed::<SIGNED, HI_DONE>(r) }
    }
}

/// `lo = zp` (ReLU): `clamp(r + zp, zp, hi) = zp + clamp(r, 0, hi − zp)`,
/// so the unsigned packs (`clamp(r, 0, 255)`), one byte minimum and a
/// wrapping byte add give the bytes, for u8 or s8 alike. No saturating s16
/// add: on Zen 4 `vpaddsw` takes the two pipes `vpdpbusd` runs on, the
/// byte add and minimum do not (docs/tuning.md).
#[derive(Clone, Copy)]
struct FromZp<const HI_F32: bool> {
    /// `hi − zp` in every byte.
    top: __m512i,
    /// `zp` in every byte.
    zp: __m512i,
}

impl<const HI_F32: bool> PairBytes for FromZp<HI_F32> {
    const HI_F32: bool = HI_F32;
    #[inline(always)]
    unsafe fn packed(&self, r: [__m512i; 4]) -> __m512i {
        // SAFETY: the kernel's features (zmm).
        unsafe {
            let p = _mm512_packus_epi16(_mm512_packs_epi32(r[0], r[1]), _mm512_packs_epi32(r[2], r[3]));
            // With `hi` applied in f32, no rounded value exceeds `hi − zp`.
            let p = if HI_F32 { p } else { _mm512_min_epu8(p, self.top) };
            _mm512_add_epi8(p, self.zp)
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
unsafe fn pairs<B: PairBytes>(a: &DwStack3x3<u8>, q: &DwStackQ8, nw: Narrow, pb: B, order: __m512i) {
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
                (1, false) => row::<B, 1, true>(&p, a.ow, nw, pb),
                (1, true) => row::<B, 1, false>(&p, a.ow, nw, pb),
                (_, false) => row::<B, 2, true>(&p, a.ow, nw, pb),
                (_, true) => row::<B, 2, false>(&p, a.ow, nw, pb),
            }
        }
    }
}

#[inline(always)]
unsafe fn row<B: PairBytes, const ST: usize, const TWO: bool>(p: &Pair, ow: usize, nw: Narrow, pb: B) {
    // SAFETY: as for `pairs`.
    unsafe {
        if TWO && ow > 0 {
            // Pixel `x + 1`'s sums are issued before pixel `x`'s store, so
            // the store's chain overlaps the next `vpdpbusd`s.
            let mut acc = sums::<1, ST, TWO>(p, 0);
            for x in 0..ow - 1 {
                let next = sums::<1, ST, TWO>(p, x + 1);
                store::<B, 1, TWO>(p, x, nw, pb, &acc);
                acc = next;
            }
            store::<B, 1, TWO>(p, ow - 1, nw, pb, &acc);
            return;
        }
        let mut x = 0;
        while x + 2 <= ow {
            block::<B, 2, ST, TWO>(p, x, nw, pb);
            x += 2;
        }
        if x < ow {
            block::<B, 1, ST, TWO>(p, x, nw, pb);
        }
    }
}

/// Outputs `x..x + N` of both halves: tap `t` of output `o` is stacked
/// pixel `o·ST + t`, loaded once for both rows.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn block<B: PairBytes, const N: usize, const ST: usize, const TWO: bool>(
    p: &Pair,
    x: usize,
    nw: Narrow,
    pb: B,
) {
    // SAFETY: as for `sums` and `store`.
    unsafe { store::<B, N, TWO>(p, x, nw, pb, &sums::<N, ST, TWO>(p, x)) }
}

/// The sums `acc[o][h][row]` of outputs `x..x + N`.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn sums<const N: usize, const ST: usize, const TWO: bool>(
    p: &Pair,
    x: usize,
) -> [[[__m512i; 2]; 2]; N] {
    // SAFETY: pixels `x·ST .. (x + N − 1)·ST + 3` of both halves lie inside
    // the caller's buffers.
    unsafe {
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
        acc
    }
}

/// Requantizes and stores outputs `x..x + N` from their sums.
#[allow(clippy::needless_range_loop)]
#[inline(always)]
unsafe fn store<B: PairBytes, const N: usize, const TWO: bool>(
    p: &Pair,
    x: usize,
    nw: Narrow,
    pb: B,
    acc: &[[[__m512i; 2]; 2]; N],
) {
    // SAFETY: outputs `x..x + N` lie inside the caller's buffers.
    unsafe {
        let sc = |v: __m512i, h: usize| {
            if B::HI_F32 {
                nw.scaled::<true>(v, p.scale[h])
            } else {
                nw.scaled::<false>(v, p.scale[h])
            }
        };
        // The packed bytes hold the four vectors' 16 bytes in order: with
        // the two blocks of one pixel and row side by side, its 32 channels.
        let bytes = |r: [__m512i; 4]| _mm512_permutexvar_epi32(p.order, pb.packed(r));
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
