//! The stores of the stacked-row 3×3 depthwise kernels
//! (`dwconv_u8s8*_3x3_stack_*`): a finished run of output pixels (one or
//! two rows of `N` accumulators of one 16-channel block) goes out as s32
//! sums, or requantized to bytes four vectors at a time through igemm's
//! packed narrowing ([`Narrow`]): the conversion and the saturating packs
//! of four vectors share one permute, and each vector's 16 bytes leave as
//! one 128-bit piece of the packed register (docs/tuning.md).
#![allow(clippy::missing_safety_doc)]

use crate::x86_64::avx512::igemm_store_s32_to_q8::Narrow;
use crate::x86_64::prefetch::prefetch_w;
use core::arch::x86_64::*;

/// How a block's accumulators reach the output.
pub(crate) trait StackStore {
    /// What the outputs are made of (i32, or u8/s8 bytes).
    type Out;
    /// What the store needs per 16-channel block (held across its rows).
    type Ep: Copy;
    /// Stores `up[o]` at `out0 + o·stride` and, when `TWO`, `lo[o]` at
    /// `out1 + o·stride`, for `o < N`: 16 values each.
    unsafe fn store<const N: usize, const TWO: bool>(
        out0: *mut Self::Out,
        out1: *mut Self::Out,
        stride: usize,
        up: &[__m512i; N],
        lo: &[__m512i; N],
        ep: Self::Ep,
    );
}

/// s32 sums, one vector a pixel; when `PREFETCH_W`, each store first
/// prefetches for writing the lines [`PREFETCH_W_AHEAD`] pixels further on
/// (an output that does not stay in L2: its stores would each wait for the
/// line's read for ownership from L3, one after another).
pub(crate) struct StoreS32<const PREFETCH_W: bool>;

/// How many output pixels ahead [`StoreS32`] prefetches (1, 2 and 4
/// measured alike, 8 and more lower: docs/tuning.md, `dwi2`).
const PREFETCH_W_AHEAD: usize = 2;

impl<const PREFETCH_W: bool> StackStore for StoreS32<PREFETCH_W> {
    type Out = i32;
    type Ep = ();
    #[inline(always)]
    unsafe fn store<const N: usize, const TWO: bool>(
        out0: *mut i32,
        out1: *mut i32,
        stride: usize,
        up: &[__m512i; N],
        lo: &[__m512i; N],
        _: (),
    ) {
        if PREFETCH_W {
            for o in 0..N {
                prefetch_w(out0.wrapping_add((o + PREFETCH_W_AHEAD) * stride));
                if TWO {
                    prefetch_w(out1.wrapping_add((o + PREFETCH_W_AHEAD) * stride));
                }
            }
        }
        // SAFETY: the caller's (avx512f, 16 writable i32 a pixel and row).
        unsafe {
            for o in 0..N {
                _mm512_storeu_si512(out0.add(o * stride).cast(), up[o]);
                if TWO {
                    _mm512_storeu_si512(out1.add(o * stride).cast(), lo[o]);
                }
            }
        }
    }
}

/// Requantized bytes, igemm's arithmetic bit for bit (`(v as f32)·scale`,
/// rounded half to even, `+ zp`, clamped to `[lo, hi]`): `SIGNED` packs
/// when the bounds fit i8, `HI_F32` applies `hi` in f32 unless every scale
/// is below 1 in magnitude (see [`Narrow`]).
pub(crate) struct StoreQ8<const SIGNED: bool, const HI_F32: bool>;

/// [`StoreQ8`]'s block: the narrowing constants and the 16 scales.
#[derive(Clone, Copy)]
pub(crate) struct Q8Block {
    pub(crate) narrow: Narrow,
    pub(crate) scale: __m512,
}

impl<const SIGNED: bool, const HI_F32: bool> StackStore for StoreQ8<SIGNED, HI_F32> {
    type Out = u8;
    type Ep = Q8Block;
    #[inline(always)]
    unsafe fn store<const N: usize, const TWO: bool>(
        out0: *mut u8,
        out1: *mut u8,
        stride: usize,
        up: &[__m512i; N],
        lo: &[__m512i; N],
        ep: Q8Block,
    ) {
        // The vectors in order (pixel by pixel, upper row first), their
        // places, four to a packed register.
        let count = if TWO { 2 * N } else { N };
        let mut v = [up[0]; 16];
        let mut at = [out0; 16];
        for o in 0..N {
            let i = if TWO { 2 * o } else { o };
            (v[i], at[i]) = (up[o], out0.wrapping_add(o * stride));
            if TWO {
                (v[i + 1], at[i + 1]) = (lo[o], out1.wrapping_add(o * stride));
            }
        }
        // SAFETY: the caller's (avx512f/bw, 16 writable bytes a pixel and
        // row); each piece `j < k` goes to its own vector's place.
        unsafe {
            let mut g = 0;
            while g < count {
                let k = (count - g).min(4);
                // A short last group repeats its last vector (stored once).
                let r: [__m512i; 4] = core::array::from_fn(|j| v[g + j.min(k - 1)]);
                let r = r.map(|x| ep.narrow.scaled::<HI_F32>(x, ep.scale));
                let q = ep.narrow.bytes::<SIGNED, HI_F32>(r);
                _mm_storeu_si128(at[g].cast(), _mm512_castsi512_si128(q));
                if k > 1 {
                    _mm_storeu_si128(at[g + 1].cast(), _mm512_extracti32x4_epi32::<1>(q));
                }
                if k > 2 {
                    _mm_storeu_si128(at[g + 2].cast(), _mm512_extracti32x4_epi32::<2>(q));
                }
                if k > 3 {
                    _mm_storeu_si128(at[g + 3].cast(), _mm512_extracti32x4_epi32::<3>(q));
                }
                g += 4;
            }
        }
    }
}
