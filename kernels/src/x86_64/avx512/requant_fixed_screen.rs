//! The f32 screen of the fixed-point requantizing epilogue: TFLite's
//! `RDBPOT(SRDHM(x, m), e)` for right shifts `e ≥ 8`, in four instructions
//! a vector (one FMA, two conversions, one `vptestmd`), exact wherever it
//! answers, and a mask of the lanes it cannot vouch for (then the caller
//! takes the 64-bit path). Its per-column constants come prepared per call
//! (`scalar::requant_fixed_screen_prep`).
//!
//! With `v = x·m / 2^(31+e)` and `g = 2^-(e+1)`, the exact result is
//! `r = floor(v + 1/2 + g)` when `SRDHM ≥ 0`, `floor(v + 1/2 − g)` when it is
//! negative (module docs of `igemm_requant_fixed`; at `SRDHM = 0` both give
//! 0). The screen computes `w = fl(fl(x)·M + C)` (one FMA, round to nearest)
//! with `M = fl(m)·2^-(31+e)` and `C = B + 1/2 + h`, where
//! `B = 256 + zp − lo ∈ [256, 511]` (`screen_offset`, per call), and returns
//! `N = floor(w)` (`vcvtps2dq` rounding down), which is `r + B` wherever it
//! vouches: the caller's zero point carries the `−B`. In the binade
//! `[256, 512)` the floats are the multiples of `2^-15`, so the fraction
//! `w − N` is the low 15 bits of `w`'s encoding; the screen vouches for a
//! lane when one of those bits at or above `T·2^15` is set (one
//! `vptestmd`), i.e. `w − N ≥ T`. Constants, exact in f32: `Ē = 2^-14`,
//! `g' = 2^-(min(e,14)+1) ≥ g` (a multiple of the grid), `h = g' + Ē`,
//! `K = 2g' + 2Ē`, `T = 2^-(min(e,13)−1)`, the power of two with
//! `K ≤ T < 2K`.
//!
//! Proof. If `w ∈ [256, 512)`, then `|v| < 257` and
//! `|w − (v + C)| ≤ 2^-16 + 257·(2u + u²) < Ē` (`u = 2^-24`: the roundings
//! of `x` and `m`, then the FMA's half ulp). A vouched lane has
//! `w ∈ [N + K, N + 1)`, so `v + 1/2 ± g = (v + C) − B − h ± g` lies in
//! `(N − B + K − Ē − h − g, N − B + 1 + Ē − h + g) ⊆ (N − B, N − B + 1)`:
//! `r = N − B` for either sign. If `w < 256` (vouched or not), `N ≤ 255`
//! and `v + C < 256 + Ē`, so `N − B` and `r` are both below `256 − B`:
//! with the zero point both are at most `lo − 1` and clamp to `lo`. If
//! `w ≥ 512`, `N ≥ 512` and `v + C > 512 − Ē`, so both are at least
//! `511 − B`, and with the zero point at least `lo + 255 ≥ hi`: both clamp
//! to `hi` (a byte's bounds are at most 255 apart). `e ≥ 8` keeps
//! `|w| < 2^24` (no `vcvtps2dq` overflow). A lane is vouched for unless its
//! fraction is below `T` (`2^-12` from `e = 13` on: about 1.5% of the
//! 64-lane row pairs; docs/tuning.md, "Fixed-point epilogue: the screen's
//! binade follows the zero point").

use core::arch::x86_64::*;

/// The screen's per-column constants of 16 columns.
#[derive(Clone, Copy)]
pub(crate) struct Screen {
    /// `M = fl(m)·2^-(31+e)`.
    mult: __m512,
    /// `C = B + 1/2 + g' + 2^-14`.
    add: __m512,
    /// The fraction bits at or above `T` (of the low 15).
    frac: __m512i,
}

impl Screen {
    /// The constants of 16 columns prepared by `requant_fixed_screen_prep`
    /// (one block of its layout at `p`).
    ///
    /// # Safety
    ///
    /// `p` readable for `SCREEN_BLOCK` values.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(crate) unsafe fn load(p: *const u32) -> Screen {
        // SAFETY: the caller's: one block readable.
        unsafe {
            Screen {
                mult: _mm512_loadu_ps(p.cast()),
                add: _mm512_loadu_ps(p.add(16).cast()),
                frac: _mm512_loadu_si512(p.add(32).cast()),
            }
        }
    }

    /// `N` per lane (module docs), and `ok` with the lanes the screen does
    /// not vouch for cleared.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(crate) fn apply(&self, x: __m512i, ok: __mmask16) -> (__m512i, __mmask16) {
        const RN: i32 = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
        let xf = _mm512_cvt_roundepi32_ps::<RN>(x);
        let w = _mm512_fmadd_round_ps::<RN>(xf, self.mult, self.add);
        let n = _mm512_cvt_roundps_epi32::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(w);
        (
            n,
            _mm512_mask_test_epi32_mask(ok, _mm512_castps_si512(w), self.frac),
        )
    }
}
