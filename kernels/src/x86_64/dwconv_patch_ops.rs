//! Building the 2×2 patches of the stride-2 depthwise kernels (contract in
//! [`crate::dwconv_patch`]), one at a time, so the layout kernel and the
//! row kernel (which lays out its lower row of patches as it goes) share
//! it. Generic over the vector width ([`PatchVec`]): ymm patches of a
//! 32-channel pair, or zmm patches of two neighbouring pairs (64 channels,
//! whose lane order is the two pairs' ymm vectors side by side).
//!
//! Every function here is `#[inline(always)]` without target features of
//! its own: it becomes instructions of the `#[target_feature]` entry point
//! that calls it.
#![allow(clippy::missing_safety_doc)]

use crate::dwconv_patch::{DwPatch2x2, DwPatch3x3S2, PATCH_BYTES, PATCH_CHANNELS};
use core::arch::x86_64::*;

/// What a masked load reads when it reads nothing.
static NOTHING: [u8; 2 * PATCH_CHANNELS] = [0; 2 * PATCH_CHANNELS];

/// A patch vector's width: the operations the patch kernels use.
pub(crate) trait PatchVec: Copy {
    /// 32-channel pairs a patch covers (1: ymm, 2: zmm).
    const PAIRS: usize;
    /// A byte mask of one vector.
    type Mask: Copy + Default;
    /// The mask of the first `valid` bytes of each pair (all of them past
    /// the first pair: wider patches take whole pairs only).
    fn mask(valid: usize) -> Self::Mask;
    unsafe fn load(p: *const u8) -> Self;
    /// Each pair's 32 bytes, pair `i` at `p + i·stride`.
    unsafe fn load_pairs(p: *const u8, stride: usize) -> Self;
    unsafe fn mask_load(fallback: Self, k: Self::Mask, p: *const u8) -> Self;
    unsafe fn store(p: *mut u8, v: Self);
    unsafe fn splat(b: u8) -> Self;
    unsafe fn unpacklo_8(a: Self, b: Self) -> Self;
    unsafe fn unpackhi_8(a: Self, b: Self) -> Self;
    unsafe fn unpacklo_16(a: Self, b: Self) -> Self;
    unsafe fn unpackhi_16(a: Self, b: Self) -> Self;
    unsafe fn xor(a: Self, b: Self) -> Self;
    /// `vpdpbusd`: `acc` plus the four u8 × s8 products of each dword.
    unsafe fn dpbusd(acc: Self, u: Self, s: Self) -> Self;
}

/// [`PatchVec`] for one width, from its intrinsics.
macro_rules! patch_vec {
    ($v:ty, $pairs:expr, $mask:ty, $mask_of:ident, $load_pairs:ident, {
        $load:ident, $mask_load:ident, $store:ident, $set1:ident, $unlo8:ident, $unhi8:ident,
        $unlo16:ident, $unhi16:ident, $xor:ident, $dp:ident $(,)?
    }) => {
        impl PatchVec for $v {
            const PAIRS: usize = $pairs;
            type Mask = $mask;
            #[inline(always)]
            fn mask(valid: usize) -> $mask {
                $mask_of(valid)
            }
            #[inline(always)]
            unsafe fn load(p: *const u8) -> $v {
                // SAFETY: the caller's.
                unsafe { $load(p.cast()) }
            }
            #[inline(always)]
            unsafe fn load_pairs(p: *const u8, stride: usize) -> $v {
                // SAFETY: the caller's.
                unsafe { $load_pairs(p, stride) }
            }
            #[inline(always)]
            unsafe fn mask_load(fallback: $v, k: $mask, p: *const u8) -> $v {
                // SAFETY: the caller's.
                unsafe { $mask_load(fallback, k, p.cast()) }
            }
            #[inline(always)]
            unsafe fn store(p: *mut u8, v: $v) {
                // SAFETY: the caller's.
                unsafe { $store(p.cast(), v) }
            }
            #[inline(always)]
            unsafe fn splat(b: u8) -> $v {
                // SAFETY: the caller's level.
                unsafe { $set1(b as i8) }
            }
            #[inline(always)]
            unsafe fn unpacklo_8(a: $v, b: $v) -> $v {
                // SAFETY: the caller's level.
                unsafe { $unlo8(a, b) }
            }
            #[inline(always)]
            unsafe fn unpackhi_8(a: $v, b: $v) -> $v {
                // SAFETY: the caller's level.
                unsafe { $unhi8(a, b) }
            }
            #[inline(always)]
            unsafe fn unpacklo_16(a: $v, b: $v) -> $v {
                // SAFETY: the caller's level.
                unsafe { $unlo16(a, b) }
            }
            #[inline(always)]
            unsafe fn unpackhi_16(a: $v, b: $v) -> $v {
                // SAFETY: the caller's level.
                unsafe { $unhi16(a, b) }
            }
            #[inline(always)]
            unsafe fn xor(a: $v, b: $v) -> $v {
                // SAFETY: the caller's level.
                unsafe { $xor(a, b) }
            }
            #[inline(always)]
            unsafe fn dpbusd(acc: $v, u: $v, s: $v) -> $v {
                // SAFETY: the caller's level.
                unsafe { $dp(acc, u, s) }
            }
        }
    };
}

/// The first `valid` (1 to 32) bytes of a ymm.
#[inline(always)]
fn mask_256(valid: usize) -> __mmask32 {
    (u64::MAX >> (64 - valid.min(PATCH_CHANNELS))) as __mmask32
}

/// A pair's 32 bytes.
#[inline(always)]
unsafe fn load_pairs_256(p: *const u8, _: usize) -> __m256i {
    // SAFETY: the caller's (32 readable bytes at `p`).
    unsafe { _mm256_loadu_si256(p.cast()) }
}

/// Every byte of a zmm (two whole pairs), or the first `valid` of one.
#[inline(always)]
fn mask_512(valid: usize) -> __mmask64 {
    if valid >= PATCH_CHANNELS {
        u64::MAX
    } else {
        u64::MAX >> (64 - valid.max(1))
    }
}

/// Two pairs' 32 bytes, at `p` and `p + stride`.
#[inline(always)]
unsafe fn load_pairs_512(p: *const u8, stride: usize) -> __m512i {
    // SAFETY: the caller's (32 readable bytes at each).
    unsafe {
        let lo = _mm512_castsi256_si512(_mm256_loadu_si256(p.cast()));
        _mm512_inserti64x4::<1>(lo, _mm256_loadu_si256(p.add(stride).cast()))
    }
}

patch_vec!(
    __m256i,
    1,
    __mmask32,
    mask_256,
    load_pairs_256,
    {
        _mm256_loadu_si256,
        _mm256_mask_loadu_epi8,
        _mm256_storeu_si256,
        _mm256_set1_epi8,
        _mm256_unpacklo_epi8,
        _mm256_unpackhi_epi8,
        _mm256_unpacklo_epi16,
        _mm256_unpackhi_epi16,
        _mm256_xor_si256,
        _mm256_dpbusd_epi32,
    }
);

patch_vec!(
    __m512i,
    2,
    __mmask64,
    mask_512,
    load_pairs_512,
    {
        _mm512_loadu_si512,
        _mm512_mask_loadu_epi8,
        _mm512_storeu_si512,
        _mm512_set1_epi8,
        _mm512_unpacklo_epi8,
        _mm512_unpackhi_epi8,
        _mm512_unpacklo_epi16,
        _mm512_unpackhi_epi16,
        _mm512_xor_si512,
        _mm512_dpbusd_epi32,
    }
);

/// A patch: four vectors in the pairs' lane order.
pub(crate) type Patch<V> = [V; 4];

/// Bytes of one patch of width `V`.
const fn patch_bytes<V: PatchVec>() -> usize {
    V::PAIRS * PATCH_BYTES
}

/// One row of patches of `V::PAIRS` neighbouring pairs, ready to build
/// patch by patch.
pub(crate) struct Patches<V: PatchVec> {
    a: DwPatch2x2,
    /// Patches `p0..p1` have all four quarters inside the row, and plain
    /// loads serve them when `whole` (whole pairs, both rows).
    p0: usize,
    p1: usize,
    whole: bool,
    flip: V,
    fallback: V,
    full: V::Mask,
}

impl<V: PatchVec> Patches<V> {
    /// Patch group `b` (of `V::PAIRS` pairs) of `a`'s pairs.
    #[inline(always)]
    pub(crate) unsafe fn new(a: &DwPatch2x2, b: usize) -> Patches<V> {
        let a = DwPatch2x2 {
            rows: a.rows.map(|r| {
                if r.is_null() {
                    r
                } else {
                    r.wrapping_add(b * V::PAIRS * PATCH_CHANNELS)
                }
            }),
            dst: a.dst.wrapping_add(b * a.patches * patch_bytes::<V>()),
            ..*a
        };
        let p0 = a.pl.div_ceil(2).min(a.patches);
        // SAFETY: register-only operations of the caller's level.
        unsafe {
            Patches {
                p0,
                p1: ((a.iw + a.pl) / 2).clamp(p0, a.patches),
                whole: a.valid >= PATCH_CHANNELS && a.rows.iter().all(|r| !r.is_null()),
                flip: V::splat(a.flip),
                // What is not loaded is `pad ^ flip`, XORed back to `pad`.
                fallback: V::splat(a.pad ^ a.flip),
                full: V::mask(a.valid),
                a,
            }
        }
    }

    /// Where patch `p` goes.
    #[inline(always)]
    pub(crate) fn dst(&self, p: usize) -> *mut u8 {
        self.a.dst.wrapping_add(p * patch_bytes::<V>())
    }

    /// Patch `p`.
    #[inline(always)]
    pub(crate) unsafe fn get(&self, p: usize) -> Patch<V> {
        let a = &self.a;
        // SAFETY: each load reads the `valid` bytes of an input column in
        // `0..iw` of a non-null row (the caller's contract), or nothing.
        unsafe {
            // Quarter `2r + c`: row `r`, column `2p + c − pl`.
            let q: [V; 4] = if self.whole && (self.p0..self.p1).contains(&p) {
                let at = (2 * p - a.pl) * a.pixel_stride;
                core::array::from_fn(|i| V::load(a.rows[i / 2].add(at + (i % 2) * a.pixel_stride)))
            } else {
                core::array::from_fn(|i| {
                    let (row, col) = (a.rows[i / 2], (2 * p + i % 2).wrapping_sub(a.pl));
                    let (ptr, k) = if row.is_null() || col >= a.iw {
                        (NOTHING.as_ptr(), V::Mask::default())
                    } else {
                        (row.add(col * a.pixel_stride), self.full)
                    };
                    V::mask_load(self.fallback, k, ptr)
                })
            };
            // Bytes of the two columns side by side, then words of the two
            // rows: byte `4i + 2r + c` of each 4-channel group.
            let top = [V::unpacklo_8(q[0], q[1]), V::unpackhi_8(q[0], q[1])];
            let bot = [V::unpacklo_8(q[2], q[3]), V::unpackhi_8(q[2], q[3])];
            let mut z = [
                V::unpacklo_16(top[0], bot[0]),
                V::unpackhi_16(top[0], bot[0]),
                V::unpacklo_16(top[1], bot[1]),
                V::unpackhi_16(top[1], bot[1]),
            ];
            if a.flip != 0 {
                z = z.map(|v| V::xor(v, self.flip));
            }
            z
        }
    }

    /// Stores patch `z` as patch `p`.
    #[inline(always)]
    pub(crate) unsafe fn put(&self, p: usize, z: &Patch<V>) {
        let d = self.dst(p);
        // SAFETY: the caller's `dst` holds `patches` patches of this group.
        unsafe {
            for (v, z) in z.iter().enumerate() {
                V::store(d.add(v * patch_bytes::<V>() / 4), *z);
            }
        }
    }
}

/// Writes the row of patches `a` describes (see [`DwPatch2x2`]), in
/// patches of `V::PAIRS` pairs.
#[inline(always)]
pub(crate) unsafe fn lay_out<V: PatchVec>(a: &DwPatch2x2) {
    // SAFETY: the caller's contract, group by group.
    unsafe {
        for b in 0..a.pairs / V::PAIRS {
            let row = Patches::<V>::new(a, b);
            for p in 0..a.patches {
                row.put(p, &row.get(p));
            }
        }
    }
}

/// How a patch group's finished sums (four vectors in the pairs' lane
/// order: see [`crate::dwconv_patch::patch_slot`]) reach the output.
pub(crate) trait PatchStore<V: PatchVec> {
    /// What the outputs are made of (i32, or u8/s8 bytes).
    type Out;
    /// What the store holds per group (loaded once, kept across the row).
    type Group: Copy;
    /// Group `b`'s constants.
    unsafe fn group(&self, b: usize) -> Self::Group;
    /// Stores one output pixel's sums `acc` at `out` (16-channel block `i`
    /// at `out + i·half`).
    unsafe fn store(&self, g: &Self::Group, out: *mut Self::Out, half: usize, acc: &Patch<V>);
}

/// The row loop shared by the patch kernels: see [`DwPatch3x3S2`], with
/// patches of `V::PAIRS` pairs (`lay.pairs` a multiple of it). Each patch
/// is loaded or built once and carried to the next output, so the loop
/// holds no conditions on its place in the row.
#[inline(always)]
pub(crate) unsafe fn patch_rows<V: PatchVec, S: PatchStore<V>>(a: &DwPatch3x3S2<S::Out>, st: &S) {
    // SAFETY: the caller's contract.
    unsafe {
        if a.out_rows == 2 {
            patch_rows_n::<V, S, 3>(a, st)
        } else {
            patch_rows_n::<V, S, 2>(a, st)
        }
    }
}

/// `N − 1` output rows from `N` rows of patches: the loaded top row, then
/// (with three) the middle one built in registers and shared by both
/// outputs, then the lower one, built and stored for the next call.
#[inline(always)]
unsafe fn patch_rows_n<V: PatchVec, S: PatchStore<V>, const N: usize>(a: &DwPatch3x3S2<S::Out>, st: &S) {
    let patches = a.ow + 1;
    let bytes = patch_bytes::<V>();
    // SAFETY: the caller's contract, group by group.
    unsafe {
        for b in 0..a.lay.pairs / V::PAIRS {
            let a = &DwPatch3x3S2 {
                top: a.top.add(b * patches * bytes),
                weights: a.weights.add(b * 4 * bytes),
                init: a.init.add(b * V::PAIRS * PATCH_CHANNELS),
                out: a.out.add(b * V::PAIRS * PATCH_CHANNELS),
                ..*a
            };
            let group = st.group(b);
            let bottom = Patches::<V>::new(&a.lay, b);
            // Unused (never dereferenced) with one output row.
            let mid = Patches::<V>::new(&DwPatch2x2 { rows: a.mid, ..a.lay }, b);
            // The pairs' weights and start values side by side (pair `i`'s
            // 512 weight bytes and 32 values after pair `i − 1`'s).
            let w: [Patch<V>; 4] = core::array::from_fn(|t| {
                core::array::from_fn(|v| {
                    V::load_pairs(a.weights.add(t * PATCH_BYTES + 32 * v).cast(), 4 * PATCH_BYTES)
                })
            });
            let init: Patch<V> =
                core::array::from_fn(|v| V::load_pairs(a.init.add(8 * v).cast(), 4 * PATCH_CHANNELS));
            let dot = |acc: &Patch<V>, p: &Patch<V>, w: &Patch<V>| -> Patch<V> {
                core::array::from_fn(|v| V::dpbusd(acc[v], p[v], w[v]))
            };
            // Each column serves two outputs: it finishes output `x` (taps
            // `w[1]`, `w[3]`) and starts `x + 1` (`w[0]`, `w[2]`), so the
            // loop carries sums, not patches.
            let first = column::<V, N>(a.top, &mid, &bottom, 0);
            let mut next: [Patch<V>; 2] = core::array::from_fn(|r| {
                dot(&dot(&init, &first[r], &w[0]), &first[(r + 1).min(N - 1)], &w[2])
            });
            for x in 0..a.ow {
                let c = column::<V, N>(a.top, &mid, &bottom, x + 1);
                for r in 0..N - 1 {
                    let acc = dot(&dot(&next[r], &c[r], &w[1]), &c[r + 1], &w[3]);
                    st.store(
                        &group,
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
unsafe fn column<V: PatchVec, const N: usize>(
    top: *const u8,
    mid: &Patches<V>,
    bottom: &Patches<V>,
    p: usize,
) -> [Patch<V>; N] {
    let bytes = patch_bytes::<V>();
    // SAFETY: the caller's (`ow + 1` patches at `top`, the rows as built).
    unsafe {
        let at = top.add(p * bytes);
        let t: Patch<V> = core::array::from_fn(|v| V::load(at.add(v * bytes / 4)));
        let m = if N == 3 { mid.get(p) } else { t };
        let l = bottom.get(p);
        bottom.put(p, &l);
        let rows = [t, m, l];
        core::array::from_fn(|i| rows[if i == 0 { 0 } else { i + 3 - N }])
    }
}
