//! `dwconv_u8s8q8_3x3s2_patch_c64_avx512vnni`: the requantizing stride-2
//! patch kernel on 64-channel zmm patches: the in-lane packs leave each
//! output pixel's 64 bytes in channel order, one store and no permute.

use crate::dwconv_patch::DwPatch3x3S2;
use crate::dwconv_stack::DwStackQ8;
use crate::x86_64::dwconv_patch_store::patch_rows_q8;
use core::arch::x86_64::__m512i;

with_level! { avx512vnni:
/// As [`dwconv_u8s8q8_3x3s2_patch_avx512vnni`], in patches of two pairs.
///
/// # Safety
///
/// As for [`dwconv_u8s8q8_3x3s2_patch_avx512vnni`], with `lay` meeting
/// [`dwconv_u8_patch2x2_c64_avx512`]'s contract (`pairs` even, whole
/// pairs) and `top` laid out by it.
///
/// [`dwconv_u8s8q8_3x3s2_patch_avx512vnni`]: crate::x86_64::avx512vnni::dwconv_u8s8q8_3x3s2_patch::dwconv_u8s8q8_3x3s2_patch_avx512vnni
/// [`dwconv_u8_patch2x2_c64_avx512`]: crate::x86_64::avx512::dwconv_u8_patch2x2_c64::dwconv_u8_patch2x2_c64_avx512
pub unsafe fn dwconv_u8s8q8_3x3s2_patch_c64_avx512vnni(a: &DwPatch3x3S2<u8>, q: &DwStackQ8) {
    // SAFETY: the caller's contract.
    unsafe { patch_rows_q8::<__m512i>(a, q) }
}
}
