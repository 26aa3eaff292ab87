//! AVX-512F f32 GEMM tile kernel, 8 rows × 32 columns (16 vector
//! accumulators), reading B's rows in place with an L2 prefetch far ahead:
//! a GEMM of 5 to 8 rows reads each element of B once, straight from
//! memory, while computing all of its rows.

use super::super::prefetch::{prefetch_l2, prefetch_t0};
use core::arch::x86_64::{
    __m512, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps,
    _mm512_storeu_ps,
};

with_level! { avx512 => sgemm_f32_tile_kernel! {
    /// f32 GEMM microkernel, 8×32 tile, B streamed unpacked, AVX-512F.
    bstream fn sgemm_f32_8x32_bstream_avx512;
    mr = 8; nv = 2; width = 16;
    vec = __m512; zero = _mm512_setzero_ps();
    load = _mm512_loadu_ps; store = _mm512_storeu_ps;
    splat = _mm512_set1_ps; fma = _mm512_fmadd_ps; mul = _mm512_mul_ps;
    prefetch = prefetch_t0; prefetch_l2 = prefetch_l2;
}}
