//! Packs 14 rows of a row-major f32 A into one `[p][14]` panel (the A panel
//! of the 14×32 tile kernel): 16 depths at a time, each 14 × 16 block
//! transposed in registers (rows 14 and 15 are zero) with four rounds of
//! shuffles, so A is read in 64-byte rows and the panel written in whole
//! vectors, instead of element by element. The rows are evenly spaced (a
//! row-major A) or read through pointers (a convolution's indirection).

use core::arch::x86_64::*;

/// Rows of the panel.
const MR: usize = 14;

/// Transposes the 16 × 16 block `r` (row `i`, lane `p`) so that `out[p]`
/// holds lane `p` of every row.
#[target_feature(enable = "avx512f")]
#[inline]
fn transpose_16x16(r: [__m512; 16]) -> [__m512; 16] {
    // Round 1: pairs of rows interleaved within each 128-bit lane.
    let t: [__m512; 16] = core::array::from_fn(|q| {
        let (a, b) = (r[q & !1], r[q | 1]);
        if q % 2 == 0 {
            _mm512_unpacklo_ps(a, b)
        } else {
            _mm512_unpackhi_ps(a, b)
        }
    });
    // Round 2: u[4g + c], 128-bit lane L = rows 4g..4g+3 at depth 4L + c.
    let u: [__m512; 16] = core::array::from_fn(|q| {
        let (g, c) = (q / 4, q % 4);
        let (a, b) = (t[4 * g + c / 2], t[4 * g + 2 + c / 2]);
        if c % 2 == 0 {
            _mm512_shuffle_ps::<0x44>(a, b)
        } else {
            _mm512_shuffle_ps::<0xEE>(a, b)
        }
    });
    // Rounds 3 and 4: gather the 128-bit lanes of the four row groups.
    let mut out = [_mm512_setzero_ps(); 16];
    for c in 0..4 {
        let v0 = _mm512_shuffle_f32x4::<0x88>(u[c], u[4 + c]);
        let w0 = _mm512_shuffle_f32x4::<0xDD>(u[c], u[4 + c]);
        let v1 = _mm512_shuffle_f32x4::<0x88>(u[8 + c], u[12 + c]);
        let w1 = _mm512_shuffle_f32x4::<0xDD>(u[8 + c], u[12 + c]);
        out[c] = _mm512_shuffle_f32x4::<0x88>(v0, v1);
        out[8 + c] = _mm512_shuffle_f32x4::<0xDD>(v0, v1);
        out[4 + c] = _mm512_shuffle_f32x4::<0x88>(w0, w1);
        out[12 + c] = _mm512_shuffle_f32x4::<0xDD>(w0, w1);
    }
    out
}

/// Packs rows `0..14` (row `i` at `row(i)`, or zeros where that is null)
/// into `dst[p·14 + i]`, `p < kc`.
///
/// # Safety
///
/// As the public packers: each non-null `row(i)` readable for `kc`
/// elements, `dst` writable for `14·kc` and not overlapping them.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn pack_14(row: impl Fn(usize) -> *const f32, kc: usize, dst: *mut f32) {
    let mut p0 = 0;
    while p0 < kc {
        let len = (kc - p0).min(16);
        let mask: __mmask16 = if len == 16 { 0xffff } else { (1u16 << len) - 1 };
        let mut rows = [_mm512_setzero_ps(); 16];
        for (i, r) in rows.iter_mut().enumerate().take(MR) {
            let s = row(i);
            if s.is_null() {
                continue;
            }
            // SAFETY: lanes p0..p0+len of row i are inside the caller's rows.
            *r = unsafe {
                let s = s.add(p0);
                if len == 16 {
                    _mm512_loadu_ps(s)
                } else {
                    _mm512_maskz_loadu_ps(mask, s)
                }
            };
        }
        let cols = transpose_16x16(rows);
        let last = p0 + len == kc;
        for (p, col) in cols.iter().enumerate().take(len) {
            // SAFETY: depth p0 + p < kc: its 14 floats are inside `dst`. A
            // full store also writes the next depth's first two floats,
            // which that depth's store then overwrites; the panel's last
            // depth stores only its 14.
            unsafe {
                let d = dst.add((p0 + p) * MR);
                if last && p + 1 == len {
                    _mm512_mask_storeu_ps(d, 0x3fff, *col);
                } else {
                    _mm512_storeu_ps(d, *col);
                }
            }
        }
        p0 += len;
    }
}

with_level! { avx512:
/// Packs rows `0..14` of A (row `i` at `src + i·lda`, `kc` elements each)
/// into `dst[p·14 + i]`, `p < kc`.
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]). `src + i·lda + p` readable for `i < 14`,
/// `p < kc`; `dst` writable for `14·kc` elements and not overlapping `src`'s
/// rows.
pub unsafe fn sgemm_f32_pack_a_14_avx512(src: *const f32, lda: usize, kc: usize, dst: *mut f32) {
    // SAFETY: the caller's contract, row i at src + i·lda.
    unsafe { pack_14(|i| src.wrapping_add(i * lda), kc, dst) }
}

/// Packs 14 rows read through pointers (an implicit GEMM's indirection:
/// row `i` at `rows[i]`, zeros where it is null, e.g. a padding tap) into
/// `dst[p·14 + i]`, `p < kc`.
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]). `rows`
/// readable for 14 pointers, each non-null one readable for `kc` elements;
/// `dst` writable for `14·kc` elements and not overlapping them.
pub unsafe fn sgemm_f32_pack_a_14_indirect_avx512(rows: *const *const f32, kc: usize, dst: *mut f32) {
    // SAFETY: the caller's contract; rows[i] for i < 14.
    unsafe { pack_14(|i| *rows.add(i), kc, dst) }
}
}
