//! Software prefetch hints shared by the f32 GEMM kernels (SSE, so every
//! x86-64 CPU has them; a prefetch never faults, whatever the address).

use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0, _MM_HINT_T1};

/// Prefetches the cache line holding `p` into L1 (and the outer levels).
#[inline(always)]
pub(crate) fn prefetch_t0(p: *const f32) {
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe { _mm_prefetch::<_MM_HINT_T0>(p.cast()) }
}

/// Prefetches the cache line holding `p` for writing (`prefetchw`: the
/// line arrives owned, so a store to it does not wait for its read for
/// ownership). Inline assembly because `_MM_HINT_ET0` becomes `prefetcht0`
/// without the `prfchw` target feature; every CPU with AVX-512 executes it
/// (and older ones decode `0F 0D` as a no-op).
#[inline(always)]
pub(crate) fn prefetch_w<T>(p: *const T) {
    // SAFETY: a prefetch is a hint; it never faults, whatever the address,
    // and touches no register, flag or stack.
    unsafe {
        core::arch::asm!("prefetchw [{0}]", in(reg) p, options(nostack, preserves_flags, readonly));
    }
}

/// Prefetches the cache line holding `p` into L2 (not L1).
#[inline(always)]
pub(crate) fn prefetch_l2(p: *const f32) {
    // SAFETY: a prefetch is a hint; it never faults, whatever the address.
    unsafe { _mm_prefetch::<_MM_HINT_T1>(p.cast()) }
}
