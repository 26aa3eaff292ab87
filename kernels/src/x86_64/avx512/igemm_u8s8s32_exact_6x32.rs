//! AVX-512BW exact path: `vpmovzxbw` A, `vpmovsxbw` B, `vpmaddwd`, `vpaddd`.
//! 6 rows × 32 columns, 24 zmm accumulators (two partial sums per column).

use core::arch::x86_64::*;

igemm_exact_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 6×32, AVX-512BW exact s16 path
    /// (never saturates). Contract: [`crate::igemm_ukernel`].
    name: igemm_u8s8s32_exact_6x32_avx512,
    level: avx512,
    vec: __m512i,
    mr: 6,
    nr: 32,
    half_bytes: 32,
    load_ext: |p| _mm512_cvtepi8_epi16(_mm256_loadu_si256(p as *const __m256i)),
    bcast_ext: |p| _mm512_cvtepu8_epi16(_mm256_set1_epi32(p.read_unaligned())),
    madd: _mm512_madd_epi16,
    // Lanes of x: column 0 (k01, k23), column 1 (k01, k23), ... columns 0-7;
    // y: columns 8-15. Even lanes + odd lanes = columns 0-15 in order.
    fold: |x, y| _mm512_add_epi32(
        _mm512_permutex2var_epi32(
            x,
            _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30),
            y,
        ),
        _mm512_permutex2var_epi32(
            x,
            _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31),
            y,
        ),
    ),
    rows: [1, 2, 3, 4, 5, 6],
}
