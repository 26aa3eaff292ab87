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

/// Requantized bytes, igemm's arithmetic bit for bit (as [`Narrow`], on
/// ymm: `(v as f32)·scale` rounded half to even, `hi` in f32 when
/// `HI_F32`, packs with saturation, `+ zp`, `lo` and otherwise `hi` on the
/// bytes); `SIGNED` packs when the bounds fit i8.
pub(crate) struct StoreQ8<const SIGNED: bool, const HI_F32: bool> {
    /// 32 scales a pair, in channel order.
    scale: *const f32,
    fhi: __m256,
    zp16: __m256i,
    vlo: __m256i,
    vhi: __m256i,
}

impl<const SIGNED: bool, const HI_F32: bool> StoreQ8<SIGNED, HI_F32> {
    /// For the requantization `q`.
    #[inline(always)]
    pub(crate) unsafe fn new(q: &DwStackQ8) -> Self {
        // SAFETY: register-only operations of the caller's level.
        unsafe {
            StoreQ8 {
                scale: q.scale,
                fhi: _mm256_set1_ps((q.hi - q.zp) as f32),
                zp16: _mm256_set1_epi16(q.zp as i16),
                vlo: _mm256_set1_epi8(q.lo as i8),
                vhi: _mm256_set1_epi8(q.hi as i8),
            }
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
        // SAFETY: the caller's (32 writable bytes at `out`); `vcvtps2dq`
        // rounds half to even under the default MXCSR.
        unsafe {
            let r: [__m256i; 4] = core::array::from_fn(|v| {
                let mut y = _mm256_mul_ps(_mm256_cvtepi32_ps(acc[v]), s[v]);
                if HI_F32 {
                    y = _mm256_min_ps(y, self.fhi);
                }
                _mm256_cvtps_epi32(y)
            });
            let p01 = _mm256_adds_epi16(_mm256_packs_epi32(r[0], r[1]), self.zp16);
            let p23 = _mm256_adds_epi16(_mm256_packs_epi32(r[2], r[3]), self.zp16);
            let q = if SIGNED {
                let q = _mm256_max_epi8(_mm256_packs_epi16(p01, p23), self.vlo);
                if HI_F32 {
                    q
                } else {
                    _mm256_min_epi8(q, self.vhi)
                }
            } else {
                let q = _mm256_max_epu8(_mm256_packus_epi16(p01, p23), self.vlo);
                if HI_F32 {
                    q
                } else {
                    _mm256_min_epu8(q, self.vhi)
                }
            };
            _mm256_storeu_si256(out.cast(), q);
        }
    }
}
