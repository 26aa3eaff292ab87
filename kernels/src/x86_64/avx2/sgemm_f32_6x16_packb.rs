//! AVX2+FMA f32 GEMM tile kernel, 6 × 16, that packs its B micro-panel from
//! an unpacked (row-major) B while computing.

use super::super::prefetch::{prefetch_l2, prefetch_t0};
use core::arch::x86_64::{
    __m256, _mm256_fmadd_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_setzero_ps,
    _mm256_storeu_ps,
};

with_level! { avx2 => sgemm_f32_tile_kernel! {
    /// f32 GEMM microkernel, 6×16 tile, packing B on the fly, AVX2+FMA.
    packb fn sgemm_f32_6x16_packb_avx2;
    mr = 6; nv = 2; width = 8;
    vec = __m256; zero = _mm256_setzero_ps();
    load = _mm256_loadu_ps; store = _mm256_storeu_ps;
    splat = _mm256_set1_ps; fma = _mm256_fmadd_ps; mul = _mm256_mul_ps;
    prefetch = prefetch_t0; prefetch_l2 = prefetch_l2;
}}
