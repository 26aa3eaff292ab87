//! `dwconv_u8_patch2x2_avx512`: cuts two input rows of a 16-channel block
//! into 2×2 patches for the stride-2 `vpdpbusd` depthwise kernels
//! (contract in [`crate::dwconv_patch`]).

use crate::dwconv_patch::DwPatch2x2;
use crate::dwconv_stack::{STACK_BYTES, STACK_LANES};
use core::arch::x86_64::*;

with_level! { avx512:
/// Writes the row of patches `a` describes: see [`DwPatch2x2`].
///
/// # Safety
///
/// The CPU must have the `avx512` level. For each non-null row and each
/// column `q < iw`, the `valid` bytes at `rows[r] + q·pixel_stride` must be
/// readable (for each of `blocks` blocks, 16 bytes further per block), and
/// `blocks · patches · 64` bytes at `dst` writable.
pub unsafe fn dwconv_u8_patch2x2_avx512(a: &DwPatch2x2) {
    // SAFETY: the caller's contract; plain loads only where both rows
    // exist and the block is whole.
    unsafe {
        let whole = a.valid >= STACK_LANES && a.rows.iter().all(|r| !r.is_null());
        for b in 0..a.blocks {
            let a = &DwPatch2x2 {
                rows: a.rows.map(|r| if r.is_null() { r } else { r.add(b * STACK_LANES) }),
                dst: a.dst.add(b * a.patches * STACK_BYTES),
                ..*a
            };
            match (whole, a.flip != 0) {
                (true, false) => patches::<true, false>(a),
                (true, true) => patches::<true, true>(a),
                (false, false) => patches::<false, false>(a),
                (false, true) => patches::<false, true>(a),
            }
        }
    }
}

/// One block: plain loads inside the row when `WHOLE` (whole block, both
/// rows), masked loads elsewhere; loaded bytes XORed with `flip` when `FLIP`.
#[inline]
unsafe fn patches<const WHOLE: bool, const FLIP: bool>(a: &DwPatch2x2) {
    // The four 16-byte quarters (row, column) side by side, then dword `k`
    // of quarter `i` moved to lane `k`, then each lane's 4×4 bytes
    // transposed: byte `4j + i`. The permutes are hidden from the
    // optimizer, which otherwise splits them into longer shuffle chains.
    let idx = core::hint::black_box(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15));
    let ctl = core::hint::black_box(_mm512_broadcast_i32x4(_mm_setr_epi8(
        0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
    )));
    // What is not loaded is `pad ^ flip`, XORed back to `pad` with the rest.
    let flip = _mm512_set1_epi8(a.flip as i8);
    let fallback = _mm_set1_epi8((a.pad ^ if FLIP { a.flip } else { 0 }) as i8);
    let full: __mmask16 = ((1u32 << a.valid.min(STACK_LANES)) - 1) as __mmask16;
    // A missing quarter loads nothing (mask 0) from a harmless address.
    let here = [0u8; STACK_LANES];
    let iw = a.iw as isize;
    let quarter = |r: usize, col: isize| -> (*const u8, __mmask16) {
        let row = a.rows[r];
        if row.is_null() || col < 0 || col >= iw {
            (here.as_ptr(), 0)
        } else {
            (row.wrapping_add(col as usize * a.pixel_stride), full)
        }
    };
    // Patches whose four quarters all lie inside the row: `2p ≥ pl` and
    // `2p + 1 − pl < iw`.
    let p0 = a.pl.div_ceil(2).min(a.patches);
    let p1 = ((a.iw + a.pl) / 2).clamp(p0, a.patches);
    let build = |q: [__m128i; 4]| -> __m512i {
        let mut z = _mm512_castsi128_si512(q[0]);
        z = _mm512_inserti32x4::<1>(z, q[1]);
        z = _mm512_inserti32x4::<2>(z, q[2]);
        z = _mm512_inserti32x4::<3>(z, q[3]);
        z = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(idx, z), ctl);
        if FLIP {
            z = _mm512_xor_si512(z, flip);
        }
        z
    };
    // SAFETY: the stores stay within the caller's `patches · 64` bytes; each
    // load reads the `valid` bytes of an input column in `0..iw` of a
    // non-null row, or nothing (mask 0).
    unsafe {
        let masked = |p: usize| {
            let c0 = (2 * p) as isize - a.pl as isize;
            build(core::array::from_fn(|i| {
                let (ptr, k) = quarter(i / 2, c0 + (i % 2) as isize);
                _mm_mask_loadu_epi8(fallback, k, ptr.cast())
            }))
        };
        for p in (0..p0).chain(p1..a.patches) {
            _mm512_storeu_si512(a.dst.add(p * STACK_BYTES).cast(), masked(p));
        }
        for p in p0..p1 {
            let z = if WHOLE {
                let at = (2 * p - a.pl) * a.pixel_stride;
                let s = a.pixel_stride;
                build([
                    _mm_loadu_si128(a.rows[0].add(at).cast()),
                    _mm_loadu_si128(a.rows[0].add(at + s).cast()),
                    _mm_loadu_si128(a.rows[1].add(at).cast()),
                    _mm_loadu_si128(a.rows[1].add(at + s).cast()),
                ])
            } else {
                masked(p)
            };
            _mm512_storeu_si512(a.dst.add(p * STACK_BYTES).cast(), z);
        }
    }
}
}
