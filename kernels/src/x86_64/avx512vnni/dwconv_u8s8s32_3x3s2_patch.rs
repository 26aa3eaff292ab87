//! `dwconv_u8s8s32_3x3s2_patch_avx512vnni`: one output row of a 3×3
//! stride-2 INT8 depthwise layer from two rows of 2×2 patches (contract in
//! [`crate::dwconv_patch`]): sixteen 256-bit `vpdpbusd` an output pixel of
//! 32 channels, each patch serving two neighbouring outputs; the lower row
//! is laid out in the same loop, so its unpacks overlap the `vpdpbusd`.
//! s32 sums out.

use crate::dwconv_patch::{DwPatch3x3S2, PATCH_BYTES, PATCH_CHANNELS};
use crate::x86_64::dwconv_patch_ops::{Patch, Patches};
use core::arch::x86_64::*;

with_level! { avx512vnni:
/// Computes the row `a` describes: see [`DwPatch3x3S2`].
///
/// # Safety
///
/// The CPU must have the `avx512vnni` level. `lay.patches` must be `ow +
/// 1` and `lay` meet [`dwconv_u8_patch2x2_avx512`]'s contract; for each pair `β <
/// lay.pairs`, `(ow + 1) · 128` bytes must be readable at its `top`, 512
/// at its `weights`, 32 i32 at its `init`, and 16 i32 writable at its `out
/// + h·half + x·out_stride` for `h < 2` and every `x < ow` (each advanced
/// by `β` pairs: see [`DwPatch3x3S2`]).
///
/// [`dwconv_u8_patch2x2_avx512`]: crate::x86_64::avx512::dwconv_u8_patch2x2::dwconv_u8_patch2x2_avx512
pub unsafe fn dwconv_u8s8s32_3x3s2_patch_avx512vnni(a: &DwPatch3x3S2) {
    let patches = a.ow + 1;
    // SAFETY: the caller's contract, pair by pair.
    unsafe {
        for b in 0..a.lay.pairs {
            let a = &DwPatch3x3S2 {
                top: a.top.add(b * patches * PATCH_BYTES),
                weights: a.weights.add(b * 4 * PATCH_BYTES),
                init: a.init.add(b * PATCH_CHANNELS),
                out: a.out.add(b * PATCH_CHANNELS),
                ..*a
            };
            let bottom = Patches::new(&a.lay, b);
            let ld = |p: *const u8| -> Patch {
                core::array::from_fn(|v| _mm256_loadu_si256(p.add(32 * v).cast()))
            };
            let w: [Patch; 4] = core::array::from_fn(|t| ld(a.weights.add(t * PATCH_BYTES).cast()));
            let init: Patch = core::array::from_fn(|v| _mm256_loadu_si256(a.init.add(8 * v).cast()));
            let mut left = (ld(a.top), bottom.get(0));
            bottom.put(0, &left.1);
            for x in 0..a.ow {
                let right = (ld(a.top.add((x + 1) * PATCH_BYTES)), bottom.get(x + 1));
                bottom.put(x + 1, &right.1);
                let acc: Patch = core::array::from_fn(|v| {
                    let mut s = _mm256_dpbusd_epi32(init[v], left.0[v], w[0][v]);
                    s = _mm256_dpbusd_epi32(s, right.0[v], w[1][v]);
                    s = _mm256_dpbusd_epi32(s, left.1[v], w[2][v]);
                    _mm256_dpbusd_epi32(s, right.1[v], w[3][v])
                });
                // Lane `h` of the four sums is block `h`'s 16 channels.
                let out = a.out.add(x * a.out_stride);
                for h in 0..2 {
                    let o = out.add(h * a.half);
                    for v in 0..2 {
                        let z = if h == 0 {
                            _mm256_permute2x128_si256::<0x20>(acc[2 * v], acc[2 * v + 1])
                        } else {
                            _mm256_permute2x128_si256::<0x31>(acc[2 * v], acc[2 * v + 1])
                        };
                        _mm256_storeu_si256(o.add(8 * v).cast(), z);
                    }
                }
                left = right;
            }
        }
    }
}
}
