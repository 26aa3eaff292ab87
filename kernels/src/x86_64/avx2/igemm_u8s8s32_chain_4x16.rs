//! AVX2 chain: `vpmaddubsw` (u8×s8 pairs → s16, saturating) + `vpmaddwd`
//! with ones (→ s32) + `vpaddd`. 4 rows × 16 columns (16 ymm registers).

use core::arch::x86_64::*;

igemm_dot_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 4×16, AVX2
    /// `vpmaddubsw`+`vpmaddwd`+`vpaddd`. Each pair of products saturates to
    /// s16: exact only on panels whose pairs cannot leave s16.
    /// Contract: as
    /// [`crate::scalar::igemm_u8s8s32_8x16_scalar`] with this tile.
    name: igemm_u8s8s32_chain_4x16_avx2,
    features: "avx,avx2,fma",
    mr: 4,
    nr: 16,
    vec: __m256i,
    bytes: 32,
    zero: _mm256_setzero_si256(),
    load: |p| _mm256_loadu_si256(p as *const __m256i),
    bcast: |p| _mm256_set1_epi32(p.read_unaligned()),
    store: |p, v| _mm256_storeu_si256(p as *mut __m256i, v),
    add: _mm256_add_epi32,
    rows: [1 => 4, 2 => 2, 3 => 1, 4 => 1],
    setup: { let ones = _mm256_set1_epi16(1); },
    dot: |acc, a, b| _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones)),
    fix: {
        set1: _mm256_set1_epi32,
        loadw: |p| _mm256_loadu_si256(p as *const __m256i),
        mullo: _mm256_mullo_epi32,
        sub: _mm256_sub_epi32,
    },
}
