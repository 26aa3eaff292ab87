//! AVX2+FMA f32 strided rows kernels, 1 to 6 rows × 16 columns (GEMV without
//! packing, and the short row edges of the blocked GEMM).

use super::super::prefetch::{prefetch_l2, prefetch_t0};
use core::arch::x86_64::{
    __m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_setzero_ps,
    _mm256_storeu_ps,
};

with_level! { avx2 => sgemm_f32_strided_kernel! {
    /// f32 strided rows kernel (A and B read unpacked), AVX2+FMA.
    fns = [
        sgemm_f32_1x16_strided_avx2 = 1,
        sgemm_f32_2x16_strided_avx2 = 2,
        sgemm_f32_3x16_strided_avx2 = 3,
        sgemm_f32_4x16_strided_avx2 = 4,
        sgemm_f32_5x16_strided_avx2 = 5,
        sgemm_f32_6x16_strided_avx2 = 6,
    ];
    nv = 2; width = 8;
    vec = __m256; zero = _mm256_setzero_ps();
    load = _mm256_loadu_ps; store = _mm256_storeu_ps;
    splat = _mm256_set1_ps; fma = _mm256_fmadd_ps; mul = _mm256_mul_ps;
    prefetch = prefetch_t0; prefetch_l2 = prefetch_l2;
}}
