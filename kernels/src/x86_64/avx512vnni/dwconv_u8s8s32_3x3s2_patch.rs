//! `dwconv_u8s8s32_3x3s2_patch_avx512vnni`: one output row of a 3×3
//! stride-2 INT8 depthwise layer from two rows of 2×2 patches (contract in
//! [`crate::dwconv_patch`]): four `vpdpbusd` an output, each loaded patch
//! serving two neighbouring outputs; s32 sums out.

use crate::dwconv_patch::DwPatch3x3S2;
use crate::dwconv_stack::STACK_BYTES;
use core::arch::x86_64::*;

with_level! { avx512vnni:
/// Computes the row `a` describes: see [`DwPatch3x3S2`].
///
/// # Safety
///
/// The CPU must have the `avx512vnni` level. For each block `β < blocks`,
/// `(ow + 1) · 64` bytes must be readable at its `top` and `bottom`, 256 at
/// its `weights`, 16 i32 at its `init`, and 16 i32 writable at its `out +
/// x·out_stride` for every `x < ow` (each advanced by `β` blocks: see
/// [`DwPatch3x3S2`]).
pub unsafe fn dwconv_u8s8s32_3x3s2_patch_avx512vnni(a: &DwPatch3x3S2) {
    let patches = a.ow + 1;
    // SAFETY: the caller's contract, block by block.
    unsafe {
        for b in 0..a.blocks {
            let a = &DwPatch3x3S2 {
                top: a.top.add(b * patches * STACK_BYTES),
                bottom: a.bottom.add(b * patches * STACK_BYTES),
                weights: a.weights.add(b * 4 * STACK_BYTES),
                init: a.init.add(b * 16),
                out: a.out.add(b * 16),
                ..*a
            };
            let w: [__m512i; 4] = core::array::from_fn(|i| _mm512_loadu_si512(a.weights.add(64 * i).cast()));
            let init = _mm512_loadu_si512(a.init.cast());
            let mut x = 0;
            while x + 8 <= a.ow {
                outputs::<8>(a, &w, init, x);
                x += 8;
            }
            if x + 4 <= a.ow {
                outputs::<4>(a, &w, init, x);
                x += 4;
            }
            if x + 2 <= a.ow {
                outputs::<2>(a, &w, init, x);
                x += 2;
            }
            if x < a.ow {
                outputs::<1>(a, &w, init, x);
            }
        }
    }
}
}

/// Outputs `x..x + N`: patches `x..x + N + 1` of both rows, each loaded
/// once for the two outputs that read it.
#[inline(always)]
unsafe fn outputs<const N: usize>(a: &DwPatch3x3S2, w: &[__m512i; 4], init: __m512i, x: usize) {
    // SAFETY: patches `x ..= x + N ≤ ow` and outputs `x..x + N` lie inside
    // the caller's buffers.
    unsafe {
        let mut acc = [init; N];
        let (top, bottom) = (a.top.add(x * STACK_BYTES), a.bottom.add(x * STACK_BYTES));
        let ld = |p: *const u8, i: usize| _mm512_loadu_si512(p.add(i * STACK_BYTES).cast());
        let mut l = (ld(top, 0), ld(bottom, 0));
        for (o, acc) in acc.iter_mut().enumerate() {
            let r = (ld(top, o + 1), ld(bottom, o + 1));
            *acc = _mm512_dpbusd_epi32(*acc, l.0, w[0]);
            *acc = _mm512_dpbusd_epi32(*acc, r.0, w[1]);
            *acc = _mm512_dpbusd_epi32(*acc, l.1, w[2]);
            *acc = _mm512_dpbusd_epi32(*acc, r.1, w[3]);
            l = r;
        }
        for (o, v) in acc.into_iter().enumerate() {
            _mm512_storeu_si512(a.out.add((x + o) * a.out_stride).cast(), v);
        }
    }
}
