//! `dwconv_u8_patch2x2_avx512`: cuts two input rows of a 32-channel pair
//! into 2×2 patches for the stride-2 `vpdpbusd` depthwise kernels
//! (contract in [`crate::dwconv_patch`]).

use crate::dwconv_patch::DwPatch2x2;
use crate::x86_64::dwconv_patch_ops::lay_out;
use core::arch::x86_64::__m256i;

with_level! { avx512:
/// Writes the row of patches `a` describes: see [`DwPatch2x2`].
///
/// # Safety
///
/// The CPU must have the `avx512` level. For each non-null row and each
/// column `q < iw`, the `valid` bytes at `rows[r] + q·pixel_stride` must be
/// readable (for each of `pairs` pairs, 32 bytes further per pair), and
/// `pairs · patches · 128` bytes at `dst` writable.
pub unsafe fn dwconv_u8_patch2x2_avx512(a: &DwPatch2x2) {
    // SAFETY: the caller's contract.
    unsafe { lay_out::<__m256i>(a) }
}
}
