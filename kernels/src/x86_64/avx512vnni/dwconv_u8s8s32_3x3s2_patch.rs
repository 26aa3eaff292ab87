//! `dwconv_u8s8s32_3x3s2_patch_avx512vnni`: one output row of a 3×3
//! stride-2 INT8 depthwise layer from two rows of 2×2 patches (contract in
//! [`crate::dwconv_patch`]): four `vpdpbusd` an output, each patch serving
//! two neighbouring outputs; the lower row is laid out in the same loop,
//! so its shuffles overlap the `vpdpbusd`. s32 sums out.

use crate::dwconv_patch::DwPatch3x3S2;
use crate::dwconv_stack::STACK_BYTES;
use crate::x86_64::dwconv_patch_ops::Patches;
use core::arch::x86_64::*;

with_level! { avx512vnni:
/// Computes the row `a` describes: see [`DwPatch3x3S2`].
///
/// # Safety
///
/// The CPU must have the `avx512vnni` level. `lay.patches` must be `ow +
/// 1` and `lay` meet [`dwconv_u8_patch2x2_avx512`]'s contract; for each block `β <
/// lay.blocks`, `(ow + 1) · 64` bytes must be readable at its `top`, 256
/// at its `weights`, 16 i32 at its `init`, and 16 i32 writable at its `out
/// + x·out_stride` for every `x < ow` (each advanced by `β` blocks: see
/// [`DwPatch3x3S2`]).
///
/// [`dwconv_u8_patch2x2_avx512`]: crate::x86_64::avx512::dwconv_u8_patch2x2::dwconv_u8_patch2x2_avx512
pub unsafe fn dwconv_u8s8s32_3x3s2_patch_avx512vnni(a: &DwPatch3x3S2) {
    let patches = a.ow + 1;
    // SAFETY: the caller's contract, block by block.
    unsafe {
        for b in 0..a.lay.blocks {
            let a = &DwPatch3x3S2 {
                top: a.top.add(b * patches * STACK_BYTES),
                weights: a.weights.add(b * 4 * STACK_BYTES),
                init: a.init.add(b * 16),
                out: a.out.add(b * 16),
                ..*a
            };
            let bottom = Patches::new(&a.lay, b);
            let w: [__m512i; 4] = core::array::from_fn(|i| _mm512_loadu_si512(a.weights.add(64 * i).cast()));
            let init = _mm512_loadu_si512(a.init.cast());
            let mut left = bottom.get(0);
            _mm512_storeu_si512(bottom.dst(0).cast(), left);
            let mut x = 0;
            while x + 8 <= a.ow {
                left = outputs::<8>(a, &bottom, &w, init, x, left);
                x += 8;
            }
            if x + 4 <= a.ow {
                left = outputs::<4>(a, &bottom, &w, init, x, left);
                x += 4;
            }
            if x + 2 <= a.ow {
                left = outputs::<2>(a, &bottom, &w, init, x, left);
                x += 2;
            }
            if x < a.ow {
                outputs::<1>(a, &bottom, &w, init, x, left);
            }
        }
    }
}
}

/// Outputs `x..x + N` from top patches `x ..= x + N` (loaded) and bottom
/// ones (`left` = patch `x`, built, the next `N` built and stored here);
/// returns bottom patch `x + N`.
#[inline(always)]
unsafe fn outputs<const N: usize>(
    a: &DwPatch3x3S2,
    bottom: &Patches,
    w: &[__m512i; 4],
    init: __m512i,
    x: usize,
    left: __m512i,
) -> __m512i {
    // SAFETY: patches `x ..= x + N ≤ ow` and outputs `x..x + N` lie inside
    // the caller's buffers.
    unsafe {
        let mut acc = [init; N];
        let top = a.top.add(x * STACK_BYTES);
        let ld = |i: usize| _mm512_loadu_si512(top.add(i * STACK_BYTES).cast());
        let mut l = (ld(0), left);
        for (o, acc) in acc.iter_mut().enumerate() {
            let r = (ld(o + 1), bottom.get(x + o + 1));
            _mm512_storeu_si512(bottom.dst(x + o + 1).cast(), r.1);
            *acc = _mm512_dpbusd_epi32(*acc, l.0, w[0]);
            *acc = _mm512_dpbusd_epi32(*acc, r.0, w[1]);
            *acc = _mm512_dpbusd_epi32(*acc, l.1, w[2]);
            *acc = _mm512_dpbusd_epi32(*acc, r.1, w[3]);
            l = r;
        }
        for (o, v) in acc.into_iter().enumerate() {
            _mm512_storeu_si512(a.out.add((x + o) * a.out_stride).cast(), v);
        }
        l.1
    }
}
