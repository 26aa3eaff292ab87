//! AVX-512F f32 GEMM tile kernel, 16 rows × 16 columns (16 vector
//! accumulators), reading B's rows in place with an L2 prefetch far ahead:
//! a GEMM of up to 16 rows reads each element of B once, straight from
//! memory, while computing all of its rows.

use super::super::prefetch::{prefetch_l2, prefetch_t0};
use core::arch::x86_64::{
    __m512, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps,
    _mm512_storeu_ps,
};

with_level! { avx512 => sgemm_f32_tile_kernel! {
    /// f32 GEMM microkernel, 16×16 tile, B streamed unpacked, AVX-512F.
    bstream fn sgemm_f32_16x16_bstream_avx512;
    mr = 16; nv = 1; width = 16;
    vec = __m512; zero = _mm512_setzero_ps();
    load = _mm512_loadu_ps; store = _mm512_storeu_ps;
    splat = _mm512_set1_ps; fma = _mm512_fmadd_ps; mul = _mm512_mul_ps;
    prefetch = prefetch_t0; prefetch_l2 = prefetch_l2;
}}
