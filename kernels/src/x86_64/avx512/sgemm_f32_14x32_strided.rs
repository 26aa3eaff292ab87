//! AVX-512F f32 strided rows kernels, 1 to 14 rows × 32 columns (GEMV without
//! packing, and the short row edges of the blocked GEMM).

use super::super::prefetch::{prefetch_l2, prefetch_t0};
use core::arch::x86_64::{
    __m512, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps,
    _mm512_storeu_ps,
};

with_level! { avx512 => sgemm_f32_strided_kernel! {
    /// f32 strided rows kernel (A and B read unpacked), AVX-512F.
    fns = [
        sgemm_f32_1x32_strided_avx512 = 1,
        sgemm_f32_2x32_strided_avx512 = 2,
        sgemm_f32_3x32_strided_avx512 = 3,
        sgemm_f32_4x32_strided_avx512 = 4,
        sgemm_f32_5x32_strided_avx512 = 5,
        sgemm_f32_6x32_strided_avx512 = 6,
        sgemm_f32_7x32_strided_avx512 = 7,
        sgemm_f32_8x32_strided_avx512 = 8,
        sgemm_f32_9x32_strided_avx512 = 9,
        sgemm_f32_10x32_strided_avx512 = 10,
        sgemm_f32_11x32_strided_avx512 = 11,
        sgemm_f32_12x32_strided_avx512 = 12,
        sgemm_f32_13x32_strided_avx512 = 13,
        sgemm_f32_14x32_strided_avx512 = 14,
    ];
    nv = 2; width = 16;
    vec = __m512; zero = _mm512_setzero_ps();
    load = _mm512_loadu_ps; store = _mm512_storeu_ps;
    splat = _mm512_set1_ps; fma = _mm512_fmadd_ps; mul = _mm512_mul_ps;
    prefetch = prefetch_t0; prefetch_l2 = prefetch_l2;
}}
