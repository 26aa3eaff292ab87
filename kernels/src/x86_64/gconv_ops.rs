//! The loop of the grouped-convolution kernels (`gconv_*_16ch`): 16 output
//! channels (one vector) of a run of output pixels, one multiply-add per
//! step (a tap and a 4-byte / one-float slice of the group's input
//! channels) from the expanded input, whose vector of a step already holds
//! each lane's group's input (see `gconv_expand_16_avx512`).
//!
//! Every function here is `#[inline(always)]` without target features of
//! its own: it becomes instructions of the `#[target_feature]` entry point
//! that calls it (the pattern of [`crate::x86_64::igemm_ops`]).
#![allow(clippy::missing_safety_doc)]

use core::arch::x86_64::*;

/// `pixel_runs!(pixels, |x, N| { body })`: `body` over `pixels` output
/// pixels in runs of `N` = 16 while they last, then at most one run each of
/// 8, 4, 2 and 1; `x` is a run's first pixel and `N` a constant, so every
/// run is its own register-blocked copy.
macro_rules! pixel_runs {
    ($pixels:expr, |$x:ident, $n:ident| $body:block) => {{
        let pixels: usize = $pixels;
        let mut $x = 0;
        while $x + 16 <= pixels {
            const $n: usize = 16;
            $body
            $x += 16;
        }
        pixel_runs!(@rest pixels, $x, $n, $body; 8 4 2 1);
    }};
    (@rest $pixels:ident, $x:ident, $n:ident, $body:block; $($k:literal)*) => {$(
        if $pixels - $x >= $k {
            const $n: usize = $k;
            $body
            $x += $k;
        }
    )*};
}

/// One lane-wise multiply-add of the 16-lane accumulator: `vpdpbusd` (u8
/// activations × s8 weights into s32) or an f32 FMA.
pub(crate) trait GconvStep {
    /// The accumulator / weight vector.
    type V: Copy;
    /// What the output and the start values are made of (i32 or f32).
    type Out;
    /// What a finished accumulator goes through before its store.
    type Ep: Copy;
    /// 64 bytes at `p` (unaligned): weights, start values.
    unsafe fn load(p: *const u8) -> Self::V;
    /// `acc + w·x` with `x` the 64 bytes at `p`.
    unsafe fn step(acc: Self::V, w: Self::V, p: *const u8) -> Self::V;
    /// Stores the 16 lanes at `p` (unaligned) through the epilogue.
    unsafe fn store(p: *mut Self::Out, v: Self::V, ep: Self::Ep);
}

/// `vpdpbusd`: u8 × s8 in 4-byte groups, summed into s32 lanes.
pub(crate) struct Dpbusd;

impl GconvStep for Dpbusd {
    type V = __m512i;
    type Out = i32;
    type Ep = ();
    #[inline(always)]
    unsafe fn load(p: *const u8) -> __m512i {
        // SAFETY: the caller's (avx512f, 64 readable bytes).
        unsafe { _mm512_loadu_si512(p.cast()) }
    }
    #[inline(always)]
    unsafe fn step(acc: __m512i, w: __m512i, p: *const u8) -> __m512i {
        // SAFETY: the caller's (avx512vnni, 64 readable bytes).
        unsafe { _mm512_dpbusd_epi32(acc, _mm512_loadu_si512(p.cast()), w) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut i32, v: __m512i, _: ()) {
        // SAFETY: the caller's.
        unsafe { _mm512_storeu_si512(p.cast(), v) }
    }
}

/// `vpdpbusd`, its s32 results requantized to 8 bits in the store, as
/// igemm's pipeline does it (`requantize_tile`): `y = (v as f32)·scale`
/// clamped to `[lo − zp, hi − zp]`, rounded half to even (adding 1.5·2²³),
/// plus `zp`, narrowed to a byte.
pub(crate) struct DpbusdQ8;

/// [`DpbusdQ8`]'s per-lane scale, bounds (less the zero point) and zero point.
#[derive(Clone, Copy)]
pub(crate) struct Q8Ep {
    pub(crate) scale: __m512,
    pub(crate) flo: __m512,
    pub(crate) fhi: __m512,
    pub(crate) zp: __m512i,
}

impl Q8Ep {
    /// The 16 scales at `scale`, the output's zero point and bounds.
    ///
    /// Safety: the CPU has avx512f; 16 f32 readable at `scale`.
    #[inline(always)]
    pub(crate) unsafe fn new(scale: *const f32, (zp, lo, hi): (i32, i32, i32)) -> Q8Ep {
        // SAFETY: the caller's.
        unsafe {
            Q8Ep {
                scale: _mm512_loadu_ps(scale),
                flo: _mm512_set1_ps((lo - zp) as f32),
                fhi: _mm512_set1_ps((hi - zp) as f32),
                zp: _mm512_set1_epi32(zp),
            }
        }
    }
}

impl GconvStep for DpbusdQ8 {
    type V = __m512i;
    type Out = u8;
    type Ep = Q8Ep;
    #[inline(always)]
    unsafe fn load(p: *const u8) -> __m512i {
        // SAFETY: the caller's.
        unsafe { Dpbusd::load(p) }
    }
    #[inline(always)]
    unsafe fn step(acc: __m512i, w: __m512i, p: *const u8) -> __m512i {
        // SAFETY: the caller's.
        unsafe { Dpbusd::step(acc, w, p) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut u8, v: __m512i, ep: Q8Ep) {
        // SAFETY: the caller's (avx512f, 16 writable bytes). |y| ≤ 510 after
        // the clamp, so the magic add leaves the rounded value in the low bits.
        unsafe {
            let y = _mm512_mul_ps(_mm512_cvtepi32_ps(v), ep.scale);
            let y = _mm512_min_ps(_mm512_max_ps(y, ep.flo), ep.fhi);
            let r = _mm512_castps_si512(_mm512_add_ps(y, _mm512_set1_ps(12_582_912.0)));
            let r = _mm512_add_epi32(_mm512_sub_epi32(r, _mm512_set1_epi32(0x4B40_0000)), ep.zp);
            _mm_storeu_si128(p.cast(), _mm512_cvtepi32_epi8(r));
        }
    }
}

/// f32 fused multiply-add.
pub(crate) struct Fma;

impl GconvStep for Fma {
    type V = __m512;
    type Out = f32;
    /// `(lo, hi)`: `min(max(v, lo), hi)`, as `f32::max`/`min` (lo and hi not NaN).
    type Ep = Option<(__m512, __m512)>;
    #[inline(always)]
    unsafe fn load(p: *const u8) -> __m512 {
        // SAFETY: the caller's (avx512f, 64 readable bytes).
        unsafe { _mm512_loadu_ps(p.cast()) }
    }
    #[inline(always)]
    unsafe fn step(acc: __m512, w: __m512, p: *const u8) -> __m512 {
        // SAFETY: the caller's (avx512f, 64 readable bytes).
        unsafe { _mm512_fmadd_ps(w, _mm512_loadu_ps(p.cast()), acc) }
    }
    #[inline(always)]
    unsafe fn store(p: *mut f32, v: __m512, ep: Self::Ep) {
        // SAFETY: the caller's. `max_ps(v, lo)` gives `lo` for a NaN `v`, as `f32::max`.
        unsafe {
            let v = match ep {
                Some((lo, hi)) => _mm512_min_ps(_mm512_max_ps(v, lo), hi),
                None => v,
            };
            _mm512_storeu_ps(p, v)
        }
    }
}

/// `N` output pixels: `out[n·ldo + l] = init[l] + Σ_s w[s][l]·x[s][n][l]`
/// with `x[s][n]` the 64 bytes at `src + offs[s] + n·ps`; `PS`, when not
/// 0, is `ps` known at compile time (then each pixel's load is one
/// constant displacement from the step's address, no pointer per pixel).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn pixels<S: GconvStep, const N: usize, const PS: usize>(
    offs: &[usize],
    src: *const u8,
    ps: usize,
    w: *const u8,
    init: *const u8,
    out: *mut S::Out,
    ldo: usize,
    ep: S::Ep,
) {
    let ps = if PS == 0 { ps } else { PS };
    // SAFETY: the caller's contract (see `gconv_row`).
    unsafe {
        let start = S::load(init.cast());
        let mut acc = [start; N];
        for (s, &o) in offs.iter().enumerate() {
            let wv = S::load(w.add(64 * s));
            let p = src.add(o);
            for (n, a) in acc.iter_mut().enumerate() {
                *a = S::step(*a, wv, p.add(n * ps));
            }
        }
        for (n, &a) in acc.iter().enumerate() {
            S::store(out.add(n * ldo), a, ep);
        }
    }
}

/// `pixels` output pixels, 16 at a time (16 accumulators and the weight
/// fill 17 of the 32 registers), the rest by 8, 4, 2, 1.
///
/// Safety: the CPU has `S`'s features; for every step `s < offs.len()` and
/// pixel `n < pixels`, 64 bytes at `src + offs[s] + n·ps` and at
/// `w + 64·s` are readable, 64 at `init`; 16 values at `out + n·ldo` writable.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn gconv_row<S: GconvStep>(
    offs: &[usize],
    src: *const u8,
    ps: usize,
    pixels: usize,
    w: *const u8,
    init: *const u8,
    out: *mut S::Out,
    ldo: usize,
    ep: S::Ep,
) {
    // Stride-1 rows of the expanded input: consecutive 64-byte vectors.
    // SAFETY: the caller's contract.
    unsafe {
        match ps {
            64 => row::<S, 64>(offs, src, ps, pixels, w, init, out, ldo, ep),
            _ => row::<S, 0>(offs, src, ps, pixels, w, init, out, ldo, ep),
        }
    }
}

/// [`gconv_row`] with `PS` as in [`pixels`].
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn row<S: GconvStep, const PS: usize>(
    offs: &[usize],
    src: *const u8,
    ps: usize,
    pixels: usize,
    w: *const u8,
    init: *const u8,
    out: *mut S::Out,
    ldo: usize,
    ep: S::Ep,
) {
    // SAFETY: each run covers pixels x .. x + N ≤ `pixels` (the caller's).
    unsafe {
        pixel_runs!(pixels, |x, N| {
            self::pixels::<S, N, PS>(offs, src.add(x * ps), ps, w, init, out.add(x * ldo), ldo, ep);
        });
    }
}
