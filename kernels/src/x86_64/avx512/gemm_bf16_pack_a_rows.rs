//! Packs up to 16 row-major bf16 A rows into a `[q][rows]` panel of pairs
//! (AVX-512BW): 16 pairs of every row loaded at once and transposed in
//! registers, each group of pairs stored whole. Element by element the
//! rows were written a group apart, each write in a line of its own: 2%
//! of 2048³ (`docs/tuning.md`, "BF16 GEMM, A in place at K = 1024").

use core::arch::x86_64::*;

/// Packs pairs `0..pairs` of the `rows` rows at `a` (row `i` at `a + i·lda`)
/// as `flush(a[i][2q]) | flush(a[i][2q + 1]) << 16` at u32 `q·rows + i` of
/// `dst` (`flush`: a subnormal to a zero of its sign, what `vdpbf16ps`
/// reads).
///
/// # Safety
/// `1 ≤ rows ≤ 16`; each row valid for `2·pairs` u16 reads; `dst` for
/// `pairs·rows` u32 writes, not overlapping the rows; the CPU has AVX-512F
/// and BW.
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")]
pub unsafe fn gemm_bf16_pack_a_rows_avx512(
    a: *const u16,
    lda: usize,
    rows: usize,
    pairs: usize,
    dst: *mut u32,
) {
    let exp = _mm512_set1_epi16(0x7f80);
    let sign = _mm512_set1_epi16(-0x8000);
    let flush = |v: __m512i| {
        let normal = _mm512_test_epi16_mask(v, exp);
        _mm512_mask_blend_epi16(normal, _mm512_and_si512(v, sign), v)
    };
    let row_mask: __mmask16 = ((1u32 << rows) - 1) as __mmask16;
    for q0 in (0..pairs).step_by(16) {
        let n = (pairs - q0).min(16);
        let mask: __mmask16 = ((1u32 << n) - 1) as __mmask16;
        // Row i's pairs q0..q0 + n; rows past `rows` zero.
        let r: [__m512i; 16] = core::array::from_fn(|i| {
            if i < rows {
                // SAFETY: the masked load reads pairs q0..q0 + n of row i.
                flush(unsafe { _mm512_maskz_loadu_epi32(mask, a.add(i * lda + 2 * q0).cast()) })
            } else {
                _mm512_setzero_si512()
            }
        });
        // 4×4 blocks within each 128-bit lane: u[4i + j], lane k, holds rows
        // 4i..4i + 4 of pair 4k + j.
        let t: [__m512i; 16] = core::array::from_fn(|x| {
            let (p, hi) = (x / 2 * 2, x % 2 == 1);
            if hi {
                _mm512_unpackhi_epi32(r[p], r[p + 1])
            } else {
                _mm512_unpacklo_epi32(r[p], r[p + 1])
            }
        });
        let u: [__m512i; 16] = core::array::from_fn(|x| {
            let (b, j) = (x / 4 * 4, x % 4);
            let (s, d) = (t[b + j / 2], t[b + 2 + j / 2]);
            if j % 2 == 0 {
                _mm512_unpacklo_epi64(s, d)
            } else {
                _mm512_unpackhi_epi64(s, d)
            }
        });
        // Pair 4k + j: lane k of u[j], u[4 + j], u[8 + j], u[12 + j].
        for j in 0..4 {
            let ab_lo = _mm512_shuffle_i32x4::<0x44>(u[j], u[4 + j]);
            let ab_hi = _mm512_shuffle_i32x4::<0xee>(u[j], u[4 + j]);
            let cd_lo = _mm512_shuffle_i32x4::<0x44>(u[8 + j], u[12 + j]);
            let cd_hi = _mm512_shuffle_i32x4::<0xee>(u[8 + j], u[12 + j]);
            let out = [
                _mm512_shuffle_i32x4::<0x88>(ab_lo, cd_lo),
                _mm512_shuffle_i32x4::<0xdd>(ab_lo, cd_lo),
                _mm512_shuffle_i32x4::<0x88>(ab_hi, cd_hi),
                _mm512_shuffle_i32x4::<0xdd>(ab_hi, cd_hi),
            ];
            for (k, &v) in out.iter().enumerate() {
                let q = 4 * k + j;
                if q < n {
                    // SAFETY: group q0 + q of `dst`, `rows` u32 (masked).
                    unsafe { _mm512_mask_storeu_epi32(dst.add((q0 + q) * rows).cast(), row_mask, v) };
                }
            }
        }
    }
}
