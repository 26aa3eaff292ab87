//! `dwconv_u8_stack4_pair_avx512`: lays out four input rows of 32 channels
//! as two stacked blocks (contract in [`crate::dwconv_stack::DwStack4`]):
//! per pixel four 32-byte loads, two two-source dword permutes and two byte
//! shuffles, where two single blocks take eight loads, six inserts and four
//! shuffles.

use crate::dwconv_stack::{DwStack4, STACK_BYTES, STACK_LANES};
use core::arch::x86_64::*;

with_level! { avx512:
/// Writes the stacked rows `a` describes, two blocks at a time: see
/// [`DwStack4`] (with `blocks` even and `valid` = 16).
///
/// # Safety
///
/// The CPU must have the `avx512` level. `blocks` must be even and `valid`
/// 16; for each non-null row `i < rows_used` and each column `q < iw`, the
/// `16·blocks` bytes at `rows[i] + q·pixel_stride` must be readable, and
/// `blocks · pixels · 64` bytes at `dst` writable.
pub unsafe fn dwconv_u8_stack4_pair_avx512(a: &DwStack4) {
    // 128-bit lane `L` of block `h`: dword `4h + L` (channels `16h + 4L..`)
    // of rows 0–3 (rows 0, 1 are dwords 0–15 of the first source, rows 2, 3
    // of the second), then each lane's 4×4 bytes transposed: byte `4m + i`
    // is row `i`'s channel `16h + 4L + m`. Hidden from the optimizer, which
    // otherwise splits the permutes into longer chains of fixed shuffles.
    let idx = |h: i32| {
        let d = 4 * h;
        core::hint::black_box(_mm512_setr_epi32(
            d,
            8 + d,
            16 + d,
            24 + d,
            d + 1,
            9 + d,
            17 + d,
            25 + d,
            d + 2,
            10 + d,
            18 + d,
            26 + d,
            d + 3,
            11 + d,
            19 + d,
            27 + d,
        ))
    };
    let (idx0, idx1) = (idx(0), idx(1));
    let ctl = core::hint::black_box(_mm512_broadcast_i32x4(_mm_setr_epi8(
        0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
    )));
    let flip = _mm512_set1_epi8(a.flip as i8);
    let padz = _mm512_set1_epi8(a.pad as i8);
    // A padding row loads `pad ^ flip` (so it holds `pad` after the XOR)
    // from here, without a step.
    let here = [a.pad ^ a.flip; 2 * STACK_LANES];
    let p0 = a.pl.min(a.pixels);
    let p1 = (a.pl + a.iw).clamp(p0, a.pixels);
    // SAFETY: the stores stay within the caller's `blocks · pixels · 64`
    // bytes; each load reads 32 bytes of an input column `p − pl < iw` of a
    // used non-null row, within its `16·blocks` channels, or of `here`.
    unsafe {
        for pair in 0..a.blocks / 2 {
            let dst = a.dst.add(2 * pair * a.pixels * STACK_BYTES);
            let mut rows = [(here.as_ptr(), 0); 4];
            for (i, row) in rows.iter_mut().enumerate().take(a.rows_used) {
                if !a.rows[i].is_null() {
                    *row = (a.rows[i].add(2 * pair * STACK_LANES), a.pixel_stride);
                }
            }
            for p in (0..p0).chain(p1..a.pixels) {
                _mm512_storeu_si512(dst.add(p * STACK_BYTES).cast(), padz);
                _mm512_storeu_si512(dst.add((a.pixels + p) * STACK_BYTES).cast(), padz);
            }
            for p in p0..p1 {
                let q = p - a.pl;
                let ld = |(r, step): (*const u8, usize)| _mm256_loadu_si256(r.add(q * step).cast());
                let z01 = _mm512_inserti64x4::<1>(_mm512_castsi256_si512(ld(rows[0])), ld(rows[1]));
                let z23 = _mm512_inserti64x4::<1>(_mm512_castsi256_si512(ld(rows[2])), ld(rows[3]));
                for (h, idx) in [(0, idx0), (1, idx1)] {
                    let z = _mm512_shuffle_epi8(_mm512_permutex2var_epi32(z01, idx, z23), ctl);
                    let z = if a.flip != 0 { _mm512_xor_si512(z, flip) } else { z };
                    _mm512_storeu_si512(dst.add((h * a.pixels + p) * STACK_BYTES).cast(), z);
                }
            }
        }
    }
}
}
