//! AVX-512F operations for the shared BF16 tile kernel macro: B pairs widened
//! to f32 (odd and even elements apart), two FMAs per pair, each flushed.

use core::arch::x86_64::*;

/// 16 f32 lanes.
pub(crate) type F = __m512;
/// One A pair broadcast, as (odd, even) f32.
pub(crate) type A = (F, F);
/// 16 B pairs as (odd, even) f32.
pub(crate) type B = (F, F);

/// +0.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn zero() -> F {
    _mm512_setzero_ps()
}

/// 32-bit words of two bf16 (element `2q` low) as (odd, even) f32.
#[inline]
#[target_feature(enable = "avx512f")]
fn split(w: __m512i) -> (F, F) {
    let odd = _mm512_and_si512(w, _mm512_set1_epi32(0xffff_0000u32 as i32));
    (
        _mm512_castsi512_ps(odd),
        _mm512_castsi512_ps(_mm512_slli_epi32::<16>(w)),
    )
}

/// Broadcasts the A pair at `p`.
///
/// # Safety
/// `p` valid for one (unaligned) u32 read.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn splat_a(p: *const u32) -> A {
    // SAFETY: the caller guarantees `p` is readable.
    split(_mm512_set1_epi32(unsafe { p.read_unaligned() } as i32))
}

/// Loads the 16 B pairs at `p`.
///
/// # Safety
/// `p` valid for 32 u16 reads.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn load_b(p: *const u16) -> B {
    // SAFETY: the caller guarantees 64 readable bytes.
    split(unsafe { _mm512_loadu_si512(p as *const __m512i) })
}

/// Subnormal lanes as zeros of their sign.
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
fn ftz(x: F) -> F {
    let sub = _mm512_fpclass_ps_mask::<0x20>(x);
    _mm512_mask_and_ps(x, sub, x, _mm512_set1_ps(-0.0))
}

/// Odd products, then even ones, into `acc` (as `vdpbf16ps`).
#[inline]
#[target_feature(enable = "avx512f,avx512dq")]
pub(crate) fn dp(acc: F, a: A, b: B) -> F {
    ftz(_mm512_fmadd_ps(a.1, b.1, ftz(_mm512_fmadd_ps(a.0, b.0, acc))))
}

/// Broadcasts `x`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn splat(x: f32) -> F {
    _mm512_set1_ps(x)
}

/// `a·b`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn mul(a: F, b: F) -> F {
    _mm512_mul_ps(a, b)
}

/// `a + b`.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn add(a: F, b: F) -> F {
    _mm512_add_ps(a, b)
}

/// Loads 16 f32.
///
/// # Safety
/// `p` valid for 16 f32 reads.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn load(p: *const f32) -> F {
    // SAFETY: the caller guarantees 16 readable f32.
    unsafe { _mm512_loadu_ps(p) }
}

/// Stores 16 f32.
///
/// # Safety
/// `p` valid for 16 f32 writes.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn store(p: *mut f32, v: F) {
    // SAFETY: the caller guarantees 16 writable f32.
    unsafe { _mm512_storeu_ps(p, v) }
}
