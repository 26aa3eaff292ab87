//! AVX-512F f32 GEMM tile kernel, 14 × 32, that packs its B micro-panel from
//! an unpacked (row-major) B while computing.

use super::super::prefetch::{prefetch_l2, prefetch_t0};
use core::arch::x86_64::{
    __m512, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps,
    _mm512_storeu_ps,
};

with_level! { avx512 => sgemm_f32_tile_kernel! {
    /// f32 GEMM microkernel, 14×32 tile, packing B on the fly, AVX-512F.
    packb fn sgemm_f32_14x32_packb_avx512;
    mr = 14; nv = 2; width = 16;
    vec = __m512; zero = _mm512_setzero_ps();
    load = _mm512_loadu_ps; store = _mm512_storeu_ps;
    splat = _mm512_set1_ps; fma = _mm512_fmadd_ps; mul = _mm512_mul_ps;
    prefetch = prefetch_t0; prefetch_l2 = prefetch_l2;
}}
