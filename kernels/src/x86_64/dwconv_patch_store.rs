//! The stores of the stride-2 patch kernels (`dwconv_u8s8*_3x3s2_patch_*`):
//! an output pixel's four sums in the pair's lane order (vector `v`:
//! channels `4v..4v + 4` of block 0 in the low 128-bit lane, of block 1 in
//! the high one) go out as s32 sums, one lane move per 8 of them, or
//! requantized to bytes, where the lane order is what the in-lane packs
//! want: `vpackssdw` of vectors 0, 1 and of 2, 3, then one byte pack, leave
//! the pixel's 32 bytes in channel order with no permute.
#![allow(clippy::missing_safety_doc)]

use crate::dwconv_stack::DwStackQ8;
use crate::x86_64::avx512::igemm_store_s32_to_q8::Narrow;
use crate::x86_64::dwconv_patch_ops::{Patch, PatchStore};
use crate::x86_64::narrow_lanes::NarrowBy;
use core::arch::x86_64::*;

/// s32 sums: each block's 16 channels in order.
pub(crate) struct StoreS32;

impl PatchStore for StoreS32 {
    type Out = i32;
    type Pair = ();
    #[inline(always)]
    unsafe fn pair(&self, _: usize) {}
    #[inline(always)]
    unsafe fn store(&self, _: &(), out: *mut i32, half: usize, acc: &Patch) {
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

/// Requantized bytes, igemm's arithmetic bit for bit ([`Narrow`]'s, on
/// ymm: [`NarrowBy`]); `SIGNED` packs when the bounds fit i8.
pub(crate) struct StoreQ8<const SIGNED: bool, const HI_F32: bool> {
    /// 32 scales a pair, in channel order.
    scale: *const f32,
    by: NarrowBy<__m256i>,
}

impl<const SIGNED: bool, const HI_F32: bool> StoreQ8<SIGNED, HI_F32> {
    /// For the requantization `q`.
    #[inline(always)]
    pub(crate) unsafe fn new(q: &DwStackQ8) -> Self {
        StoreQ8 {
            scale: q.scale,
            // SAFETY: register-only operations of the caller's level.
            by: unsafe { NarrowBy::new(q.zp, q.lo, q.hi) },
        }
    }

    /// Whether every scale of `pairs` pairs is below 1 in magnitude (the
    /// bytes may then take `hi`: see [`Narrow::small_scales`]).
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
}

impl<const SIGNED: bool, const HI_F32: bool> PatchStore for StoreQ8<SIGNED, HI_F32> {
    type Out = u8;
    type Pair = [__m256; 4];
    /// The pair's scales in lane order.
    #[inline(always)]
    unsafe fn pair(&self, b: usize) -> [__m256; 4] {
        // SAFETY: 32 scales a pair (the caller's).
        unsafe {
            let s = self.scale.add(32 * b);
            core::array::from_fn(|v| _mm256_loadu2_m128(s.add(16 + 4 * v), s.add(4 * v)))
        }
    }
    #[inline(always)]
    unsafe fn store(&self, s: &[__m256; 4], out: *mut u8, _: usize, acc: &Patch) {
        // SAFETY: the caller's (32 writable bytes at `out`).
        unsafe {
            let r: [__m256i; 4] = core::array::from_fn(|v| self.by.scaled::<HI_F32>(acc[v], s[v]));
            let q = self.by.packed::<SIGNED, HI_F32>(r);
            _mm256_storeu_si256(out.cast(), q);
        }
    }
}
