//! Software prefetch hints shared by the f32 GEMM kernels (SSE, so every
//! x86-64 CPU has them; a prefetch never faults, whatever the address).

use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0, _MM_HINT_T1};

/// Prefetches the cache line holding `p` into L1 (and the outer levels).
#[inline(always)]
pub(crate) fn prefetch_t0(p: *const f32) {
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast()) }
}

/// Prefetches the cache line holding `p` into L2 (not L1).
#[inline(always)]
pub(crate) fn prefetch_l2(p: *const f32) {
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe { _mm_prefetch::<_MM_HINT_T1>(p.cast()) }
}
