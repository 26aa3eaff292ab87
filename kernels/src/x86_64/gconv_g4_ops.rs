//! The loop of the 3×3 grouped kernels for 4 input and 4 output channels a
//! group (`gconv_*_3x3g4`, ResNeXt's 32×4): no expansion. A block of 16
//! output channels is 4 groups; lane `l` holds output channel `4·(l % 4) +
//! l / 4` (group `l % 4`), so a 16-byte broadcast of 4 elements, one per
//! group, gives every lane its own group's input: INT8 reads a pixel's 16
//! input bytes as they are, f32 reads input whose 16-float chunks were
//! transposed once (`x'[4c + g] = x[4g + c]`) one channel `c` at a time.
//! Each broadcast stays in a register for the 3 horizontal taps, and one
//! permute per output restores the channel order.
//!
//! `#[inline(always)]` without target features, as [`crate::x86_64::gconv_ops`].
#![allow(clippy::missing_safety_doc)]

use crate::x86_64::gconv_ops::{Dpbusd, DpbusdQ8, Fma, GconvStep};
use core::arch::x86_64::*;

/// A [`GconvStep`] with register operands, for the broadcast kernels.
pub(crate) trait G4Step: GconvStep {
    /// Broadcasts (16 bytes a tap) per tap: 1 for INT8 (4 channels' bytes
    /// a lane), 4 for f32 (one channel each).
    const Q: usize;
    /// The 16 bytes at `p` in each 128-bit lane.
    unsafe fn bcast(p: *const u8) -> Self::V;
    /// `acc + w·x`.
    unsafe fn mac(acc: Self::V, w: Self::V, x: Self::V) -> Self::V;
    /// Lane `i` ← lane `4·(i % 4) + i / 4` (its own inverse).
    unsafe fn transpose(v: Self::V) -> Self::V;
}

/// The lane order of [`G4Step::transpose`].
#[inline(always)]
unsafe fn order() -> __m512i {
    // SAFETY: the caller's (avx512f).
    unsafe { _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15) }
}

macro_rules! int8_step {
    ($t:ty) => {
        impl G4Step for $t {
            const Q: usize = 1;
            #[inline(always)]
            unsafe fn bcast(p: *const u8) -> __m512i {
                // SAFETY: the caller's (avx512f, 16 readable bytes).
                unsafe { _mm512_broadcast_i32x4(_mm_loadu_si128(p.cast())) }
            }
            #[inline(always)]
            unsafe fn mac(acc: __m512i, w: __m512i, x: __m512i) -> __m512i {
                // SAFETY: the caller's (avx512vnni).
                unsafe { _mm512_dpbusd_epi32(acc, x, w) }
            }
            #[inline(always)]
            unsafe fn transpose(v: __m512i) -> __m512i {
                // SAFETY: the caller's (avx512f).
                unsafe { _mm512_permutexvar_epi32(order(), v) }
            }
        }
    };
}
int8_step!(Dpbusd);
int8_step!(DpbusdQ8);

impl G4Step for Fma {
    const Q: usize = 4;
    #[inline(always)]
    unsafe fn bcast(p: *const u8) -> __m512 {
        // SAFETY: the caller's (avx512f, 16 readable bytes).
        unsafe { _mm512_broadcast_f32x4(_mm_loadu_ps(p.cast())) }
    }
    #[inline(always)]
    unsafe fn mac(acc: __m512, w: __m512, x: __m512) -> __m512 {
        // SAFETY: the caller's (avx512f).
        unsafe { _mm512_fmadd_ps(w, x, acc) }
    }
    #[inline(always)]
    unsafe fn transpose(v: __m512) -> __m512 {
        // SAFETY: the caller's (avx512f).
        unsafe { _mm512_permutexvar_ps(order(), v) }
    }
}

/// `N` output pixels of one row and block: tap `(r, s)` of pixel `n` reads
/// the `Q` broadcasts at `src + r·rs + (n + s)·ps + 16·q`; weights `w` per
/// tap and `q`, 64 bytes, in the lane order; `init` and the stores in
/// channel order.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn pixels<S: G4Step, const N: usize>(
    src: *const u8,
    rs: usize,
    ps: usize,
    w: *const u8,
    init: *const u8,
    out: *mut S::Out,
    ldo: usize,
    ep: S::Ep,
) {
    // SAFETY: the caller's contract (see `gconv_g4_row`).
    unsafe {
        let start = S::transpose(S::load(init));
        let mut acc = [start; N];
        for r in 0..3 {
            let row = src.add(r * rs);
            for q in 0..S::Q {
                let wv: [S::V; 3] = core::array::from_fn(|s| S::load(w.add(64 * ((3 * r + s) * S::Q + q))));
                // Literal columns, so the accumulators stay in registers.
                dw_unroll!(ix < N + 2 => {
                    let x = S::bcast(row.add(ix * ps + 16 * q));
                    dw_unroll!(s < 3 => {
                        if ix >= s && ix - s < N {
                            acc[ix - s] = S::mac(acc[ix - s], wv[s], x);
                        }
                    });
                });
            }
        }
        for (n, &a) in acc.iter().enumerate() {
            S::store(out.add(n * ldo), S::transpose(a), ep);
        }
    }
}

/// `pixels` output pixels of one row and block, 16 at a time (16
/// accumulators, 3 weights and a broadcast in registers), the rest by 8,
/// 4, 2, 1.
///
/// Safety: the CPU has `S`'s features; for every pixel `n < pixels`, tap
/// row `r < 3`, column `s < 3` and `q < S::Q`, 16 bytes at `src + r·rs + (n
/// + s)·ps + 16·q` are readable, 64 at `w + 64·((3r + s)·Q + q)` and at
/// `init`, and 16 values writable at `out + n·ldo`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn gconv_g4_row<S: G4Step>(
    src: *const u8,
    rs: usize,
    ps: usize,
    pixels: usize,
    w: *const u8,
    init: *const u8,
    out: *mut S::Out,
    ldo: usize,
    ep: S::Ep,
) {
    // SAFETY: each run covers pixels x .. x + N ≤ `pixels` (the caller's).
    unsafe {
        pixel_runs!(pixels, |x, N| {
            self::pixels::<S, N>(src.add(x * ps), rs, ps, w, init, out.add(x * ldo), ldo, ep);
        });
    }
}
