//! `dwconv_u8s8s32_3x3s2_patch_c64_avx512vnni`: the stride-2 patch kernel
//! ([`crate::dwconv_patch`]) on 64-channel zmm patches (two pairs side by
//! side): sixteen 512-bit `vpdpbusd` an output pixel of 64 channels, half
//! the instructions of the pair kernel, whose per-patch scalar work is
//! shared by four 16-channel blocks. s32 sums out, put back in channel
//! order by a 4×4 transpose of 128-bit lanes.

use crate::dwconv_patch::DwPatch3x3S2;
use crate::x86_64::dwconv_patch_ops::patch_rows;
use crate::x86_64::dwconv_patch_store::StoreS32;
use core::arch::x86_64::__m512i;

with_level! { avx512vnni:
/// Computes the row `a` describes (see [`DwPatch3x3S2`]) in patches of
/// two pairs.
///
/// # Safety
///
/// As for [`dwconv_u8s8s32_3x3s2_patch_avx512vnni`], with `lay` meeting
/// [`dwconv_u8_patch2x2_c64_avx512`]'s contract (`pairs` even, whole
/// pairs), `top` laid out by it, and 16 i32 writable at `out + h·half +
/// x·out_stride` for `h < 4` (both pairs' blocks).
///
/// [`dwconv_u8s8s32_3x3s2_patch_avx512vnni`]: crate::x86_64::avx512vnni::dwconv_u8s8s32_3x3s2_patch::dwconv_u8s8s32_3x3s2_patch_avx512vnni
/// [`dwconv_u8_patch2x2_c64_avx512`]: crate::x86_64::avx512::dwconv_u8_patch2x2_c64::dwconv_u8_patch2x2_c64_avx512
pub unsafe fn dwconv_u8s8s32_3x3s2_patch_c64_avx512vnni(a: &DwPatch3x3S2) {
    // SAFETY: the caller's contract.
    unsafe { patch_rows::<__m512i, _>(a, &StoreS32) }
}
}
