//! The requantizing narrowing of igemm's byte stores (scale in f32, round,
//! saturating packs s32 → s16, `+ zp`, packs to bytes, `lo`/`hi` on the
//! bytes), written once for any vector width: zmm for igemm's stores
//! ([`crate::x86_64::avx512::igemm_store_s32_to_q8::Narrow`]), ymm for the
//! stride-2 depthwise patch store, whose lane order is what the in-lane
//! packs want.
//!
//! Every function here is `#[inline(always)]` without target features of
//! its own: it becomes instructions of the `#[target_feature]` function
//! that calls it, which must have the width's features (AVX-512 F/BW for
//! zmm, AVX2 for ymm).
#![allow(clippy::missing_safety_doc)]

use core::arch::x86_64::*;

/// One vector width's instructions for [`NarrowBy`].
pub(crate) trait NarrowLanes: Copy {
    /// The f32 vector of the same width.
    type F: Copy;
    /// `x` in every f32 lane.
    unsafe fn splat_f32(x: f32) -> Self::F;
    /// `x` in every s16 lane.
    unsafe fn splat_i16(x: i16) -> Self;
    /// `x` in every byte.
    unsafe fn splat_i8(x: i8) -> Self;
    /// `(v as f32)·s`, lowered to `fhi` when `HI_F32`, rounded half to even.
    unsafe fn scaled<const HI_F32: bool>(v: Self, s: Self::F, fhi: Self::F) -> Self;
    /// `vpackssdw`.
    unsafe fn packs_i32(a: Self, b: Self) -> Self;
    /// `vpaddsw`.
    unsafe fn adds_i16(a: Self, b: Self) -> Self;
    /// `vpacksswb` (`SIGNED`) or `vpackuswb`.
    unsafe fn packs_i16<const SIGNED: bool>(a: Self, b: Self) -> Self;
    /// Bytewise maximum, signed or unsigned.
    unsafe fn max_8<const SIGNED: bool>(a: Self, b: Self) -> Self;
    /// Bytewise minimum, signed or unsigned.
    unsafe fn min_8<const SIGNED: bool>(a: Self, b: Self) -> Self;
}

/// The impl for one width, from its intrinsics (named after the 256-bit
/// ones they stand for); `round` converts f32 to s32 rounding half to even.
macro_rules! narrow_lanes {
    ($v:ty, $f:ty {
        set1_ps: $set1_ps:path, set1_epi16: $set1_epi16:path, set1_epi8: $set1_epi8:path,
        cvtepi32_ps: $cvt:path, mul_ps: $mul:path, min_ps: $min_ps:path, round: $round:expr,
        packs_epi32: $packs32:path, adds_epi16: $adds16:path,
        packs_epi16: $packs16:path, packus_epi16: $packus16:path,
        max_epi8: $max_i8:path, max_epu8: $max_u8:path, min_epi8: $min_i8:path, min_epu8: $min_u8:path $(,)?
    }) => {
        impl NarrowLanes for $v {
            type F = $f;
            #[inline(always)]
            unsafe fn splat_f32(x: f32) -> $f {
                // SAFETY: the caller's width features (module docs), here and below.
                unsafe { $set1_ps(x) }
            }
            #[inline(always)]
            unsafe fn splat_i16(x: i16) -> $v {
                // SAFETY: as above.
                unsafe { $set1_epi16(x) }
            }
            #[inline(always)]
            unsafe fn splat_i8(x: i8) -> $v {
                // SAFETY: as above.
                unsafe { $set1_epi8(x) }
            }
            #[inline(always)]
            unsafe fn scaled<const HI_F32: bool>(v: $v, s: $f, fhi: $f) -> $v {
                // SAFETY: as above.
                unsafe {
                    let mut y = $mul($cvt(v), s);
                    if HI_F32 {
                        y = $min_ps(y, fhi);
                    }
                    $round(y)
                }
            }
            #[inline(always)]
            unsafe fn packs_i32(a: $v, b: $v) -> $v {
                // SAFETY: as above.
                unsafe { $packs32(a, b) }
            }
            #[inline(always)]
            unsafe fn adds_i16(a: $v, b: $v) -> $v {
                // SAFETY: as above.
                unsafe { $adds16(a, b) }
            }
            #[inline(always)]
            unsafe fn packs_i16<const SIGNED: bool>(a: $v, b: $v) -> $v {
                // SAFETY: as above.
                unsafe {
                    if SIGNED {
                        $packs16(a, b)
                    } else {
                        $packus16(a, b)
                    }
                }
            }
            #[inline(always)]
            unsafe fn max_8<const SIGNED: bool>(a: $v, b: $v) -> $v {
                // SAFETY: as above.
                unsafe {
                    if SIGNED {
                        $max_i8(a, b)
                    } else {
                        $max_u8(a, b)
                    }
                }
            }
            #[inline(always)]
            unsafe fn min_8<const SIGNED: bool>(a: $v, b: $v) -> $v {
                // SAFETY: as above.
                unsafe {
                    if SIGNED {
                        $min_i8(a, b)
                    } else {
                        $min_u8(a, b)
                    }
                }
            }
        }
    };
}

narrow_lanes!(
    __m512i,
    __m512 {
        set1_ps: _mm512_set1_ps,
        set1_epi16: _mm512_set1_epi16,
        set1_epi8: _mm512_set1_epi8,
        cvtepi32_ps: _mm512_cvtepi32_ps,
        mul_ps: _mm512_mul_ps,
        min_ps: _mm512_min_ps,
        round: _mm512_cvt_roundps_epi32::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>,
        packs_epi32: _mm512_packs_epi32,
        adds_epi16: _mm512_adds_epi16,
        packs_epi16: _mm512_packs_epi16,
        packus_epi16: _mm512_packus_epi16,
        max_epi8: _mm512_max_epi8,
        max_epu8: _mm512_max_epu8,
        min_epi8: _mm512_min_epi8,
        min_epu8: _mm512_min_epu8,
    }
);

// `vcvtps2dq` rounds half to even under the default MXCSR.
narrow_lanes!(
    __m256i,
    __m256 {
        set1_ps: _mm256_set1_ps,
        set1_epi16: _mm256_set1_epi16,
        set1_epi8: _mm256_set1_epi8,
        cvtepi32_ps: _mm256_cvtepi32_ps,
        mul_ps: _mm256_mul_ps,
        min_ps: _mm256_min_ps,
        round: _mm256_cvtps_epi32,
        packs_epi32: _mm256_packs_epi32,
        adds_epi16: _mm256_adds_epi16,
        packs_epi16: _mm256_packs_epi16,
        packus_epi16: _mm256_packus_epi16,
        max_epi8: _mm256_max_epi8,
        max_epu8: _mm256_max_epu8,
        min_epi8: _mm256_min_epi8,
        min_epu8: _mm256_min_epu8,
    }
);

/// The narrowing's constants at one width: `hi − zp` (f32), `zp` (s16),
/// `lo` and `hi` (bytes).
#[derive(Clone, Copy)]
pub(crate) struct NarrowBy<V: NarrowLanes> {
    fhi: V::F,
    zp16: V,
    vlo: V,
    vhi: V,
}

impl<V: NarrowLanes> NarrowBy<V> {
    /// For output bounds `[lo, hi]` and zero point `zp`.
    #[inline(always)]
    pub(crate) unsafe fn new(zp: i32, lo: i32, hi: i32) -> Self {
        // SAFETY: the caller's width features.
        unsafe {
            NarrowBy {
                fhi: V::splat_f32((hi - zp) as f32),
                zp16: V::splat_i16(zp as i16),
                vlo: V::splat_i8(lo as i8),
                vhi: V::splat_i8(hi as i8),
            }
        }
    }

    /// `round(min((v as f32)·s, hi − zp))`, without the minimum when not
    /// `HI_F32` (see [`crate::x86_64::avx512::igemm_store_s32_to_q8::Narrow::scaled`]).
    #[inline(always)]
    pub(crate) unsafe fn scaled<const HI_F32: bool>(&self, v: V, s: V::F) -> V {
        // SAFETY: the caller's width features.
        unsafe { V::scaled::<HI_F32>(v, s, self.fhi) }
    }

    /// Four rounded vectors → bytes, each 128-bit lane holding the lane's
    /// bytes of `r[0]`, `r[1]`, `r[2]`, `r[3]` in that order: packed to s16
    /// with saturation, `+ zp` saturating, packed to 8 bits with saturation
    /// (signed or unsigned), raised to `lo` and, unless `HI_F32`, lowered
    /// to `hi` (see [`crate::x86_64::avx512::igemm_store_s32_to_q8::Narrow::bytes`]
    /// for why this equals clamping in f32 first).
    #[inline(always)]
    pub(crate) unsafe fn packed<const SIGNED: bool, const HI_F32: bool>(&self, r: [V; 4]) -> V {
        // SAFETY: the caller's width features.
        unsafe {
            let p01 = V::adds_i16(V::packs_i32(r[0], r[1]), self.zp16);
            let p23 = V::adds_i16(V::packs_i32(r[2], r[3]), self.zp16);
            let q = V::max_8::<SIGNED>(V::packs_i16::<SIGNED>(p01, p23), self.vlo);
            if HI_F32 {
                q
            } else {
                V::min_8::<SIGNED>(q, self.vhi)
            }
        }
    }
}
