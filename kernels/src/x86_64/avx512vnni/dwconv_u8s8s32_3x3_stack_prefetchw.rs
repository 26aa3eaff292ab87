//! `dwconv_u8s8s32_3x3_stack_prefetchw_avx512vnni`: as
//! `dwconv_u8s8s32_3x3_stack_avx512vnni`, but each run of outputs first
//! prefetches for writing the output lines a few pixels further on (for an
//! output that does not stay in L2; a kernel of its own so that the code
//! of the layers in L2 stays as it was: docs/tuning.md, `dwi2`).

use crate::dwconv_stack::DwStack3x3;
use crate::x86_64::dwconv_stack_ops::{stack_rows, stack_rows_by_pixels};
use crate::x86_64::dwconv_stack_store::StoreS32;

with_level! { avx512vnni:
/// Computes the rows `a` describes: see [`DwStack3x3`].
///
/// # Safety
///
/// As for `dwconv_u8s8s32_3x3_stack_avx512vnni` (the prefetches are hints:
/// they may name lines outside the output, and never fault).
pub unsafe fn dwconv_u8s8s32_3x3_stack_prefetchw_avx512vnni(a: &DwStack3x3) {
    // SAFETY: the caller's contract.
    unsafe {
        if a.out_stride == 16 * a.blocks {
            stack_rows_by_pixels::<StoreS32<true>>(a, |_| ())
        } else {
            stack_rows::<StoreS32<true>>(a, |_| ())
        }
    }
}
}
