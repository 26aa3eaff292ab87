//! AVX-512 BF16 operations for the shared BF16 tile kernel macro: one
//! `vdpbf16ps` per vector of 16 column pairs.

use core::arch::x86_64::*;

/// 16 f32 accumulators.
pub(crate) type F = __m512;
/// One A pair broadcast to 16 lanes.
pub(crate) type A = __m512bh;
/// 16 B pairs.
pub(crate) type B = __m512bh;

/// +0.
#[inline]
#[target_feature(enable = "avx512f")]
pub(crate) fn zero() -> F {
    _mm512_setzero_ps()
}

/// Broadcasts the A pair at `p`.
///
/// # Safety
/// `p` valid for one (unaligned) u32 read.
#[inline]
#[target_feature(enable = "avx512f,avx512bf16")]
pub(crate) unsafe fn splat_a(p: *const u32) -> A {
    // SAFETY: the caller guarantees `p` is readable; __m512i and __m512bh
    // are both 64 plain bytes.
    unsafe { core::mem::transmute::<__m512i, A>(_mm512_set1_epi32(p.read_unaligned() as i32)) }
}

/// Loads the 16 B pairs at `p`.
///
/// # Safety
/// `p` valid for 32 u16 reads.
#[inline]
#[target_feature(enable = "avx512f,avx512bf16")]
pub(crate) unsafe fn load_b(p: *const u16) -> B {
    // SAFETY: as for `splat_a`, 64 bytes.
    unsafe { core::mem::transmute::<__m512i, B>(_mm512_loadu_si512(p as *const __m512i)) }
}

/// `vdpbf16ps`: odd products, then even ones, into `acc`.
#[inline]
#[target_feature(enable = "avx512f,avx512bf16")]
pub(crate) fn dp(acc: F, a: A, b: B) -> F {
    _mm512_dpbf16_ps(acc, a, b)
}

pub(crate) use super::super::avx512::gemm_bf16_ops::{add, load, mul, splat, store};
