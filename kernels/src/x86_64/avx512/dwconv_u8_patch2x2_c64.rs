//! `dwconv_u8_patch2x2_c64_avx512`: cuts two input rows of two neighbouring
//! 32-channel pairs into 64-channel 2×2 patches for the zmm stride-2
//! `vpdpbusd` depthwise kernels (contract in [`crate::dwconv_patch`]).

use crate::dwconv_patch::DwPatch2x2;
use crate::x86_64::dwconv_patch_ops::lay_out;
use core::arch::x86_64::__m512i;

with_level! { avx512:
/// Writes the row of 64-channel patches `a` describes: see [`DwPatch2x2`].
///
/// # Safety
///
/// As for [`dwconv_u8_patch2x2_avx512`], with `pairs` even and every pair
/// whole (`valid` = 32).
///
/// [`dwconv_u8_patch2x2_avx512`]: crate::x86_64::avx512::dwconv_u8_patch2x2::dwconv_u8_patch2x2_avx512
pub unsafe fn dwconv_u8_patch2x2_c64_avx512(a: &DwPatch2x2) {
    // SAFETY: the caller's contract.
    unsafe { lay_out::<__m512i>(a) }
}
}
