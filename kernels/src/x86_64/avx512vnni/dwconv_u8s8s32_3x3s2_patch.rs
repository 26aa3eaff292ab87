//! `dwconv_u8s8s32_3x3s2_patch_avx512vnni`: one output row of a 3×3
//! stride-2 INT8 depthwise layer from two rows of 2×2 patches (contract in
//! [`crate::dwconv_patch`]): sixteen 256-bit `vpdpbusd` an output pixel of
//! 32 channels, each patch serving two neighbouring outputs; the lower row
//! is laid out in the same loop, so its unpacks overlap the `vpdpbusd`.
//! s32 sums out.

use crate::dwconv_patch::DwPatch3x3S2;
use crate::x86_64::dwconv_patch_ops::patch_rows;
use crate::x86_64::dwconv_patch_store::StoreS32;
use core::arch::x86_64::__m256i;

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
    // SAFETY: the caller's contract.
    unsafe { patch_rows::<__m256i, _>(a, &StoreS32) }
}
}
