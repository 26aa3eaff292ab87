//! The stores of the stride-2 patch kernels (`dwconv_u8s8*_3x3s2_patch*`):
//! an output pixel's four sums in the pairs' lane order (vector `v`:
//! channels `4v..4v + 4` of 16-channel block `i` in 128-bit lane `i`) go
//! out as s32 sums, put back in channel order by lane moves, or
//! requantized to bytes, where the lane order is what the in-lane packs
//! want: `vpackssdw` of vectors 0, 1 and of 2, 3, then one byte pack, leave
//! the pixel's bytes in channel order with no permute.
#![allow(clippy::missing_safety_doc)]

use crate::dwconv_patch::DwPatch3x3S2;
use crate::dwconv_stack::DwStackQ8;
use crate::x86_64::avx512::igemm_store_s32_to_q8::Narrow;
use crate::x86_64::dwconv_patch_ops::{patch_rows, Patch, PatchStore, PatchVec};
use crate::x86_64::narrow_lanes::{NarrowBy, NarrowLanes};
use core::arch::x86_64::*;

/// s32 sums: each block's 16 channels in order.
pub(crate) struct StoreS32;

impl PatchStore<__m256i> for StoreS32 {
    type Out = i32;
    type Group = ();
    #[inline(always)]
    unsafe fn group(&self, _: usize) {}
    #[inline(always)]
    unsafe fn store(&self, _: &(), out: *mut i32, half: usize, acc: &Patch<__m256i>) {
        // SAFETY: the caller's (16 writable i32 at `out` and `out + half`).
        unsafe {
            for v in 0..2 {
                let (a, b) = (acc[2 * v], acc[2 * v + 1]);
                let lo = _mm256_permute2x128_si256::<0x20>(a, b);
                let hi = _mm256_permute2x128_si256::<0x31>(a, b);
                _mm256_storeu_si256(out.add(8 * v).cast(), lo);
                _mm256_storeu_si256(out.add(half + 8 * v).cast(), hi);
            }
        }
    }
}

impl PatchStore<__m512i> for StoreS32 {
    type Out = i32;
    type Group = ();
    #[inline(always)]
    unsafe fn group(&self, _: usize) {}
    #[inline(always)]
    unsafe fn store(&self, _: &(), out: *mut i32, half: usize, acc: &Patch<__m512i>) {
        // SAFETY: the caller's (16 writable i32 at `out + i·half`, i < 4).
        unsafe {
            // A 4×4 transpose of 128-bit lanes: block `i` is lane `i` of
            // the four vectors.
            let t01 = _mm512_shuffle_i32x4::<0x44>(acc[0], acc[1]);
            let t23 = _mm512_shuffle_i32x4::<0x44>(acc[2], acc[3]);
            let u01 = _mm512_shuffle_i32x4::<0xee>(acc[0], acc[1]);
            let u23 = _mm512_shuffle_i32x4::<0xee>(acc[2], acc[3]);
            let blocks = [
                _mm512_shuffle_i32x4::<0x88>(t01, t23),
                _mm512_shuffle_i32x4::<0xdd>(t01, t23),
                _mm512_shuffle_i32x4::<0x88>(u01, u23),
                _mm512_shuffle_i32x4::<0xdd>(u01, u23),
            ];
            for (i, b) in blocks.into_iter().enumerate() {
                _mm512_storeu_si512(out.add(i * half).cast(), b);
            }
        }
    }
}

/// Requantized bytes, igemm's arithmetic bit for bit ([`Narrow`]'s, at the
/// patch width: [`NarrowBy`]); `SIGNED` packs when the bounds fit i8.
pub(crate) struct StoreQ8<V: NarrowLanes, const SIGNED: bool, const HI_F32: bool> {
    /// 32 scales a pair, in channel order.
    scale: *const f32,
    by: NarrowBy<V>,
}

impl<V: NarrowLanes, const SIGNED: bool, const HI_F32: bool> StoreQ8<V, SIGNED, HI_F32> {
    /// For the requantization `q`.
    #[inline(always)]
    pub(crate) unsafe fn new(q: &DwStackQ8) -> Self {
        StoreQ8 {
            scale: q.scale,
            // SAFETY: register-only operations of the caller's level.
            by: unsafe { NarrowBy::new(q.zp, q.lo, q.hi) },
        }
    }
}

/// Whether every scale of `pairs` pairs is below 1 in magnitude (the bytes
/// may then take `hi`: see [`Narrow::small_scales`]).
#[inline(always)]
pub(crate) unsafe fn small_scales(q: &DwStackQ8, pairs: usize) -> bool {
    // SAFETY: 32 scales a pair (the caller's).
    unsafe {
        (0..pairs).all(|b| {
            let s = q.scale.add(32 * b);
            Narrow::small_scales(_mm512_loadu_ps(s), _mm512_loadu_ps(s.add(16)))
        })
    }
}

impl<const SIGNED: bool, const HI_F32: bool> PatchStore<__m256i> for StoreQ8<__m256i, SIGNED, HI_F32> {
    type Out = u8;
    type Group = [__m256; 4];
    /// The pair's scales in lane order.
    #[inline(always)]
    unsafe fn group(&self, b: usize) -> [__m256; 4] {
        // SAFETY: 32 scales a pair (the caller's).
        unsafe {
            let s = self.scale.add(32 * b);
            core::array::from_fn(|v| _mm256_loadu2_m128(s.add(16 + 4 * v), s.add(4 * v)))
        }
    }
    #[inline(always)]
    unsafe fn store(&self, s: &[__m256; 4], out: *mut u8, _: usize, acc: &Patch<__m256i>) {
        // SAFETY: the caller's (32 writable bytes at `out`).
        unsafe {
            let r: [__m256i; 4] = core::array::from_fn(|v| self.by.scaled::<HI_F32>(acc[v], s[v]));
            <__m256i as PatchVec>::store(out, self.by.packed::<SIGNED, HI_F32>(r));
        }
    }
}

impl<const SIGNED: bool, const HI_F32: bool> PatchStore<__m512i> for StoreQ8<__m512i, SIGNED, HI_F32> {
    type Out = u8;
    type Group = [__m512; 4];
    /// The two pairs' scales in lane order (lane `i` of vector `v`: block
    /// `i`'s channels `4v..4v + 4`).
    #[inline(always)]
    unsafe fn group(&self, b: usize) -> [__m512; 4] {
        // SAFETY: 64 scales a group (the caller's).
        unsafe {
            let s = self.scale.add(64 * b);
            core::array::from_fn(|v| {
                let lane = |i: usize| _mm_loadu_ps(s.add(16 * i + 4 * v));
                let lo = _mm512_insertf32x4::<1>(_mm512_castps128_ps512(lane(0)), lane(1));
                _mm512_insertf32x4::<3>(_mm512_insertf32x4::<2>(lo, lane(2)), lane(3))
            })
        }
    }
    #[inline(always)]
    unsafe fn store(&self, s: &[__m512; 4], out: *mut u8, _: usize, acc: &Patch<__m512i>) {
        // SAFETY: the caller's (64 writable bytes at `out`).
        unsafe {
            let r: [__m512i; 4] = core::array::from_fn(|v| self.by.scaled::<HI_F32>(acc[v], s[v]));
            <__m512i as PatchVec>::store(out, self.by.packed::<SIGNED, HI_F32>(r));
        }
    }
}

/// The requantizing row loop at width `V`: [`StoreQ8`] with the packing
/// the bounds allow, `hi` on the bytes when no scale of the call can leave
/// i32's range.
#[inline(always)]
pub(crate) unsafe fn patch_rows_q8<V: PatchVec + NarrowLanes>(a: &DwPatch3x3S2<u8>, q: &DwStackQ8)
where
    StoreQ8<V, true, true>: PatchStore<V, Out = u8>,
    StoreQ8<V, true, false>: PatchStore<V, Out = u8>,
    StoreQ8<V, false, true>: PatchStore<V, Out = u8>,
    StoreQ8<V, false, false>: PatchStore<V, Out = u8>,
{
    // SAFETY: the caller's contract.
    unsafe {
        match (q.hi <= 127, small_scales(q, a.lay.pairs)) {
            (true, true) => patch_rows(a, &StoreQ8::<V, true, false>::new(q)),
            (true, false) => patch_rows(a, &StoreQ8::<V, true, true>::new(q)),
            (false, true) => patch_rows(a, &StoreQ8::<V, false, false>::new(q)),
            (false, false) => patch_rows(a, &StoreQ8::<V, false, true>::new(q)),
        }
    }
}
