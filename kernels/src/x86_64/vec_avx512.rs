//! AVX-512 (F/BW/VL/DQ) vector helpers shared by the dot-product kernels.
//!
//! Every helper is `#[inline]` and compiled for the AVX-512 level's features,
//! so it inlines into the kernels of that level (and of the VNNI / BF16
//! levels, whose feature sets include these). Tails use masked loads, which
//! never touch (or fault on) the masked-off bytes.

use core::arch::x86_64::*;

/// One vector of f32 lanes.
pub(crate) type F = __m512;
/// f32 lanes per [`F`].
pub(crate) const F_LANES: usize = 16;
/// One vector of integer lanes.
pub(crate) type I = __m512i;
/// i16 lanes per [`I`] (bytes loaded per `ext_*` call).
pub(crate) const I16_LANES: usize = 32;
/// u64 lanes per [`I`].
pub(crate) const U64_LANES: usize = 8;

#[inline]
fn mask16(n: usize) -> __mmask16 {
    debug_assert!(n < 16);
    ((1u32 << n) - 1) as __mmask16
}

#[inline]
fn mask32(n: usize) -> __mmask32 {
    debug_assert!(n < 32);
    ((1u64 << n) - 1) as __mmask32
}

/// All-zero f32 vector.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn fzero() -> F {
    _mm512_setzero_ps()
}

/// `a + b`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn fadd(a: F, b: F) -> F {
    _mm512_add_ps(a, b)
}

/// `a - b`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn fsub(a: F, b: F) -> F {
    _mm512_sub_ps(a, b)
}

/// `a * b + c`, one rounding.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn fmadd(a: F, b: F, c: F) -> F {
    _mm512_fmadd_ps(a, b, c)
}

/// Sum of the lanes (fixed order).
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn fhsum(v: F) -> f32 {
    let lo = _mm512_castps512_ps256(v);
    let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(v)));
    let s = _mm256_add_ps(lo, hi);
    let s = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps::<1>(s));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_movehdup_ps(s));
    _mm_cvtss_f32(s)
}

/// Loads 16 f32.
///
/// # Safety
/// `p` valid for reads of 16 f32.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn load_f32(p: *const f32) -> F {
    // SAFETY: caller guarantees 16 readable f32 (unaligned load).
    unsafe { _mm512_loadu_ps(p) }
}

/// Loads `n < 16` f32, zeros above.
///
/// # Safety
/// `p` valid for reads of `n` f32.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn load_f32_tail(p: *const f32, n: usize) -> F {
    // SAFETY: masked-off lanes are neither read nor faulted on.
    unsafe { _mm512_maskz_loadu_ps(mask16(n), p) }
}

/// Loads 16 bf16 (as raw u16) widened to f32.
///
/// # Safety
/// `p` valid for reads of 16 u16.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub(crate) unsafe fn load_bf16(p: *const u16) -> F {
    // SAFETY: caller guarantees 32 readable bytes.
    let h = unsafe { _mm256_loadu_si256(p as *const __m256i) };
    _mm512_castsi512_ps(_mm512_slli_epi32::<16>(_mm512_cvtepu16_epi32(h)))
}

/// Loads `n < 16` bf16 widened to f32, zeros above.
///
/// # Safety
/// `p` valid for reads of `n` u16.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub(crate) unsafe fn load_bf16_tail(p: *const u16, n: usize) -> F {
    // SAFETY: masked-off lanes are neither read nor faulted on.
    let h = unsafe { _mm256_maskz_loadu_epi16(mask16(n), p as *const i16) };
    _mm512_castsi512_ps(_mm512_slli_epi32::<16>(_mm512_cvtepu16_epi32(h)))
}

/// Loads 16 f16 (as raw u16) converted to f32.
///
/// # Safety
/// `p` valid for reads of 16 u16.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub(crate) unsafe fn load_f16(p: *const u16) -> F {
    // SAFETY: caller guarantees 32 readable bytes.
    let h = unsafe { _mm256_loadu_si256(p as *const __m256i) };
    _mm512_cvtph_ps(h)
}

/// Loads `n < 16` f16 converted to f32, zeros above.
///
/// # Safety
/// `p` valid for reads of `n` u16.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub(crate) unsafe fn load_f16_tail(p: *const u16, n: usize) -> F {
    // SAFETY: masked-off lanes are neither read nor faulted on.
    let h = unsafe { _mm256_maskz_loadu_epi16(mask16(n), p as *const i16) };
    _mm512_cvtph_ps(h)
}

/// All-zero integer vector.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn izero() -> I {
    _mm512_setzero_si512()
}

/// Lane-wise wrapping i32 add.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn add32(a: I, b: I) -> I {
    _mm512_add_epi32(a, b)
}

/// Lane-wise wrapping i16 subtract.
#[inline]
#[target_feature(enable = "avx512bw")]
pub(crate) fn sub16(a: I, b: I) -> I {
    _mm512_sub_epi16(a, b)
}

/// i16 pairs multiplied and summed into i32 (exact: no saturation for our ranges).
#[inline]
#[target_feature(enable = "avx512bw")]
pub(crate) fn madd16(a: I, b: I) -> I {
    _mm512_madd_epi16(a, b)
}

/// Wrapping sum of the i32 lanes.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn hsum32(v: I) -> i32 {
    let s = _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64::<1>(v));
    let s = _mm_add_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256::<1>(s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
    _mm_cvtsi128_si32(s)
}

/// Loads 32 s8 sign-extended to i16.
///
/// # Safety
/// `p` valid for reads of 32 bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
pub(crate) unsafe fn ext_s8(p: *const i8) -> I {
    // SAFETY: caller guarantees 32 readable bytes.
    _mm512_cvtepi8_epi16(unsafe { _mm256_loadu_si256(p as *const __m256i) })
}

/// Loads `n < 32` s8 sign-extended to i16, zeros above.
///
/// # Safety
/// `p` valid for reads of `n` bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub(crate) unsafe fn ext_s8_tail(p: *const i8, n: usize) -> I {
    // SAFETY: masked-off bytes are neither read nor faulted on.
    _mm512_cvtepi8_epi16(unsafe { _mm256_maskz_loadu_epi8(mask32(n), p) })
}

/// Loads 32 u8 zero-extended to i16.
///
/// # Safety
/// `p` valid for reads of 32 bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
pub(crate) unsafe fn ext_u8(p: *const u8) -> I {
    // SAFETY: caller guarantees 32 readable bytes.
    _mm512_cvtepu8_epi16(unsafe { _mm256_loadu_si256(p as *const __m256i) })
}

/// Loads `n < 32` u8 zero-extended to i16, zeros above.
///
/// # Safety
/// `p` valid for reads of `n` bytes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub(crate) unsafe fn ext_u8_tail(p: *const u8, n: usize) -> I {
    // SAFETY: masked-off bytes are neither read nor faulted on.
    _mm512_cvtepu8_epi16(unsafe { _mm256_maskz_loadu_epi8(mask32(n), p as *const i8) })
}

/// Loads 8 u64.
///
/// # Safety
/// `p` valid for reads of 8 u64.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn load_u64(p: *const u64) -> I {
    // SAFETY: caller guarantees 64 readable bytes.
    unsafe { _mm512_loadu_si512(p as *const __m512i) }
}

/// Lane-wise wrapping u64 add.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn add64(a: I, b: I) -> I {
    _mm512_add_epi64(a, b)
}

/// Wrapping sum of the u64 lanes.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn hsum64(v: I) -> u64 {
    _mm512_reduce_add_epi64(v) as u64
}
