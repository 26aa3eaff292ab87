//! AVX-512BW chain: `vpmaddubsw` (u8×s8 pairs → s16, saturating) +
//! `vpmaddwd` with ones (→ s32) + `vpaddd`. 8 rows × 32 columns.

use core::arch::x86_64::*;

igemm_dot_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 8×32, AVX-512BW
    /// `vpmaddubsw`+`vpmaddwd`+`vpaddd`. Each pair of products
    /// `a[2p]·b[2p] + a[2p+1]·b[2p+1]` saturates to s16: exact only on
    /// panels whose pairs cannot leave s16. Contract: as
    /// [`crate::scalar::igemm_u8s8s32_8x16_scalar`] with this tile.
    name: igemm_u8s8s32_chain_8x32_avx512,
    features: "avx512f,avx512bw,avx512vl",
    mr: 8,
    nr: 32,
    vec: __m512i,
    bytes: 64,
    zero: _mm512_setzero_si512(),
    load: |p| _mm512_loadu_si512(p as *const __m512i),
    bcast: |p| _mm512_set1_epi32(p.read_unaligned()),
    store: |p, v| _mm512_storeu_si512(p as *mut __m512i, v),
    add: _mm512_add_epi32,
    rows: [1 => 4, 2 => 2, 3 => 2, 4 => 1, 5 => 1, 6 => 1, 7 => 1, 8 => 1],
    setup: { let ones = _mm512_set1_epi16(1); },
    dot: |acc, a, b| _mm512_add_epi32(acc, _mm512_madd_epi16(_mm512_maddubs_epi16(a, b), ones)),
    fix: {
        set1: _mm512_set1_epi32,
        loadw: |p| _mm512_loadu_si512(p as *const __m512i),
        mullo: _mm512_mullo_epi32,
        sub: _mm512_sub_epi32,
    },
}
