//! AVX2+FMA f32 row-sweep GEMV kernels, 1 to 4 output rows × 1 or 4 rows of
//! B per call (GEMV and M ≤ 4 GEMM with a row-major B: B streamed row by row
//! while the output rows stay in L1).

use super::super::prefetch::prefetch_l2;
use crate::sgemm_macros::SWEEP_PREFETCH_AHEAD;
use core::arch::x86_64::{
    __m256, __m256i, _mm256_cmpgt_epi32, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_maskload_ps,
    _mm256_maskstore_ps, _mm256_set1_epi32, _mm256_set1_ps, _mm256_setr_epi32, _mm256_setzero_ps,
    _mm256_storeu_ps,
};

with_level! { avx2 => sgemm_f32_sweep_kernel! {
    /// f32 row-sweep GEMV kernel (output rows × rows of B), AVX2+FMA.
    fns = [
        sgemm_f32_1x1_sweep_avx2 = (1, 1),
        sgemm_f32_2x1_sweep_avx2 = (2, 1),
        sgemm_f32_3x1_sweep_avx2 = (3, 1),
        sgemm_f32_4x1_sweep_avx2 = (4, 1),
        sgemm_f32_1x4_sweep_avx2 = (1, 4),
        sgemm_f32_2x4_sweep_avx2 = (2, 4),
        sgemm_f32_3x4_sweep_avx2 = (3, 4),
        sgemm_f32_4x4_sweep_avx2 = (4, 4),
    ];
    width = 8;
    vec = __m256; zero = _mm256_setzero_ps();
    load = _mm256_loadu_ps; store = _mm256_storeu_ps;
    load_tail = load_tail; store_tail = store_tail;
    splat = _mm256_set1_ps; fma = _mm256_fmadd_ps;
    prefetch = prefetch_l2; ahead = SWEEP_PREFETCH_AHEAD;
}}

/// All-ones in the first `n < 8` lanes.
#[inline]
#[target_feature(enable = "avx2")]
fn mask(n: usize) -> __m256i {
    debug_assert!(n < 8);
    _mm256_cmpgt_epi32(
        _mm256_set1_epi32(n as i32),
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
    )
}

/// Loads the first `n < 8` f32 at `p` (the other lanes zero).
///
/// # Safety
/// `p` valid for reads of `n` f32; the CPU has AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn load_tail(p: *const f32, n: usize) -> __m256 {
    // SAFETY: masked-off lanes are neither read nor faulted on.
    unsafe { _mm256_maskload_ps(p, mask(n)) }
}

/// Stores the first `n < 8` lanes of `v` at `p`.
///
/// # Safety
/// `p` valid for writes of `n` f32; the CPU has AVX2.
#[inline]
#[target_feature(enable = "avx2")]
unsafe fn store_tail(p: *mut f32, v: __m256, n: usize) {
    // SAFETY: masked-off lanes are not written.
    unsafe { _mm256_maskstore_ps(p, mask(n), v) }
}
