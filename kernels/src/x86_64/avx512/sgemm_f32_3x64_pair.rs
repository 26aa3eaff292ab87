//! AVX-512F f32 two-panel rows kernels, 1 to 3 rows × (2 × 32) columns: the
//! rows left under the last full 14-row panel of an A block, computed for
//! two B panels at once so they have enough independent FMA chains.

use core::arch::x86_64::{
    __m512, _mm512_fmadd_ps, _mm512_loadu_ps, _mm512_mul_ps, _mm512_set1_ps, _mm512_setzero_ps,
    _mm512_storeu_ps,
};

with_level! { avx512 => sgemm_f32_pair_kernel! {
    /// f32 two-panel rows kernel (A strided, two packed B panels), AVX-512F.
    fns = [
        sgemm_f32_1x64_pair_avx512 = 1,
        sgemm_f32_2x64_pair_avx512 = 2,
        sgemm_f32_3x64_pair_avx512 = 3,
    ];
    nv = 2; width = 16;
    vec = __m512; zero = _mm512_setzero_ps();
    load = _mm512_loadu_ps; store = _mm512_storeu_ps;
    splat = _mm512_set1_ps; fma = _mm512_fmadd_ps; mul = _mm512_mul_ps;
}}
