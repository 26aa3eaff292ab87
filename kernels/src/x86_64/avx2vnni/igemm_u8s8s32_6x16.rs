//! AVX-VNNI (VEX `vpdpbusd` ymm, 16 registers): 6 rows × 16 columns,
//! 12 ymm accumulators.

use core::arch::x86_64::*;

igemm_dot_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 6×16, AVX-VNNI `vpdpbusd` ymm
    /// (VEX). Exact. Contract: as
    /// [`crate::scalar::igemm_u8s8s32_8x16_scalar`] with this tile.
    name: igemm_u8s8s32_6x16_avx2vnni,
    features: "avx,avx2,fma,avxvnni",
    mr: 6,
    nr: 16,
    vec: __m256i,
    bytes: 32,
    zero: _mm256_setzero_si256(),
    load: |p| _mm256_loadu_si256(p as *const __m256i),
    bcast: |p| _mm256_set1_epi32(p.read_unaligned()),
    store: |p, v| _mm256_storeu_si256(p as *mut __m256i, v),
    add: _mm256_add_epi32,
    rows: [1 => 4, 2 => 2, 3 => 2, 4 => 1, 5 => 1, 6 => 1],
    setup: {},
    dot: |acc, a, b| _mm256_dpbusd_avx_epi32(acc, a, b),
    fix: {
        set1: _mm256_set1_epi32,
        loadw: |p| _mm256_loadu_si256(p as *const __m256i),
        mullo: _mm256_mullo_epi32,
        sub: _mm256_sub_epi32,
    },
}
