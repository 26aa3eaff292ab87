//! `dwconv_u8s8q8_3x3_stack_avx512vnni`: as
//! `dwconv_u8s8s32_3x3_stack_avx512vnni`, each output pixel's 16 sums
//! requantized to u8 or s8 bytes in the store (contract in
//! [`crate::dwconv_stack`]): no s32 tile between the sums and the output,
//! four vectors narrowed together (`StoreQ8`).

use crate::dwconv_stack::{DwStack3x3, DwStackQ8};
use crate::x86_64::avx512::igemm_store_s32_to_q8::Narrow;
use crate::x86_64::dwconv_stack_ops::stack_rows;
use crate::x86_64::dwconv_stack_store::{Q8Block, StoreQ8};
use core::arch::x86_64::*;

with_level! { avx512vnni:
/// Computes the rows `a` describes, requantized as `q` says: see
/// [`DwStack3x3`] and [`DwStackQ8`].
///
/// # Safety
///
/// The CPU must have the `avx512vnni` level. `stride` must be 1 or 2;
/// for each block `β < blocks`, `((ow − 1)·stride + 3) · 64` bytes must be
/// readable at its `src`, 384 at its `weights`, 16 i32 at its `init`, 16 f32
/// at `q.scale + 16β`, and 16 bytes writable at its `out0 + x·out_stride`
/// (and `out1 + …` when not null) for every `x < ow` (see [`DwStack3x3`]).
/// (Any `lo ≤ hi` within the output type stores in-range bytes.)
pub unsafe fn dwconv_u8s8q8_3x3_stack_avx512vnni(a: &DwStack3x3<u8>, q: &DwStackQ8) {
    let narrow = Narrow::new(q.zp, q.lo, q.hi);
    // SAFETY: 16 scales a block, then the caller's contract.
    unsafe {
        let scale = |b: usize| _mm512_loadu_ps(q.scale.add(16 * b));
        let ep = |b: usize| Q8Block {
            narrow,
            scale: scale(b),
        };
        // `hi` on the bytes when no scale of the call can leave i32's range.
        let small = (0..a.blocks).all(|b| Narrow::small_scales(scale(b), scale(b)));
        match (q.hi <= 127, small) {
            (true, true) => stack_rows::<StoreQ8<true, false>>(a, ep),
            (true, false) => stack_rows::<StoreQ8<true, true>>(a, ep),
            (false, true) => stack_rows::<StoreQ8<false, false>>(a, ep),
            (false, false) => stack_rows::<StoreQ8<false, true>>(a, ep),
        }
    }
}
}
