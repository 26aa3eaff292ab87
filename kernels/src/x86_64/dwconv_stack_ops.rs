//! The loop of the stacked-row 3×3 depthwise kernels
//! (`dwconv_u8s8*_3x3_stack_*`, contract in [`crate::dwconv_stack`]),
//! generic over the store (s32, or requantized bytes:
//! [`crate::x86_64::dwconv_stack_store`]).
//!
//! Every function here is `#[inline(always)]` without target features of
//! its own: it becomes instructions of the `#[target_feature]` entry point
//! that calls it.
#![allow(clippy::missing_safety_doc)]

use crate::dwconv_stack::{DwStack3x3, STACK_BYTES};
use crate::x86_64::dwconv_stack_store::StackStore;
use core::arch::x86_64::*;

/// Block `b`'s view of `a` (a row of `pixels` stacked pixels a block).
///
/// # Safety
/// `b < a.blocks`, with `a` valid per the kernel's contract.
#[inline(always)]
unsafe fn block_view<O>(a: &DwStack3x3<O>, b: usize, pixels: usize) -> DwStack3x3<O> {
    // SAFETY: every block's stack, weights, start values and outputs lie
    // inside the buffers the caller vouches for.
    unsafe {
        DwStack3x3 {
            src: a.src.add(b * pixels * STACK_BYTES),
            weights: a.weights.add(b * 6 * STACK_BYTES),
            init: a.init.add(b * 16),
            out0: a.out0.add(b * 16),
            out1: if a.out1.is_null() {
                a.out1
            } else {
                a.out1.add(b * 16)
            },
            ..*a
        }
    }
}

/// Both rows (or the upper alone) of each block `b` (its store's values
/// `ep(b)`) at stride 1 or 2: blocks of 8 outputs, then 4, 2, 1.
#[inline(always)]
pub(crate) unsafe fn stack_rows<S: StackStore>(a: &DwStack3x3<S::Out>, ep: impl Fn(usize) -> S::Ep) {
    let pixels = (a.ow - 1) * a.stride + 3;
    // SAFETY: the caller's contract, block by block, for the stride and
    // row count chosen.
    unsafe {
        for b in 0..a.blocks {
            let a = &block_view(a, b, pixels);
            let ep = ep(b);
            match (a.stride, a.out1.is_null()) {
                (1, false) => row::<S, 1, true>(a, ep),
                (1, true) => row::<S, 1, false>(a, ep),
                (_, false) => row::<S, 2, true>(a, ep),
                (_, true) => row::<S, 2, false>(a, ep),
            }
        }
    }
}

/// As [`stack_rows`], but runs of 8 outputs (then 4, 2, 1) outer and the
/// blocks inner, so the blocks of a pixel are stored one after another
/// (its neighbouring lines written together, not a whole row apart).
#[inline(always)]
pub(crate) unsafe fn stack_rows_by_pixels<S: StackStore>(
    a: &DwStack3x3<S::Out>,
    ep: impl Fn(usize) -> S::Ep,
) {
    // SAFETY: as for `stack_rows`.
    unsafe {
        match (a.stride, a.out1.is_null()) {
            (1, false) => by_pixels::<S, 1, true>(a, ep),
            (1, true) => by_pixels::<S, 1, false>(a, ep),
            (_, false) => by_pixels::<S, 2, true>(a, ep),
            (_, true) => by_pixels::<S, 2, false>(a, ep),
        }
    }
}

#[inline(always)]
unsafe fn by_pixels<S: StackStore, const ST: usize, const TWO: bool>(
    a: &DwStack3x3<S::Out>,
    ep: impl Fn(usize) -> S::Ep,
) {
    let pixels = (a.ow - 1) * a.stride + 3;
    // SAFETY: as for `stack_rows`.
    unsafe {
        let mut x = 0;
        while x < a.ow {
            let n = if x + 8 <= a.ow {
                8
            } else if x + 4 <= a.ow {
                4
            } else if x + 2 <= a.ow {
                2
            } else {
                1
            };
            for b in 0..a.blocks {
                let a = &block_view(a, b, pixels);
                let w: [__m512i; 6] =
                    core::array::from_fn(|i| _mm512_loadu_si512(a.weights.add(64 * i).cast()));
                let init = _mm512_loadu_si512(a.init.cast());
                let e = ep(b);
                match n {
                    8 => block::<S, 8, ST, TWO>(a, &w, init, x, e),
                    4 => block::<S, 4, ST, TWO>(a, &w, init, x, e),
                    2 => block::<S, 2, ST, TWO>(a, &w, init, x, e),
                    _ => block::<S, 1, ST, TWO>(a, &w, init, x, e),
                }
            }
            x += n;
        }
    }
}

#[inline(always)]
unsafe fn row<S: StackStore, const ST: usize, const TWO: bool>(a: &DwStack3x3<S::Out>, ep: S::Ep) {
    // SAFETY: as for `stack_rows`.
    unsafe {
        let w: [__m512i; 6] = core::array::from_fn(|i| _mm512_loadu_si512(a.weights.add(64 * i).cast()));
        let init = _mm512_loadu_si512(a.init.cast());
        let mut x = 0;
        while x + 8 <= a.ow {
            block::<S, 8, ST, TWO>(a, &w, init, x, ep);
            x += 8;
        }
        if x + 4 <= a.ow {
            block::<S, 4, ST, TWO>(a, &w, init, x, ep);
            x += 4;
        }
        if x + 2 <= a.ow {
            block::<S, 2, ST, TWO>(a, &w, init, x, ep);
            x += 2;
        }
        if x < a.ow {
            block::<S, 1, ST, TWO>(a, &w, init, x, ep);
        }
    }
}

/// Outputs `x..x + N`: tap `t` of output `o` is stacked pixel `o·ST + t`,
/// loaded once for both rows.
#[inline(always)]
unsafe fn block<S: StackStore, const N: usize, const ST: usize, const TWO: bool>(
    a: &DwStack3x3<S::Out>,
    w: &[__m512i; 6],
    init: __m512i,
    x: usize,
    ep: S::Ep,
) {
    // SAFETY: pixels `x·ST .. (x + N − 1)·ST + 3` and outputs `x..x + N`
    // lie inside the caller's buffers.
    unsafe {
        let mut up = [init; N];
        let mut lo = [init; N];
        let src = a.src.add(x * ST * STACK_BYTES);
        for o in 0..N {
            for t in 0..3 {
                let v = _mm512_loadu_si512(src.add((o * ST + t) * STACK_BYTES).cast());
                up[o] = _mm512_dpbusd_epi32(up[o], v, w[2 * t]);
                if TWO {
                    lo[o] = _mm512_dpbusd_epi32(lo[o], v, w[2 * t + 1]);
                }
            }
        }
        let out1 = if TWO { a.out1.add(x * a.out_stride) } else { a.out1 };
        S::store::<N, TWO>(a.out0.add(x * a.out_stride), out1, a.out_stride, &up, &lo, ep);
    }
}
