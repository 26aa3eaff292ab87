//! Packing INT8 activations for the GEMM (AVX-512): 4 rows × 16 k-groups
//! per step into the k-group-interleaved panel layout (a 4×4 transpose of
//! 32-bit groups in each 128-bit lane), row sums on the way (`vpsadbw`),
//! the next 4 rows prefetched.

use core::arch::x86_64::*;

with_level! { avx512:
/// Packs the first `16·blocks` k-groups (`64·blocks` bytes) of 4 rows of
/// 8-bit activations into the panel layout: the 4 bytes of row `r`, group
/// `g` (`src[r·lda + 4g ..][..4]`, each XORed with `xor`: 0 keeps u8, 0x80
/// moves s8 to u8) go to `dst[g·gs + 4r ..][..4]`. Returns each row's sum of
/// the packed bytes.
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]). `src` must be
/// readable at `r·lda + j` and `dst` writable at `g·gs + 4r + t` for `r < 4`,
/// `j < 64·blocks`, `g < 16·blocks`, `t < 4`; they must not overlap.
pub unsafe fn igemm_pack_a_4rows_avx512(
    src: *const u8,
    lda: usize,
    blocks: usize,
    xor: u8,
    dst: *mut u8,
    gs: usize,
) -> [u32; 4] {
    let x = _mm512_set1_epi8(xor as i8);
    let zero = _mm512_setzero_si512();
    let mut sums = [zero; 4];
    for blk in 0..blocks {
        // SAFETY: rows r < 4, bytes 64·blk .. 64·blk + 64 ≤ 64·blocks of
        // `src`; groups 16·blk .. 16·blk + 16 of `dst`, 16 bytes at 4r = 0
        // (caller's contract). Prefetch addresses use `wrapping_add`.
        unsafe {
            // The next 4 rows' line at this column into L1: rows of 1-4 KiB
            // are too short for the hardware prefetcher (docs/tuning.md).
            // Never dereferenced, so rows past A are harmless.
            for i in 4..8 {
                _mm_prefetch::<_MM_HINT_T0>(src.wrapping_add(i * lda + 64 * blk) as *const i8);
            }
            let r: [__m512i; 4] = core::array::from_fn(|i| {
                _mm512_xor_si512(
                    _mm512_loadu_si512(src.add(i * lda + 64 * blk) as *const __m512i),
                    x,
                )
            });
            for (s, &v) in sums.iter_mut().zip(&r) {
                *s = _mm512_add_epi64(*s, _mm512_sad_epu8(v, zero));
            }
            // Per 128-bit lane L (groups 4L .. 4L + 3):
            // t0 = r0g0 r1g0 r0g1 r1g1, t1 = r0g2 r1g2 r0g3 r1g3, t2/t3 likewise
            // for rows 2, 3; o[q] = r0gq r1gq r2gq r3gq.
            let t0 = _mm512_unpacklo_epi32(r[0], r[1]);
            let t1 = _mm512_unpackhi_epi32(r[0], r[1]);
            let t2 = _mm512_unpacklo_epi32(r[2], r[3]);
            let t3 = _mm512_unpackhi_epi32(r[2], r[3]);
            let o = [
                _mm512_unpacklo_epi64(t0, t2),
                _mm512_unpackhi_epi64(t0, t2),
                _mm512_unpacklo_epi64(t1, t3),
                _mm512_unpackhi_epi64(t1, t3),
            ];
            let d = dst.add(16 * blk * gs);
            for (q, &v) in o.iter().enumerate() {
                _mm_storeu_si128(d.add(q * gs) as *mut __m128i, _mm512_extracti32x4_epi32::<0>(v));
                _mm_storeu_si128(
                    d.add((4 + q) * gs) as *mut __m128i,
                    _mm512_extracti32x4_epi32::<1>(v),
                );
                _mm_storeu_si128(
                    d.add((8 + q) * gs) as *mut __m128i,
                    _mm512_extracti32x4_epi32::<2>(v),
                );
                _mm_storeu_si128(
                    d.add((12 + q) * gs) as *mut __m128i,
                    _mm512_extracti32x4_epi32::<3>(v),
                );
            }
        }
    }
    sums.map(|s| _mm512_reduce_add_epi64(s) as u32)
}
}
