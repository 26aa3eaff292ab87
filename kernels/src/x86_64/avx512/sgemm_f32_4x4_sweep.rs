//! AVX-512F f32 row-sweep GEMV kernels, 1 to 4 output rows × 1 or 4 rows of
//! B per call (GEMV and M ≤ 4 GEMM with a row-major B: B streamed row by row
//! while the output rows stay in L1).

use super::super::prefetch::prefetch_l2;
use crate::sgemm_macros::SWEEP_PREFETCH_AHEAD;
use core::arch::x86_64::{
    __m512, __mmask16, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mask_storeu_ps, _mm512_maskz_loadu_ps,
    _mm512_set1_ps, _mm512_setzero_ps, _mm512_storeu_ps,
};

with_level! { avx512 => sgemm_f32_sweep_kernel! {
    /// f32 row-sweep GEMV kernel (output rows × rows of B), AVX-512F.
    fns = [
        sgemm_f32_1x1_sweep_avx512 = (1, 1),
        sgemm_f32_2x1_sweep_avx512 = (2, 1),
        sgemm_f32_3x1_sweep_avx512 = (3, 1),
        sgemm_f32_4x1_sweep_avx512 = (4, 1),
        sgemm_f32_1x4_sweep_avx512 = (1, 4),
        sgemm_f32_2x4_sweep_avx512 = (2, 4),
        sgemm_f32_3x4_sweep_avx512 = (3, 4),
        sgemm_f32_4x4_sweep_avx512 = (4, 4),
    ];
    width = 16;
    vec = __m512; zero = _mm512_setzero_ps();
    load = _mm512_loadu_ps; store = _mm512_storeu_ps;
    load_tail = load_tail; store_tail = store_tail;
    splat = _mm512_set1_ps; fma = _mm512_fmadd_ps;
    prefetch = prefetch_l2; ahead = SWEEP_PREFETCH_AHEAD;
}}

/// The first `n < 16` lanes.
#[inline]
fn mask(n: usize) -> __mmask16 {
    debug_assert!(n < 16);
    ((1u32 << n) - 1) as __mmask16
}

/// Loads the first `n < 16` f32 at `p` (the other lanes zero).
///
/// # Safety
/// `p` valid for reads of `n` f32; the CPU has AVX-512F.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load_tail(p: *const f32, n: usize) -> __m512 {
    // SAFETY: masked-off lanes are neither read nor faulted on.
    unsafe { _mm512_maskz_loadu_ps(mask(n), p) }
}

/// Stores the first `n < 16` lanes of `v` at `p`.
///
/// # Safety
/// `p` valid for writes of `n` f32; the CPU has AVX-512F.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn store_tail(p: *mut f32, v: __m512, n: usize) {
    // SAFETY: masked-off lanes are not written.
    unsafe { _mm512_mask_storeu_ps(p, mask(n), v) }
}
