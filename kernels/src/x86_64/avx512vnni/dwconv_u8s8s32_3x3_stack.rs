//! `dwconv_u8s8s32_3x3_stack_avx512vnni`: one or two output rows of a 3×3
//! INT8 depthwise layer from a stacked row (contract in
//! [`crate::dwconv_stack`]): each stacked pixel, loaded once, feeds one
//! `vpdpbusd` per horizontal tap and output row.

use crate::dwconv_stack::{DwStack3x3, STACK_BYTES};
use core::arch::x86_64::*;

with_level! { avx512vnni:
/// Computes the rows `a` describes: see [`DwStack3x3`].
///
/// # Safety
///
/// The CPU must have the `avx512vnni` level. `stride` must be 1 or 2;
/// `((ow − 1)·stride + 3) · 64` bytes must be readable at `src`, 384 at
/// `weights`, 16 i32 at `init`, and 16 i32 writable at `out0 +
/// x·out_stride` (and `out1 + …` when not null) for every `x < ow`.
pub unsafe fn dwconv_u8s8s32_3x3_stack_avx512vnni(a: &DwStack3x3) {
    // SAFETY: the caller's contract, for the stride and row count chosen.
    unsafe {
        match (a.stride, a.out1.is_null()) {
            (1, false) => row::<1, true>(a),
            (1, true) => row::<1, false>(a),
            (_, false) => row::<2, true>(a),
            (_, true) => row::<2, false>(a),
        }
    }
}

/// All outputs of the row(s): blocks of 8, then 4, 2, 1.
#[inline]
unsafe fn row<const S: usize, const TWO: bool>(a: &DwStack3x3) {
    // SAFETY: as for the kernel.
    unsafe {
        let w: [__m512i; 6] = core::array::from_fn(|i| _mm512_loadu_si512(a.weights.add(64 * i).cast()));
        let init = _mm512_loadu_si512(a.init.cast());
        let mut x = 0;
        while x + 8 <= a.ow {
            block::<8, S, TWO>(a, &w, init, x);
            x += 8;
        }
        if x + 4 <= a.ow {
            block::<4, S, TWO>(a, &w, init, x);
            x += 4;
        }
        if x + 2 <= a.ow {
            block::<2, S, TWO>(a, &w, init, x);
            x += 2;
        }
        if x < a.ow {
            block::<1, S, TWO>(a, &w, init, x);
        }
    }
}

/// Outputs `x..x + N`: stacked pixel `p` (loaded once) is tap `t` of
/// output `(p − t)/S` where that divides.
#[inline]
unsafe fn block<const N: usize, const S: usize, const TWO: bool>(
    a: &DwStack3x3,
    w: &[__m512i; 6],
    init: __m512i,
    x: usize,
) {
    // SAFETY: pixels `x·S .. (x + N − 1)·S + 3` and outputs `x..x + N` lie
    // inside the caller's buffers.
    unsafe {
        let mut up = [init; N];
        let mut lo = [init; N];
        let src = a.src.add(x * S * STACK_BYTES);
        for p in 0..(N - 1) * S + 3 {
            let v = _mm512_loadu_si512(src.add(p * STACK_BYTES).cast());
            for t in 0..3 {
                if p >= t && (p - t) % S == 0 && (p - t) / S < N {
                    let o = (p - t) / S;
                    up[o] = _mm512_dpbusd_epi32(up[o], v, w[2 * t]);
                    if TWO {
                        lo[o] = _mm512_dpbusd_epi32(lo[o], v, w[2 * t + 1]);
                    }
                }
            }
        }
        for o in 0..N {
            _mm512_storeu_si512(a.out0.add((x + o) * a.out_stride).cast(), up[o]);
            if TWO {
                _mm512_storeu_si512(a.out1.add((x + o) * a.out_stride).cast(), lo[o]);
            }
        }
    }
}
}
