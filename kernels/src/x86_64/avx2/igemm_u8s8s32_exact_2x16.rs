//! AVX2 exact path: `vpmovzxbw` A, `vpmovsxbw` B, `vpmaddwd`, `vpaddd`.
//! 2 rows × 16 columns, 8 ymm accumulators (two partial sums per column).

use core::arch::x86_64::*;

igemm_exact_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 2×16, AVX2 exact s16 path
    /// (never saturates). Contract: [`crate::igemm_ukernel`].
    name: igemm_u8s8s32_exact_2x16_avx2,
    level: avx2,
    vec: __m256i,
    mr: 2,
    nr: 16,
    half_bytes: 16,
    load_ext: |p| _mm256_cvtepi8_epi16(_mm_loadu_si128(p as *const __m128i)),
    bcast_ext: |p| _mm256_cvtepu8_epi16(_mm_set1_epi32(p.read_unaligned())),
    madd: _mm256_madd_epi16,
    // x: columns 0-3 (k01, k23 each), y: columns 4-7. vphaddd works per
    // 128-bit lane: [c0 c1 c4 c5 | c2 c3 c6 c7]; vpermd puts them in order.
    fold: |x, y| _mm256_permutevar8x32_epi32(
        _mm256_hadd_epi32(x, y),
        _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7),
    ),
    rows: [1, 2],
}
