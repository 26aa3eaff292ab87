//! The fused fixed-point requantizing epilogue of the 32-column VNNI INT8
//! GEMM kernels (gemmlowp / TFLite output stage, `TileRequantFixed`).
//!
//! TFLite's two roundings (the doubling high multiply, then the rounding
//! right shift by `e`) fold into one 64-bit floor division: with
//! `p = x·m`, `floor((p + 2^30 + 2^(30+e) − 2^31·[p < −2^30]) / 2^(31+e))`
//! (the last two terms only for `e > 0`) is `RDBPOT(SRDHM(x, m), e)`, bit
//! for bit, whenever `m ≠ i32::MIN`: nested floors of divisions by powers
//! of two compose, and `[p < −2^30]` is `[SRDHM(x, m) < 0]`. So a vector
//! costs two `vpmuldq` (even and odd lanes), their adds, compares, masked
//! subtracts and `vpsravq`, then the same saturating narrowing as the f32
//! epilogue (docs/tuning.md, "Quantization toolkit"). Calls whose columns
//! all shift right by 8 or more go through the f32 screen
//! (`requant_fixed_screen`, constants prepared per call) first, and this
//! path only for the row pairs the screen does not vouch for.

use crate::scalar::igemm_tile_store::TileRequantFixed;
use crate::scalar::requant_fixed_screen_prep::{screen_offset, SCREEN_BLOCK};
use crate::x86_64::avx512::igemm_store_s32_to_q8::{store_rows, widen, Narrow};
use crate::x86_64::avx512::requant_fixed_screen::Screen;
use crate::x86_64::igemm_ops::TileOut;
use core::arch::x86_64::*;

/// The per-column constants of 16 columns, split by 64-bit lane parity.
#[derive(Clone, Copy)]
struct Consts {
    /// `max(shift, 0)` per column (32-bit lanes).
    left: __m512i,
    /// Multipliers, and the odd columns' moved to the even dwords.
    mult: __m512i,
    mult_odd: __m512i,
    /// `2^30 + 2^(30+e)·[e > 0]`, `2^31·[e > 0]` and `31 + e` (64-bit), for
    /// the even and the odd columns.
    add: [__m512i; 2],
    neg: [__m512i; 2],
    sh: [__m512i; 2],
}

impl Consts {
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn load(mult: *const i32, shift: *const i32) -> Consts {
        // SAFETY: the caller's: 16 columns readable.
        let (m, s) = unsafe { (_mm512_loadu_si512(mult.cast()), _mm512_loadu_si512(shift.cast())) };
        let zero = _mm512_setzero_si512();
        let left = _mm512_max_epi32(s, zero);
        let right = _mm512_max_epi32(_mm512_sub_epi32(zero, s), zero);
        // The right shifts zero-extended into 64-bit lanes (they are ≥ 0).
        let lanes = [
            _mm512_and_si512(right, _mm512_set1_epi64(0xffff_ffff)),
            _mm512_srli_epi64::<32>(right),
        ];
        let per = |e: __m512i| {
            let on = _mm512_cmpgt_epi64_mask(e, zero);
            let half = _mm512_set1_epi64(1 << 30);
            let up = _mm512_maskz_sllv_epi64(on, half, e);
            (
                _mm512_add_epi64(half, up),
                _mm512_maskz_mov_epi64(on, _mm512_set1_epi64(1 << 31)),
                _mm512_add_epi64(e, _mm512_set1_epi64(31)),
            )
        };
        let (a0, n0, s0) = per(lanes[0]);
        let (a1, n1, s1) = per(lanes[1]);
        Consts {
            left,
            mult: m,
            mult_odd: _mm512_shuffle_epi32::<0xb1>(m),
            add: [a0, a1],
            neg: [n0, n1],
            sh: [s0, s1],
        }
    }

    /// Whether some column shifts left (a real multiplier of 1 or more).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn any_left(&self) -> bool {
        _mm512_test_epi32_mask(self.left, self.left) != 0
    }

    /// `RDBPOT(SRDHM(v·2^left, m), e)` per lane (module docs); `LEFT`
    /// false only when no column shifts left (then `v·2^0`, no shift).
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn apply<const LEFT: bool>(&self, v: __m512i) -> __m512i {
        let x = if LEFT { _mm512_sllv_epi32(v, self.left) } else { v };
        let lim = _mm512_set1_epi64(-(1 << 30));
        let half = |x: __m512i, m: __m512i, i: usize| {
            let p = _mm512_mul_epi32(x, m);
            let t = _mm512_add_epi64(p, self.add[i]);
            let t = _mm512_mask_sub_epi64(t, _mm512_cmplt_epi64_mask(p, lim), t, self.neg[i]);
            _mm512_srav_epi64(t, self.sh[i])
        };
        let even = half(x, self.mult, 0);
        let odd = half(_mm512_shuffle_epi32::<0xb1>(x), self.mult_odd, 1);
        // Odd results (low dwords of `odd`) into the odd dwords.
        _mm512_mask_shuffle_epi32::<0xb1>(even, 0xaaaa, odd)
    }
}

/// The fused fixed-point requantizing epilogue: rows of the tile held in
/// registers (two zmm, or four ymm widened to two zmm) go to bytes at
/// `rq.out` (row stride `rq.rso`), two rows per 64-byte narrowing. Always
/// inlined, so the sums never leave the registers.
///
/// The kernel's caller guarantees `avx512f,avx512bw`, `rq.mult` and
/// `rq.shift` readable for 32 columns (no multiplier `i32::MIN`, shifts in
/// `[-31, 30]`), `rq.screen` null or holding those columns' screen
/// constants (two blocks of `requant_fixed_screen_prep`), `rq.out + r·rq.rso`
/// writable for 32 bytes (`r < M`), and `rq.lo ≤ rq.hi` with `rq.zp`
/// between them, all three within u8's range or all within i8's.
pub(crate) struct RequantFixed;

/// Row pairs a tile may have (`M ≤ 16`, checked at compile time).
const MAX_PAIRS: usize = 8;

impl TileOut<__m512i, 2> for RequantFixed {
    type Ep = TileRequantFixed;
    const FUSED: bool = true;
    #[inline(always)]
    unsafe fn finish<const M: usize>(sums: [[__m512i; 2]; M], rq: &TileRequantFixed) {
        const { assert!(M <= 2 * MAX_PAIRS) };
        // SAFETY: the kernel's caller's contract (type docs).
        unsafe {
            // Right shifts of 8 or more (the usual case, `rq.screen` set):
            // the f32 screen, whose results exceed the rounded values by
            // `off` (the zero point takes it back).
            let screen = if rq.screen.is_null() {
                None
            } else {
                Some([Screen::load(rq.screen), Screen::load(rq.screen.add(SCREEN_BLOCK))])
            };
            let off = screen_offset(rq.zp, rq.lo);
            let zp = if screen.is_some() { rq.zp - off } else { rq.zp };
            let nw = Narrow::new(zp, rq.lo, rq.hi);
            let signed = rq.hi <= 127;
            // The narrowing saturates monotonically, so it clamps any i32
            // exactly as `clamp(y + zp, lo, hi)` does.
            let bytes = |x: [__m512i; 4]| {
                if signed {
                    nw.bytes::<true, false>(x)
                } else {
                    nw.bytes::<false, false>(x)
                }
            };
            // Stores rows `r` and (when there) `r + 1` of four rounded
            // vectors: two rows of 32 columns, the last odd row twice.
            let put = |r: usize, y: [__m512i; 4]| {
                let q = bytes(y);
                _mm256_storeu_si256(rq.out.add(r * rq.rso).cast(), _mm512_castsi512_si256(q));
                if r + 1 < M {
                    _mm256_storeu_si256(
                        rq.out.add((r + 1) * rq.rso).cast(),
                        _mm512_extracti64x4_epi64::<1>(q),
                    );
                }
            };
            let pair = |r: usize| {
                let r1 = if r + 1 < M { r + 1 } else { r };
                [sums[r][0], sums[r][1], sums[r1][0], sums[r1][1]]
            };
            // A row pair with a lane the screen cannot vouch for puts its
            // sums aside (a cold branch) and is stored again after the loop
            // through the 64-bit path: no sum outlives its pair and nothing
            // indexes the sums at run time, so they stay in registers.
            if let Some(f) = screen {
                let mut aside = core::mem::MaybeUninit::<[[__m512i; 4]; MAX_PAIRS]>::uninit();
                let mut bad = 0u32;
                let mut r = 0;
                while r < M {
                    let x = pair(r);
                    let (y0, ok) = f[0].apply(x[0], 0xffff);
                    let (y1, ok) = f[1].apply(x[1], ok);
                    let (y2, ok) = f[0].apply(x[2], ok);
                    let (y3, ok) = f[1].apply(x[3], ok);
                    if ok != 0xffff {
                        aside.as_mut_ptr().cast::<[__m512i; 4]>().add(r / 2).write(x);
                        bad |= 1 << (r / 2);
                    }
                    put(r, [y0, y1, y2, y3]);
                    r += 2;
                }
                if bad != 0 {
                    let c = [
                        Consts::load(rq.mult, rq.shift),
                        Consts::load(rq.mult.add(16), rq.shift.add(16)),
                    ];
                    while bad != 0 {
                        let p = bad.trailing_zeros() as usize;
                        bad &= bad - 1;
                        // Written above: bit `p` of `bad` was set with it.
                        let x = aside.as_ptr().cast::<[__m512i; 4]>().add(p).read();
                        let off = _mm512_set1_epi32(off);
                        put(
                            2 * p,
                            core::array::from_fn(|i| _mm512_add_epi32(c[i % 2].apply::<false>(x[i]), off)),
                        );
                    }
                }
                return;
            }
            // The 64-bit path's row loop is not unrolled: it reads the sums
            // from a copy in memory made here, so that `sums` itself is only
            // read at constant indices and the screen keeps it in registers.
            let mut copy = core::mem::MaybeUninit::<[[__m512i; 2]; M]>::uninit();
            let sums = copy.write(sums);
            let c0 = Consts::load(rq.mult, rq.shift);
            let c1 = Consts::load(rq.mult.add(16), rq.shift.add(16));
            // Multipliers below 1 (the usual case) shift right only: one
            // instruction less per vector without the left shift.
            if c0.any_left() || c1.any_left() {
                let row = |r: usize| [c0.apply::<true>(sums[r][0]), c1.apply::<true>(sums[r][1])];
                store_rows::<M>(row, bytes, rq.out, rq.rso);
            } else {
                let row = |r: usize| [c0.apply::<false>(sums[r][0]), c1.apply::<false>(sums[r][1])];
                store_rows::<M>(row, bytes, rq.out, rq.rso);
            }
        }
    }
}

impl TileOut<__m256i, 4> for RequantFixed {
    type Ep = TileRequantFixed;
    const FUSED: bool = true;
    #[inline(always)]
    unsafe fn finish<const M: usize>(sums: [[__m256i; 4]; M], rq: &TileRequantFixed) {
        // SAFETY: the kernel's caller's contract (type docs).
        unsafe { <Self as TileOut<__m512i, 2>>::finish(sums.map(|r| widen(r)), rq) }
    }
}
