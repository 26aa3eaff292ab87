//! `dwconv_u8_stack4_avx512`: lays out four input rows of a 16-channel
//! block as stacked pixels for the `vpdpbusd` depthwise kernels (contract
//! in [`crate::dwconv_stack`]).

use crate::dwconv_stack::{DwStack4, STACK_BYTES, STACK_LANES};
use core::arch::x86_64::*;

with_level! { avx512:
/// Writes the stacked row `a` describes: see [`DwStack4`].
///
/// # Safety
///
/// The CPU must have the `avx512` level. For each non-null row and each
/// column `q < iw`, the `valid` bytes at `rows[i] + q·pixel_stride` must be
/// readable (for each of `blocks` blocks, 16 bytes further per block), and
/// `blocks · pixels · 64` bytes at `dst` writable.
pub unsafe fn dwconv_u8_stack4_avx512(a: &DwStack4) {
    // SAFETY: the caller's contract; plain loads only where every row
    // exists and the block is whole.
    unsafe {
        let whole = a.valid >= STACK_LANES && a.rows[..a.rows_used].iter().all(|r| !r.is_null());
        for b in 0..a.blocks {
            let a = &DwStack4 {
                rows: a.rows.map(|r| if r.is_null() { r } else { r.add(b * STACK_LANES) }),
                dst: a.dst.add(b * a.pixels * STACK_BYTES),
                ..*a
            };
            match (whole, a.flip != 0, a.rows_used == 3) {
                (true, false, false) => stack::<true, false, 4>(a),
                (true, true, false) => stack::<true, true, 4>(a),
                (false, false, false) => stack::<false, false, 4>(a),
                (false, true, false) => stack::<false, true, 4>(a),
                (true, false, true) => stack::<true, false, 3>(a),
                (true, true, true) => stack::<true, true, 3>(a),
                (false, false, true) => stack::<false, false, 3>(a),
                (false, true, true) => stack::<false, true, 3>(a),
            }
        }
    }
}

/// One block: whole with every used row existing (`WHOLE`: plain loads)
/// or any (masked loads), XORing the loaded bytes with `flip` when `FLIP`,
/// `ROWS` rows used.
#[inline]
unsafe fn stack<const WHOLE: bool, const FLIP: bool, const ROWS: usize>(a: &DwStack4) {
    // Four 16-byte rows side by side, then dword `k` of row `i` moved to
    // lane `k`, then each lane's 4×4 bytes transposed: byte `4j + i`. The
    // two permutes are hidden from the optimizer, which otherwise splits
    // them into a longer chain of fixed shuffles.
    let idx = core::hint::black_box(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
    let ctl = core::hint::black_box(_mm512_broadcast_i32x4(_mm_setr_epi8(
        0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
    )));
    // Loaded lanes are XORed twice (once by the load's fallback, once
    // after): the fallback is `pad ^ flip`, so what is not loaded ends as `pad`.
    let flip = _mm512_set1_epi8(a.flip as i8);
    let fallback = _mm_set1_epi8((a.pad ^ if FLIP { a.flip } else { 0 }) as i8);
    let padz = _mm512_set1_epi8(a.pad as i8);
    let full: __mmask16 = ((1u32 << a.valid.min(STACK_LANES)) - 1) as __mmask16;
    // A null row loads nothing (mask 0, no step) from a harmless address.
    let here = [0u8; STACK_LANES];
    let rows = a.rows.map(|r| if r.is_null() { (here.as_ptr(), 0, 0) } else { (r, a.pixel_stride, full) });
    let p0 = a.pl.min(a.pixels);
    let p1 = (a.pl + a.iw).clamp(p0, a.pixels);
    // SAFETY: the stores stay within the caller's `pixels · 64` bytes; each
    // load reads the `valid` bytes of an input column `p − pl < iw` of a
    // non-null row, or nothing (mask 0).
    unsafe {
        for p in (0..p0).chain(p1..a.pixels) {
            _mm512_storeu_si512(a.dst.add(p * STACK_BYTES).cast(), padz);
        }
        for p in p0..p1 {
            let q = p - a.pl;
            let ld = |(r, step, k): (*const u8, usize, __mmask16)| {
                if WHOLE {
                    _mm_loadu_si128(r.add(q * step).cast())
                } else {
                    _mm_mask_loadu_epi8(fallback, k, r.add(q * step).cast())
                }
            };
            let mut z = _mm512_castsi128_si512(ld(rows[0]));
            z = _mm512_inserti32x4::<1>(z, ld(rows[1]));
            z = _mm512_inserti32x4::<2>(z, ld(rows[2]));
            if ROWS == 4 {
                z = _mm512_inserti32x4::<3>(z, ld(rows[3]));
            }
            z = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(idx, z), ctl);
            if FLIP {
                z = _mm512_xor_si512(z, flip);
            }
            _mm512_storeu_si512(a.dst.add(p * STACK_BYTES).cast(), z);
        }
    }
}
}
