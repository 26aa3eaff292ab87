//! The f32 screen of the fixed-point requantizing epilogue: TFLite's
//! `RDBPOT(SRDHM(x, m), e)` for right shifts `e ≥ 8`, in five f32
//! instructions a vector, exact wherever it answers, and a mask of the lanes
//! it cannot vouch for (then the caller takes the 64-bit path).
//!
//! With `v = x·m / 2^(31+e)` and `g = 2^-(e+1)`, the exact result is
//! `r = floor(v + 1/2 + g)` when `SRDHM ≥ 0`, `floor(v + 1/2 − g)` when it is
//! negative (module docs of `igemm_requant_fixed`; at `SRDHM = 0` both give
//! 0). The screen computes `w = fl(fl(x)·M + C)` (one FMA, round to nearest)
//! with `M = fl(m)·2^-(31+e)` and `C = 1/2 + h`, returns `N = floor(w)`, and
//! vouches for a lane when `d = w − N ≥ K`, with `g' = 2^-(min(e,22)+1) ≥ g`,
//! `Ē = 2^-13`, `h = g' + Ē`, `K = 2g' + 2Ē` (all exact in f32).
//!
//! Proof. If `|v| ≤ 512`, `|w − (v + C)| ≤ 512·(3u + 3u² + u³) + u < Ē`
//! (`u = 2^-24`: three roundings, of `x`, `m` and the FMA). A vouched lane
//! has `w ∈ [N + K, N + 1)`, so `v + 1/2 ± g = (v + C) − h ± g` lies in
//! `(N + K − Ē − h − g, N + 1 + Ē − h + g) ⊆ (N, N + 1)`: `r = N` for either
//! sign. If `|v| > 512`, `N` and `r` are both beyond ±511 with `v`'s sign,
//! and `+ zp` (`|zp| ≤ 255`) leaves both outside every byte range: the same
//! clamped byte. `e ≥ 1` keeps `|w| ≤ 2^30 + 1` (no `vcvtps2dq` overflow).
//! A lane is vouched for unless `v + 1/2` is within about `2^-e + 2^-12` of
//! an integer, so `e ≥ 8` keeps the 64-bit path rare (docs/tuning.md,
//! "Fixed-point epilogue, f32 screen").

use core::arch::x86_64::*;

/// The smallest right shift the screen serves.
const E_MIN: i32 = 8;

/// The screen's per-column constants of 16 columns.
#[derive(Clone, Copy)]
pub(crate) struct Screen {
    /// `M = fl(m)·2^-(31+e)`.
    mult: __m512,
    /// `C = 1/2 + g' + 2^-13`.
    add: __m512,
    /// `K = 2g' + 2^-12`.
    min_frac: __m512,
}

impl Screen {
    /// The constants of columns `mult[0..16]`, `shift[0..16]`, or `None`
    /// when some shift is not a right shift of at least [`E_MIN`].
    ///
    /// # Safety
    ///
    /// `mult` and `shift` readable for 16 values; shifts in `[-31, 30]`.
    #[target_feature(enable = "avx512f")]
    #[inline]
    pub(crate) unsafe fn load(mult: *const i32, shift: *const i32) -> Option<Screen> {
        // SAFETY: the caller's: 16 columns readable.
        let (m, s) = unsafe { (_mm512_loadu_si512(mult.cast()), _mm512_loadu_si512(shift.cast())) };
        if _mm512_cmple_epi32_mask(s, _mm512_set1_epi32(-E_MIN)) != 0xffff {
            return None;
        }
        // Powers of two from their biased exponents: 2^-(31+e) has
        // 127 − 31 − e = 96 + shift, g' has 126 − min(e, 22).
        let pow2 = |biased: __m512i| _mm512_castsi512_ps(_mm512_slli_epi32::<23>(biased));
        let scale = pow2(_mm512_add_epi32(s, _mm512_set1_epi32(96)));
        let g = pow2(_mm512_max_epi32(
            _mm512_add_epi32(s, _mm512_set1_epi32(126)),
            _mm512_set1_epi32(104),
        ));
        let mult = _mm512_mul_ps(
            _mm512_cvt_roundepi32_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(m),
            scale,
        );
        let e13 = 1.0 / 8192.0;
        Some(Screen {
            mult,
            add: _mm512_add_ps(g, _mm512_set1_ps(0.5 + e13)),
            min_frac: _mm512_add_ps(_mm512_add_ps(g, g), _mm512_set1_ps(2.0 * e13)),
        })
    }

    /// `N` per lane (module docs), and `ok` with the lanes the screen does
    /// not vouch for cleared.
    #[target_feature(enable = "avx512f,avx512dq")]
    #[inline]
    pub(crate) fn apply(&self, x: __m512i, ok: __mmask16) -> (__m512i, __mmask16) {
        const RN: i32 = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
        let xf = _mm512_cvt_roundepi32_ps::<RN>(x);
        let w = _mm512_fmadd_round_ps::<RN>(xf, self.mult, self.add);
        let n = _mm512_cvt_roundps_epi32::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(w);
        // `w − floor(w)`, exact (round-down reduction, no fraction bits kept).
        let d = _mm512_reduce_ps::<{ _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC }>(w);
        (n, _mm512_mask_cmp_ps_mask::<_CMP_GE_OQ>(ok, d, self.min_frac))
    }
}
