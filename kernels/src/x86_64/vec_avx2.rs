//! AVX2 + FMA + F16C vector helpers shared by the dot-product kernels.
//!
//! AVX2 has no byte/word masked loads, so tails are copied into a zeroed
//! stack buffer first (reads stay inside the caller's slice).

use core::arch::x86_64::*;

/// One vector of f32 lanes.
pub(crate) type F = __m256;
/// f32 lanes per [`F`].
pub(crate) const F_LANES: usize = 8;
/// One vector of integer lanes.
pub(crate) type I = __m256i;
/// i16 lanes per [`I`] (bytes loaded per `ext_*` call).
pub(crate) const I16_LANES: usize = 16;
/// u64 lanes per [`I`].
pub(crate) const U64_LANES: usize = 4;

/// Copies `n <= N` elements from `p` into a zero-filled array.
///
/// # Safety
/// `p` valid for reads of `n` elements, `n <= N`.
#[inline(always)]
unsafe fn tail<T: Copy + Default, const N: usize>(p: *const T, n: usize) -> [T; N] {
    let mut buf = [T::default(); N];
    debug_assert!(n <= N);
    // SAFETY: `n` readable elements at `p`, `n <= N` writable in `buf`; no overlap.
    unsafe { core::ptr::copy_nonoverlapping(p, buf.as_mut_ptr(), n) };
    buf
}

/// All-zero f32 vector.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn fzero() -> F {
    _mm256_setzero_ps()
}

/// `a + b`.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn fadd(a: F, b: F) -> F {
    _mm256_add_ps(a, b)
}

/// `a - b`.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn fsub(a: F, b: F) -> F {
    _mm256_sub_ps(a, b)
}

/// `a * b + c`, one rounding.
#[inline]
#[target_feature(enable = "avx2,fma")]
pub(crate) fn fmadd(a: F, b: F, c: F) -> F {
    _mm256_fmadd_ps(a, b, c)
}

/// Sum of the lanes (fixed order).
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn fhsum(v: F) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    let s = _mm_add_ss(s, _mm_movehdup_ps(s));
    _mm_cvtss_f32(s)
}

/// Loads 8 f32.
///
/// # Safety
/// `p` valid for reads of 8 f32.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn load_f32(p: *const f32) -> F {
    // SAFETY: caller guarantees 8 readable f32.
    unsafe { _mm256_loadu_ps(p) }
}

/// Loads `n < 8` f32, zeros above.
///
/// # Safety
/// `p` valid for reads of `n` f32.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn load_f32_tail(p: *const f32, n: usize) -> F {
    // SAFETY: caller guarantees `n` readable f32, n < 8.
    let b: [f32; 8] = unsafe { tail(p, n) };
    // SAFETY: `b` holds 8 f32.
    unsafe { _mm256_loadu_ps(b.as_ptr()) }
}

#[inline]
#[target_feature(enable = "avx2")]
fn widen_bf16(h: __m128i) -> F {
    _mm256_castsi256_ps(_mm256_slli_epi32::<16>(_mm256_cvtepu16_epi32(h)))
}

/// Loads 8 bf16 (as raw u16) widened to f32.
///
/// # Safety
/// `p` valid for reads of 8 u16.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn load_bf16(p: *const u16) -> F {
    // SAFETY: caller guarantees 16 readable bytes.
    widen_bf16(unsafe { _mm_loadu_si128(p as *const __m128i) })
}

/// Loads `n < 8` bf16 widened to f32, zeros above.
///
/// # Safety
/// `p` valid for reads of `n` u16.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn load_bf16_tail(p: *const u16, n: usize) -> F {
    // SAFETY: caller guarantees `n` readable u16, n < 8.
    let b: [u16; 8] = unsafe { tail(p, n) };
    // SAFETY: `b` holds 16 bytes.
    widen_bf16(unsafe { _mm_loadu_si128(b.as_ptr() as *const __m128i) })
}

/// Loads 8 f16 (as raw u16) converted to f32.
///
/// # Safety
/// `p` valid for reads of 8 u16.
#[inline]
#[target_feature(enable = "avx2,f16c")]
pub(crate) unsafe fn load_f16(p: *const u16) -> F {
    // SAFETY: caller guarantees 16 readable bytes.
    _mm256_cvtph_ps(unsafe { _mm_loadu_si128(p as *const __m128i) })
}

/// Loads `n < 8` f16 converted to f32, zeros above.
///
/// # Safety
/// `p` valid for reads of `n` u16.
#[inline]
#[target_feature(enable = "avx2,f16c")]
pub(crate) unsafe fn load_f16_tail(p: *const u16, n: usize) -> F {
    // SAFETY: caller guarantees `n` readable u16, n < 8.
    let b: [u16; 8] = unsafe { tail(p, n) };
    // SAFETY: `b` holds 16 bytes.
    _mm256_cvtph_ps(unsafe { _mm_loadu_si128(b.as_ptr() as *const __m128i) })
}

/// All-zero integer vector.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn izero() -> I {
    _mm256_setzero_si256()
}

/// Lane-wise wrapping i32 add.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn add32(a: I, b: I) -> I {
    _mm256_add_epi32(a, b)
}

/// Lane-wise wrapping i16 subtract.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn sub16(a: I, b: I) -> I {
    _mm256_sub_epi16(a, b)
}

/// i16 pairs multiplied and summed into i32 (exact: no saturation for our ranges).
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn madd16(a: I, b: I) -> I {
    _mm256_madd_epi16(a, b)
}

/// Wrapping sum of the i32 lanes.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn hsum32(v: I) -> i32 {
    let s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
    let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
    _mm_cvtsi128_si32(s)
}

/// Loads 16 s8 sign-extended to i16.
///
/// # Safety
/// `p` valid for reads of 16 bytes.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn ext_s8(p: *const i8) -> I {
    // SAFETY: caller guarantees 16 readable bytes.
    _mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(p as *const __m128i) })
}

/// Loads `n < 16` s8 sign-extended to i16, zeros above.
///
/// # Safety
/// `p` valid for reads of `n` bytes.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn ext_s8_tail(p: *const i8, n: usize) -> I {
    // SAFETY: caller guarantees `n` readable bytes, n < 16.
    let b: [i8; 16] = unsafe { tail(p, n) };
    // SAFETY: `b` holds 16 bytes.
    _mm256_cvtepi8_epi16(unsafe { _mm_loadu_si128(b.as_ptr() as *const __m128i) })
}

/// Loads 16 u8 zero-extended to i16.
///
/// # Safety
/// `p` valid for reads of 16 bytes.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn ext_u8(p: *const u8) -> I {
    // SAFETY: caller guarantees 16 readable bytes.
    _mm256_cvtepu8_epi16(unsafe { _mm_loadu_si128(p as *const __m128i) })
}

/// Loads `n < 16` u8 zero-extended to i16, zeros above.
///
/// # Safety
/// `p` valid for reads of `n` bytes.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn ext_u8_tail(p: *const u8, n: usize) -> I {
    // SAFETY: caller guarantees `n` readable bytes, n < 16.
    let b: [u8; 16] = unsafe { tail(p, n) };
    // SAFETY: `b` holds 16 bytes.
    _mm256_cvtepu8_epi16(unsafe { _mm_loadu_si128(b.as_ptr() as *const __m128i) })
}

/// Loads 4 u64.
///
/// # Safety
/// `p` valid for reads of 4 u64.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn load_u64(p: *const u64) -> I {
    // SAFETY: caller guarantees 32 readable bytes.
    unsafe { _mm256_loadu_si256(p as *const __m256i) }
}

/// Lane-wise wrapping u64 add.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn add64(a: I, b: I) -> I {
    _mm256_add_epi64(a, b)
}

/// Wrapping sum of the u64 lanes.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn hsum64(v: I) -> u64 {
    let mut out = [0u64; 4];
    // SAFETY: `out` holds 32 writable bytes.
    unsafe { _mm256_storeu_si256(out.as_mut_ptr() as *mut __m256i, v) };
    out.iter().fold(0u64, |s, x| s.wrapping_add(*x))
}
