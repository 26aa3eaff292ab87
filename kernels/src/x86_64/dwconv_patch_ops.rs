//! Building the 2×2 patches of the stride-2 depthwise kernels (contract in
//! [`crate::dwconv_patch`]), one at a time, so the layout kernel and the
//! row kernel (which lays out its lower row of patches as it goes) share
//! it.
//!
//! Every function here is `#[inline(always)]` without target features of
//! its own: it becomes instructions of the `#[target_feature]` entry point
//! that calls it.
#![allow(clippy::missing_safety_doc)]

use crate::dwconv_patch::{DwPatch2x2, DwPatch3x3S2, PATCH_BYTES, PATCH_CHANNELS};
use core::arch::x86_64::*;

/// What a masked load reads when it reads nothing.
static NOTHING: [u8; PATCH_CHANNELS] = [0; PATCH_CHANNELS];

/// A patch: four vectors in the pair's lane order.
pub(crate) type Patch = [__m256i; 4];

/// One pair's row of patches, ready to build patch by patch.
pub(crate) struct Patches {
    a: DwPatch2x2,
    /// Patches `p0..p1` have all four quarters inside the row, and plain
    /// loads serve them when `whole` (whole pair, both rows).
    p0: usize,
    p1: usize,
    whole: bool,
    flip: __m256i,
    fallback: __m256i,
    full: __mmask32,
}

impl Patches {
    /// Pair `b` of `a`'s pairs.
    #[inline(always)]
    pub(crate) unsafe fn new(a: &DwPatch2x2, b: usize) -> Patches {
        let a = DwPatch2x2 {
            rows: a.rows.map(|r| {
                if r.is_null() {
                    r
                } else {
                    r.wrapping_add(b * PATCH_CHANNELS)
                }
            }),
            dst: a.dst.wrapping_add(b * a.patches * PATCH_BYTES),
            ..*a
        };
        let p0 = a.pl.div_ceil(2).min(a.patches);
        // SAFETY: register-only operations of the caller's level.
        unsafe {
            Patches {
                p0,
                p1: ((a.iw + a.pl) / 2).clamp(p0, a.patches),
                whole: a.valid >= PATCH_CHANNELS && a.rows.iter().all(|r| !r.is_null()),
                flip: _mm256_set1_epi8(a.flip as i8),
                // What is not loaded is `pad ^ flip`, XORed back to `pad`.
                fallback: _mm256_set1_epi8((a.pad ^ a.flip) as i8),
                full: (u64::MAX >> (64 - a.valid.min(PATCH_CHANNELS))) as __mmask32,
                a,
            }
        }
    }

    /// Where patch `p` goes.
    #[inline(always)]
    pub(crate) fn dst(&self, p: usize) -> *mut u8 {
        self.a.dst.wrapping_add(p * PATCH_BYTES)
    }

    /// Patch `p`.
    #[inline(always)]
    pub(crate) unsafe fn get(&self, p: usize) -> Patch {
        let a = &self.a;
        // SAFETY: each load reads the `valid` bytes of an input column in
        // `0..iw` of a non-null row (the caller's contract), or nothing.
        unsafe {
            // Quarter `2r + c`: row `r`, column `2p + c − pl`.
            let q: [__m256i; 4] = if self.whole && (self.p0..self.p1).contains(&p) {
                let at = (2 * p - a.pl) * a.pixel_stride;
                core::array::from_fn(|i| {
                    _mm256_loadu_si256(a.rows[i / 2].add(at + (i % 2) * a.pixel_stride).cast())
                })
            } else {
                core::array::from_fn(|i| {
                    let (row, col) = (a.rows[i / 2], (2 * p + i % 2).wrapping_sub(a.pl));
                    let (ptr, k) = if row.is_null() || col >= a.iw {
                        (NOTHING.as_ptr(), 0)
                    } else {
                        (row.add(col * a.pixel_stride), self.full)
                    };
                    _mm256_mask_loadu_epi8(self.fallback, k, ptr.cast())
                })
            };
            // Bytes of the two columns side by side, then words of the two
            // rows: byte `4i + 2r + c` of each 4-channel group.
            let top = [_mm256_unpacklo_epi8(q[0], q[1]), _mm256_unpackhi_epi8(q[0], q[1])];
            let bot = [_mm256_unpacklo_epi8(q[2], q[3]), _mm256_unpackhi_epi8(q[2], q[3])];
            let mut z = [
                _mm256_unpacklo_epi16(top[0], bot[0]),
                _mm256_unpackhi_epi16(top[0], bot[0]),
                _mm256_unpacklo_epi16(top[1], bot[1]),
                _mm256_unpackhi_epi16(top[1], bot[1]),
            ];
            if a.flip != 0 {
                z = z.map(|v| _mm256_xor_si256(v, self.flip));
            }
            z
        }
    }

    /// Stores patch `z` as patch `p`.
    #[inline(always)]
    pub(crate) unsafe fn put(&self, p: usize, z: &Patch) {
        let d = self.dst(p);
        // SAFETY: the caller's `dst` holds `patches · 128` bytes of this pair.
        unsafe {
            for (v, z) in z.iter().enumerate() {
                _mm256_storeu_si256(d.add(32 * v).cast(), *z);
            }
        }
    }
}

/// How a pair's finished sums (four vectors in the pair's lane order: see
/// [`crate::dwconv_patch::patch_slot`]) reach the output.
pub(crate) trait PatchStore {
    /// What the outputs are made of (i32, or u8/s8 bytes).
    type Out;
    /// What the store holds per pair (loaded once, kept across the row).
    type Pair: Copy;
    /// Pair `b`'s constants.
    unsafe fn pair(&self, b: usize) -> Self::Pair;
    /// Stores one output pixel's sums `acc` at `out` (block 1 at `out + half`).
    unsafe fn store(&self, p: &Self::Pair, out: *mut Self::Out, half: usize, acc: &Patch);
}

/// The row loop shared by the patch kernels: see [`DwPatch3x3S2`]. Each
/// patch is loaded or built once and carried to the next output, so the
/// loop holds no conditions on its place in the row.
#[inline(always)]
pub(crate) unsafe fn patch_rows<S: PatchStore>(a: &DwPatch3x3S2<S::Out>, st: &S) {
    // SAFETY: the caller's contract.
    unsafe {
        if a.out_rows == 2 {
            patch_rows_n::<S, 3>(a, st)
        } else {
            patch_rows_n::<S, 2>(a, st)
        }
    }
}

/// `N − 1` output rows from `N` rows of patches: the loaded top row, then
/// (with three) the middle one built in registers and shared by both
/// outputs, then the lower one, built and stored for the next call.
#[inline(always)]
unsafe fn patch_rows_n<S: PatchStore, const N: usize>(a: &DwPatch3x3S2<S::Out>, st: &S) {
    let patches = a.ow + 1;
    // SAFETY: the caller's contract, pair by pair.
    unsafe {
        for b in 0..a.lay.pairs {
            let a = &DwPatch3x3S2 {
                top: a.top.add(b * patches * PATCH_BYTES),
                weights: a.weights.add(b * 4 * PATCH_BYTES),
                init: a.init.add(b * PATCH_CHANNELS),
                out: a.out.add(b * PATCH_CHANNELS),
                ..*a
            };
            let pair = st.pair(b);
            let bottom = Patches::new(&a.lay, b);
            // Unused (never dereferenced) with one output row.
            let mid = Patches::new(&DwPatch2x2 { rows: a.mid, ..a.lay }, b);
            let ld = |p: *const u8| -> Patch {
                core::array::from_fn(|v| _mm256_loadu_si256(p.add(32 * v).cast()))
            };
            let w: [Patch; 4] = core::array::from_fn(|t| ld(a.weights.add(t * PATCH_BYTES).cast()));
            let init: Patch = core::array::from_fn(|v| _mm256_loadu_si256(a.init.add(8 * v).cast()));
            let dot = |acc: &Patch, p: &Patch, w: &Patch| -> Patch {
                core::array::from_fn(|v| _mm256_dpbusd_epi32(acc[v], p[v], w[v]))
            };
            // Each column serves two outputs: it finishes output `x` (taps
            // `w[1]`, `w[3]`) and starts `x + 1` (`w[0]`, `w[2]`), so the
            // loop carries sums, not patches.
            let first = column::<N>(a.top, &mid, &bottom, 0);
            let mut next: [Patch; 2] = core::array::from_fn(|r| {
                dot(&dot(&init, &first[r], &w[0]), &first[(r + 1).min(N - 1)], &w[2])
            });
            for x in 0..a.ow {
                let c = column::<N>(a.top, &mid, &bottom, x + 1);
                for r in 0..N - 1 {
                    let acc = dot(&dot(&next[r], &c[r], &w[1]), &c[r + 1], &w[3]);
                    st.store(
                        &pair,
                        a.out.add(r * a.row_stride + x * a.out_stride),
                        a.half,
                        &acc,
                    );
                    next[r] = dot(&dot(&init, &c[r], &w[0]), &c[r + 1], &w[2]);
                }
            }
        }
    }
}

/// Column `p` of `N` rows of patches: the top one loaded from `top`, the
/// middle one (with three) built, the lower one built and stored; the top
/// patch is read before the lower one is stored (the same place when
/// `lay.dst` is `top`).
#[inline(always)]
unsafe fn column<const N: usize>(top: *const u8, mid: &Patches, bottom: &Patches, p: usize) -> [Patch; N] {
    // SAFETY: the caller's (`ow + 1` patches at `top`, the rows as built).
    unsafe {
        let at = top.add(p * PATCH_BYTES);
        let t: Patch = core::array::from_fn(|v| _mm256_loadu_si256(at.add(32 * v).cast()));
        let m = if N == 3 { mid.get(p) } else { t };
        let l = bottom.get(p);
        bottom.put(p, &l);
        let rows = [t, m, l];
        core::array::from_fn(|i| rows[if i == 0 { 0 } else { i + 3 - N }])
    }
}
