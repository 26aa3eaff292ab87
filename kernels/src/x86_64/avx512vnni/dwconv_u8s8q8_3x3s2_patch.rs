//! `dwconv_u8s8q8_3x3s2_patch_avx512vnni`: the stride-2 patch kernel
//! ([`crate::dwconv_patch`]) requantizing to u8/s8 in its store: the pair
//! lane order of the sums is what the in-lane saturating packs want, so
//! each output pixel's 32 bytes leave in channel order with one store and
//! no permute.

use crate::dwconv_patch::DwPatch3x3S2;
use crate::dwconv_stack::DwStackQ8;
use crate::x86_64::dwconv_patch_store::patch_rows_q8;
use core::arch::x86_64::__m256i;

with_level! { avx512vnni:
/// Computes the row `a` describes (see [`DwPatch3x3S2`]), requantized as
/// `q` says ([`DwStackQ8`], 32 scales a pair in channel order): channel
/// `j` of pixel `x` of pair `β` is the byte at `out + 32β + x·out_stride +
/// j` (`half` is not read). The sums start from `init`, so a bias belongs
/// there.
///
/// # Safety
///
/// As for [`dwconv_u8s8s32_3x3s2_patch_avx512vnni`], except that 32 bytes
/// must be writable at `out + 32β + x·out_stride` for each pair `β` and `x
/// < ow`, and 32 f32 readable at `q.scale + 32β`. (Any `lo ≤ hi` within the
/// output type stores in-range bytes.)
///
/// [`dwconv_u8s8s32_3x3s2_patch_avx512vnni`]: crate::x86_64::avx512vnni::dwconv_u8s8s32_3x3s2_patch::dwconv_u8s8s32_3x3s2_patch_avx512vnni
pub unsafe fn dwconv_u8s8q8_3x3s2_patch_avx512vnni(a: &DwPatch3x3S2<u8>, q: &DwStackQ8) {
    // SAFETY: the caller's contract.
    unsafe { patch_rows_q8::<__m256i>(a, q) }
}
}
