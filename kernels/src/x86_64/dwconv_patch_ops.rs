//! Building the 2×2 patches of the stride-2 depthwise kernels (contract in
//! [`crate::dwconv_patch`]), one at a time, so the layout kernel and the
//! row kernel (which lays out its lower row of patches as it goes) share
//! it.
//!
//! Every function here is `#[inline(always)]` without target features of
//! its own: it becomes instructions of the `#[target_feature]` entry point
//! that calls it.
#![allow(clippy::missing_safety_doc)]

use crate::dwconv_patch::DwPatch2x2;
use crate::dwconv_stack::STACK_LANES;
use core::arch::x86_64::*;

/// What a masked load reads when it reads nothing.
static NOTHING: [u8; STACK_LANES] = [0; STACK_LANES];

/// One block's row of patches, ready to build patch by patch.
pub(crate) struct Patches {
    a: DwPatch2x2,
    /// Patches `p0..p1` have all four quarters inside the row, and plain
    /// loads serve them when `whole` (whole block, both rows).
    p0: usize,
    p1: usize,
    whole: bool,
    idx: __m512i,
    ctl: __m512i,
    flip: __m512i,
    fallback: __m128i,
    full: __mmask16,
}

impl Patches {
    /// Block `b` of `a`'s blocks.
    #[inline(always)]
    pub(crate) unsafe fn new(a: &DwPatch2x2, b: usize) -> Patches {
        let a = DwPatch2x2 {
            rows: a.rows.map(|r| {
                if r.is_null() {
                    r
                } else {
                    r.wrapping_add(b * STACK_LANES)
                }
            }),
            dst: a.dst.wrapping_add(b * a.patches * 64),
            ..*a
        };
        let p0 = a.pl.div_ceil(2).min(a.patches);
        // SAFETY: register-only operations of the caller's level.
        unsafe {
            Patches {
                p0,
                p1: ((a.iw + a.pl) / 2).clamp(p0, a.patches),
                whole: a.valid >= STACK_LANES && a.rows.iter().all(|r| !r.is_null()),
                // The four quarters (row, column) side by side, then dword
                // `k` of quarter `i` moved to lane `k`, then each lane's
                // 4×4 bytes transposed: byte `4j + i`. The permutes are
                // hidden from the optimizer, which otherwise splits them
                // into longer shuffle chains.
                idx: core::hint::black_box(_mm512_setr_epi32(
                    0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                )),
                ctl: core::hint::black_box(_mm512_broadcast_i32x4(_mm_setr_epi8(
                    0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15,
                ))),
                flip: _mm512_set1_epi8(a.flip as i8),
                // What is not loaded is `pad ^ flip`, XORed back to `pad`.
                fallback: _mm_set1_epi8((a.pad ^ a.flip) as i8),
                full: ((1u32 << a.valid.min(STACK_LANES)) - 1) as __mmask16,
                a,
            }
        }
    }

    /// Where patch `p` goes.
    #[inline(always)]
    pub(crate) fn dst(&self, p: usize) -> *mut u8 {
        self.a.dst.wrapping_add(p * 64)
    }

    /// Patch `p`.
    #[inline(always)]
    pub(crate) unsafe fn get(&self, p: usize) -> __m512i {
        let a = &self.a;
        // SAFETY: each load reads the `valid` bytes of an input column in
        // `0..iw` of a non-null row (the caller's contract), or nothing.
        unsafe {
            let q: [__m128i; 4] = if self.whole && (self.p0..self.p1).contains(&p) {
                let at = (2 * p - a.pl) * a.pixel_stride;
                core::array::from_fn(|i| {
                    _mm_loadu_si128(a.rows[i / 2].add(at + (i % 2) * a.pixel_stride).cast())
                })
            } else {
                core::array::from_fn(|i| {
                    let (row, col) = (a.rows[i / 2], (2 * p + i % 2).wrapping_sub(a.pl));
                    let (ptr, k) = if row.is_null() || col >= a.iw {
                        (NOTHING.as_ptr(), 0)
                    } else {
                        (row.add(col * a.pixel_stride), self.full)
                    };
                    _mm_mask_loadu_epi8(self.fallback, k, ptr.cast())
                })
            };
            let mut z = _mm512_castsi128_si512(q[0]);
            z = _mm512_inserti32x4::<1>(z, q[1]);
            z = _mm512_inserti32x4::<2>(z, q[2]);
            z = _mm512_inserti32x4::<3>(z, q[3]);
            z = _mm512_shuffle_epi8(_mm512_permutexvar_epi32(self.idx, z), self.ctl);
            if a.flip != 0 {
                z = _mm512_xor_si512(z, self.flip);
            }
            z
        }
    }
}
