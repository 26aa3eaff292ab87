//! `dwconv_u8s8s32_3x3_stack_avx512vnni`: one or two output rows of a 3×3
//! INT8 depthwise layer from a stacked row (contract in
//! [`crate::dwconv_stack`]): each stacked pixel feeds one `vpdpbusd` per
//! horizontal tap and output row; s32 sums out.

use crate::dwconv_stack::DwStack3x3;
use crate::x86_64::dwconv_stack_ops::{stack_rows, stack_rows_by_pixels};
use crate::x86_64::dwconv_stack_store::StoreS32;

with_level! { avx512vnni:
/// Computes the rows `a` describes: see [`DwStack3x3`].
///
/// # Safety
///
/// The CPU must have the `avx512vnni` level. `stride` must be 1 or 2;
/// for each block `β < blocks`, `((ow − 1)·stride + 3) · 64` bytes must be
/// readable at its `src`, 384 at its `weights`, 16 i32 at its `init`, and 16
/// i32 writable at its `out0 + x·out_stride` (and `out1 + …` when not null)
/// for every `x < ow` (each advanced by `β` blocks: see [`DwStack3x3`]).
pub unsafe fn dwconv_u8s8s32_3x3_stack_avx512vnni(a: &DwStack3x3) {
    // SAFETY: the caller's contract.
    // A call that covers whole output pixels writes each pixel's lines one
    // after another; one that covers part of each pixel goes block by block
    // (by pixels measured slower there: docs/tuning.md, `dws1g`).
    unsafe {
        if a.out_stride == 16 * a.blocks {
            stack_rows_by_pixels::<StoreS32<false>>(a, |_| ())
        } else {
            stack_rows::<StoreS32<false>>(a, |_| ())
        }
    }
}
}
