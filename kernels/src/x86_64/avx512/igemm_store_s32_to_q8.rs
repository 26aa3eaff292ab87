//! The requantizing tile store of the INT8 GEMM (AVX-512): an s32 tile →
//! u8 or s8 in C, one pass, 16 columns per step, masked tails.

use core::arch::x86_64::*;

/// Requantizes the `rows × cols` s32 tile (`tile[i·ld + j]`) and stores it
/// as bytes into C (`c[i·rsc + j]`, unit column stride):
/// `t = v + bias_j` (wrapping; no bias when `bias` is null),
/// `y = min(max((t as f32)·scale_j, lo − zp), hi − zp)`, rounded half to
/// even, `+ zp`, narrowed to the low byte. With `[lo, hi]` inside the output
/// type's range the byte is the u8 (or, read as i8, the s8) result: the same
/// arithmetic, bit for bit, as the portable requantize in `lowp`
/// (`(t as f32)·s` rounds once, the clamp bounds are integers, and
/// `vcvtps2dq` with round-to-nearest-even equals the 1.5·2²³ trick for
/// `|y| < 2²²`).
///
/// # Safety
///
/// The CPU must support `avx512f,avx512bw,avx512vl,avx512dq`. `tile` must be
/// readable at `i·ld + j`, `scale` (and `bias` unless null) at `j`, and
/// `c[i·rsc + j]` writable and ours alone, for `i < rows`, `j < cols`;
/// `lo ≤ hi` (in output
/// units) with `zp` between them.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
#[allow(clippy::too_many_arguments)]
pub unsafe fn igemm_store_s32_to_q8_avx512(
    rows: usize,
    cols: usize,
    tile: *const i32,
    ld: usize,
    scale: *const f32,
    bias: *const i32,
    zp: i32,
    lo: i32,
    hi: i32,
    c: *mut u8,
    rsc: usize,
) {
    let flo = _mm512_set1_ps((lo - zp) as f32);
    let fhi = _mm512_set1_ps((hi - zp) as f32);
    let vzp = _mm512_set1_epi32(zp);
    let mut j = 0;
    while j < cols {
        let left = cols - j;
        let mask: __mmask16 = if left >= 16 { 0xffff } else { (1u16 << left) - 1 };
        // SAFETY: lanes j..j+16 under `mask` stay below `cols`, inside the
        // caller's `scale`, `bias`, tile rows and C rows.
        unsafe {
            let s = _mm512_maskz_loadu_ps(mask, scale.add(j));
            let b = if bias.is_null() {
                _mm512_setzero_si512()
            } else {
                _mm512_maskz_loadu_epi32(mask, bias.add(j))
            };
            for i in 0..rows {
                let v = _mm512_maskz_loadu_epi32(mask, tile.add(i * ld + j));
                let t = _mm512_add_epi32(v, b);
                let y = _mm512_mul_ps(_mm512_cvtepi32_ps(t), s);
                let y = _mm512_min_ps(_mm512_max_ps(y, flo), fhi);
                let r = _mm512_cvt_roundps_epi32::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(y);
                let r = _mm512_add_epi32(r, vzp);
                // Narrow in registers, then store: `vpmovdb` to memory is
                // slow on Zen 4.
                let q = _mm512_cvtepi32_epi8(r);
                let dst = c.add(i * rsc + j);
                if mask == 0xffff {
                    _mm_storeu_si128(dst as *mut __m128i, q);
                } else {
                    _mm_mask_storeu_epi8(dst as *mut i8, mask, q);
                }
            }
        }
        j += 16;
    }
}
