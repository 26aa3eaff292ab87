//! The requantizing tile store of the INT8 GEMM (AVX-512): an s32 tile →
//! u8 or s8 in C, one pass, masked tails.
//!
//! Full 32-column blocks go two rows at a time: four vectors are scaled and
//! rounded in f32, then narrowed together with saturating packs (s32 → s16,
//! `+ zp` saturating, s16 → 8 bits) and raised to `lo` once per 64 bytes
//! (the f32 minimum already applied `hi`), where
//! narrowing each vector alone (`vpmovdb`, two micro-ops on Zen 4) and
//! clamping it in f32 cost about twice the instructions.

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
/// `lo ≤ hi` with `zp` between them, all three within u8's range or all
/// within i8's.
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
    let whole = cols / 32 * 32;
    let pairs = rows / 2 * 2;
    // SAFETY: both parts stay inside the caller's rows × cols block (the
    // first covers whole 32-column blocks of row pairs, the second the
    // rest), with the caller's `scale`, `bias`, `zp`, `lo`, `hi`.
    unsafe {
        if whole > 0 && pairs > 0 {
            // Signed packs whenever the bounds fit i8 (then the bytes agree
            // for either output type); unsigned ones when `hi` needs u8.
            let args = (pairs, whole, tile, ld, scale, bias, zp, lo, hi, c, rsc);
            match (hi <= 127, bias.is_null()) {
                (true, true) => pairs_32::<true, false>(args),
                (true, false) => pairs_32::<true, true>(args),
                (false, true) => pairs_32::<false, false>(args),
                (false, false) => pairs_32::<false, true>(args),
            }
        }
        // Rows past the pairs, all columns.
        by_vector(
            rows - pairs,
            cols,
            tile.add(pairs * ld),
            ld,
            scale,
            bias,
            zp,
            lo,
            hi,
            c.add(pairs * rsc),
            rsc,
        );
        // Columns past the whole blocks, for the paired rows.
        if whole < cols {
            let rest = cols - whole;
            let bias_rest = if bias.is_null() { bias } else { bias.add(whole) };
            by_vector(
                pairs,
                rest,
                tile.add(whole),
                ld,
                scale.add(whole),
                bias_rest,
                zp,
                lo,
                hi,
                c.add(whole),
                rsc,
            );
        }
    }
}

/// `(rows, cols, tile, ld, scale, bias, zp, lo, hi, c, rsc)`.
type Args = (
    usize,
    usize,
    *const i32,
    usize,
    *const f32,
    *const i32,
    i32,
    i32,
    i32,
    *mut u8,
    usize,
);

/// Two rows × 32 columns per step (`rows` even, `cols` a multiple of 32):
/// `round(min((t as f32)·s, hi − zp))` (`vcvtps2dq`; a value below
/// `i32::MIN` becomes `i32::MIN`), packed to s16 with saturation, `+ zp`
/// saturating, packed to 8 bits with saturation (signed or unsigned), then
/// raised to `lo`. A value inside the bounds is never saturated on the way
/// (|round(y)| ≤ 510), and one below them stays below: the same bytes as
/// clamping in f32 first.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
#[inline]
unsafe fn pairs_32<const SIGNED: bool, const BIAS: bool>(args: Args) {
    let (rows, cols, tile, ld, scale, bias, zp, lo, hi, c, rsc) = args;
    let fhi = _mm512_set1_ps((hi - zp) as f32);
    let zp16 = _mm512_set1_epi16(zp as i16);
    let vlo = _mm512_set1_epi8(lo as i8);
    // Dword k of the packed vector holds 4 bytes of source vector k % 4,
    // group k / 4; this puts each source's four groups back together.
    let order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    let mut j = 0;
    while j < cols {
        // SAFETY: columns j..j+32 and rows i, i+1 are inside the caller's
        // block (`cols` a multiple of 32, `rows` even).
        unsafe {
            let (s0, s1) = (_mm512_loadu_ps(scale.add(j)), _mm512_loadu_ps(scale.add(j + 16)));
            let (b0, b1) = if BIAS {
                (
                    _mm512_loadu_si512(bias.add(j).cast()),
                    _mm512_loadu_si512(bias.add(j + 16).cast()),
                )
            } else {
                (_mm512_setzero_si512(), _mm512_setzero_si512())
            };
            let scaled = |p: *const i32, b: __m512i, s: __m512| {
                let mut v = _mm512_loadu_si512(p.cast());
                if BIAS {
                    v = _mm512_add_epi32(v, b);
                }
                let y = _mm512_min_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(v), s), fhi);
                _mm512_cvt_roundps_epi32::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(y)
            };
            let mut i = 0;
            while i < rows {
                let (t0, t1) = (tile.add(i * ld + j), tile.add((i + 1) * ld + j));
                let r0 = scaled(t0, b0, s0);
                let r1 = scaled(t0.add(16), b1, s1);
                let r2 = scaled(t1, b0, s0);
                let r3 = scaled(t1.add(16), b1, s1);
                let p01 = _mm512_adds_epi16(_mm512_packs_epi32(r0, r1), zp16);
                let p23 = _mm512_adds_epi16(_mm512_packs_epi32(r2, r3), zp16);
                let q = if SIGNED {
                    _mm512_max_epi8(_mm512_packs_epi16(p01, p23), vlo)
                } else {
                    _mm512_max_epu8(_mm512_packus_epi16(p01, p23), vlo)
                };
                let q = _mm512_permutexvar_epi32(order, q);
                _mm256_storeu_si256(c.add(i * rsc + j).cast(), _mm512_castsi512_si256(q));
                _mm256_storeu_si256(c.add((i + 1) * rsc + j).cast(), _mm512_extracti64x4_epi64::<1>(q));
                i += 2;
            }
        }
        j += 32;
    }
}

/// One vector (16 columns, masked tail) at a time, clamped in f32 and
/// narrowed with `vpmovdb`: the rows and columns `pairs_32` leaves.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
#[allow(clippy::too_many_arguments)]
unsafe fn by_vector(
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
