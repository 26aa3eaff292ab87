//! AVX2 operations for the shared BF16 tile kernel macro: B pairs widened to
//! f32 (odd and even elements apart), two FMAs per pair, each flushed.

use core::arch::x86_64::*;

/// 8 f32 lanes.
pub(crate) type F = __m256;
/// One A pair broadcast, as (odd, even) f32.
pub(crate) type A = (F, F);
/// 8 B pairs as (odd, even) f32.
pub(crate) type B = (F, F);

/// +0.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn zero() -> F {
    _mm256_setzero_ps()
}

/// 32-bit words of two bf16 (element `2q` low) as (odd, even) f32.
#[inline]
#[target_feature(enable = "avx2")]
fn split(w: __m256i) -> (F, F) {
    let odd = _mm256_and_si256(w, _mm256_set1_epi32(0xffff_0000u32 as i32));
    (
        _mm256_castsi256_ps(odd),
        _mm256_castsi256_ps(_mm256_slli_epi32::<16>(w)),
    )
}

/// Broadcasts the A pair at `p`.
///
/// # Safety
/// `p` valid for one (unaligned) u32 read.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn splat_a(p: *const u32) -> A {
    // SAFETY: the caller guarantees `p` is readable.
    split(_mm256_set1_epi32(unsafe { p.read_unaligned() } as i32))
}

/// Loads the 8 B pairs at `p`.
///
/// # Safety
/// `p` valid for 16 u16 reads.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn load_b(p: *const u16) -> B {
    // SAFETY: the caller guarantees 32 readable bytes.
    split(unsafe { _mm256_loadu_si256(p as *const __m256i) })
}

/// Subnormal lanes as zeros of their sign: |x| < the least normal (NaN
/// compares false) clears the magnitude bits.
#[inline]
#[target_feature(enable = "avx2")]
fn ftz(x: F) -> F {
    let mag = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fff_ffff));
    let tiny = _mm256_cmp_ps::<_CMP_LT_OQ>(_mm256_and_ps(x, mag), _mm256_set1_ps(f32::MIN_POSITIVE));
    _mm256_andnot_ps(_mm256_and_ps(tiny, mag), x)
}

/// Odd products, then even ones, into `acc` (as `vdpbf16ps`).
#[inline]
#[target_feature(enable = "avx2,fma")]
pub(crate) fn dp(acc: F, a: A, b: B) -> F {
    ftz(_mm256_fmadd_ps(a.1, b.1, ftz(_mm256_fmadd_ps(a.0, b.0, acc))))
}

/// Broadcasts `x`.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn splat(x: f32) -> F {
    _mm256_set1_ps(x)
}

/// `a·b`.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn mul(a: F, b: F) -> F {
    _mm256_mul_ps(a, b)
}

/// `a + b`.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) fn add(a: F, b: F) -> F {
    _mm256_add_ps(a, b)
}

/// Loads 8 f32.
///
/// # Safety
/// `p` valid for 8 f32 reads.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn load(p: *const f32) -> F {
    // SAFETY: the caller guarantees 8 readable f32.
    unsafe { _mm256_loadu_ps(p) }
}

/// Stores 8 f32.
///
/// # Safety
/// `p` valid for 8 f32 writes.
#[inline]
#[target_feature(enable = "avx2")]
pub(crate) unsafe fn store(p: *mut f32, v: F) {
    // SAFETY: the caller guarantees 8 writable f32.
    unsafe { _mm256_storeu_ps(p, v) }
}
