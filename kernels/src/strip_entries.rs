//! The strip entries of the INT8 kernels that read A in place (the
//! in-place GEMM kernels, [`crate::igemm_rows_ukernel`], and the indirect
//! conv kernels, [`crate::iconv_ukernel`]): one table generic over the A
//! operand, so one driver loop runs either kernel's strips.

use crate::scalar::igemm_tile_store::{TileCorrection, TileDequant, TileRequant, TileRequantFixed};

/// An A operand read in place: it can start at a later row.
pub trait InPlaceRows: Copy {
    /// The same operand from row `r` on (its first row is this one's row
    /// `r`; the operand's own `from_row`). Only addresses are computed,
    /// nothing is read.
    fn skip_rows(&self, r: usize) -> Self;
}

/// `(tiles, m, a, b, c, ldc, corr)`: `tiles` s32 tiles of `m` rows, tile
/// `t` on rows `t·m..` of `a`, `c` and `corr`'s row arrays (a strip).
pub type StripFn<A> = unsafe fn(usize, usize, &A, *const i8, *mut i32, usize, Option<&TileCorrection>);

/// `(tiles, m, a, b, corr, rq)`: a strip requantized to u8/s8.
pub type StripQ8Fn<A> = unsafe fn(usize, usize, &A, *const i8, Option<&TileCorrection>, &TileRequant);

/// `(tiles, m, a, b, corr, rq)`: a strip requantized in fixed point.
pub type StripQ8FixedFn<A> =
    unsafe fn(usize, usize, &A, *const i8, Option<&TileCorrection>, &TileRequantFixed);

/// `(tiles, m, a, b, corr, dq)`: a strip dequantized to f32.
pub type StripF32Fn<A> = unsafe fn(usize, usize, &A, *const i8, Option<&TileCorrection>, &TileDequant);

/// A kernel's strip entries over its A operand `A`: `tiles` tiles of `m`
/// rows each, one under the other, in one call (one set-up, no call
/// between tiles). The same contract as the kernel's tile entries for each
/// tile, `1 ≤ m ≤ MR`; each output is one tile's sum, so the bits equal
/// `tiles` tile calls'.
#[derive(Debug)]
pub struct StripEntries<A> {
    /// Rows of a strip's full tile (at most `MR`): the height to cut a
    /// strip into.
    pub mr: usize,
    /// s32.
    pub f: StripFn<A>,
    /// s32 with streaming stores (rows 64-byte aligned; fenced by the
    /// caller), where the kernel has them.
    pub f_stream: Option<StripFn<A>>,
    /// Requantizing.
    pub f_q8: StripQ8Fn<A>,
    /// Fixed-point requantizing.
    pub f_q8_fixed: StripQ8FixedFn<A>,
    /// Dequantizing.
    pub f_f32: StripF32Fn<A>,
}

// (By hand: a derive would ask `A: Copy`, which the fn pointers do not need.)
impl<A> Clone for StripEntries<A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A> Copy for StripEntries<A> {}
