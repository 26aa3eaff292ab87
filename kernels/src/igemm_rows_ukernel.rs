//! What every INT8 GEMM kernel that reads A *in place* declares about
//! itself ([`IgemmRowsUkernelInfo`]), and its A operand ([`IgemmRows`]).
//!
//! Such a kernel computes the tile of an igemm kernel
//! ([`crate::igemm_ukernel`]) on the same packed weight panel, but reads a
//! row-major u8 A where it lies: `vpdpbusd` broadcasts 4 consecutive k of
//! one row, which in a row-major A are the 4 bytes `A[r, 4g..4g + 4]`, so a
//! small-M call needs no packed A panel (oneDNN's brgemm reads A so too).
//!
//! ```text
//! unsafe fn(m, a: &IgemmRows, b, c, ldc, corr)                 // s32
//! unsafe fn(m, a: &IgemmRows, b, corr, rq: &TileRequant)        // fused u8/s8
//! unsafe fn(m, a: &IgemmRows, b, corr, rq: &TileRequantFixed)   // fused fixed point
//! unsafe fn(m, a: &IgemmRows, b, corr, dq: &TileDequant)        // fused f32
//! ```
//!
//! `b`, `c`, `corr`, the epilogues and `1 ≤ m ≤ MR` are as in the igemm
//! contract with `kg = groups + 1` when there is a tail, else `groups`.

use crate::scalar::igemm_tile_store::{TileCorrection, TileDequant, TileRequant, TileRequantFixed};
use crate::strip_entries::{InPlaceRows, StripEntries};

/// The A operand of an in-place kernel: `m` rows of u8 at stride `lda`.
#[derive(Clone, Copy, Debug)]
pub struct IgemmRows {
    /// Row 0's first byte; k-group `g < groups` of row `r` is the 4 bytes
    /// at `base + r·lda + 4g`.
    pub base: *const u8,
    /// Row stride, bytes.
    pub lda: usize,
    /// Whole k-groups read in place (`⌊K/4⌋`).
    pub groups: usize,
    /// Null when 4 divides K; else the last, partial k-group of each row,
    /// zero-padded to 4 bytes: row `r`'s at `tail + 4r` (a row's own bytes
    /// past K are never read).
    pub tail: *const u8,
}

impl IgemmRows {
    /// The same operand from row `r` on (its first row is this one's row
    /// `r`). Only addresses are computed, nothing is read.
    #[inline]
    pub fn from_row(&self, r: usize) -> Self {
        IgemmRows {
            base: self.base.wrapping_add(r * self.lda),
            tail: match self.tail.is_null() {
                true => self.tail,
                false => self.tail.wrapping_add(4 * r),
            },
            ..*self
        }
    }
}

/// `(m, a, b, c, ldc, corr)`: the s32 tile.
pub type IgemmRowsFn = unsafe fn(usize, &IgemmRows, *const i8, *mut i32, usize, Option<&TileCorrection>);

/// `(m, a, b, corr, rq)`: the tile requantized to u8/s8 in the epilogue.
pub type IgemmRowsQ8Fn = unsafe fn(usize, &IgemmRows, *const i8, Option<&TileCorrection>, &TileRequant);

/// `(m, a, b, corr, rq)`: the tile requantized with the fixed-point output
/// stage in the epilogue.
pub type IgemmRowsQ8FixedFn =
    unsafe fn(usize, &IgemmRows, *const i8, Option<&TileCorrection>, &TileRequantFixed);

/// `(m, a, b, corr, dq)`: the tile dequantized to f32 in the epilogue.
pub type IgemmRowsF32Fn = unsafe fn(usize, &IgemmRows, *const i8, Option<&TileCorrection>, &TileDequant);

/// The kernel's strip entries (with the streaming form).
pub type IgemmRowsStrip = StripEntries<IgemmRows>;

/// One in-place INT8 GEMM microkernel: its entry points and tile.
#[derive(Clone, Copy, Debug)]
pub struct IgemmRowsUkernelInfo {
    /// Function name (`igemm_rows_u8s8s32_14x32_avx512vnni`).
    pub name: &'static str,
    /// Its ISA level's name.
    pub isa: &'static str,
    /// The CPU features it is compiled for (as in `#[target_feature]`).
    pub features: &'static str,
    /// Rows of a full tile.
    pub mr: usize,
    /// Columns of a tile (the packed weight panel width).
    pub nr: usize,
    /// The s32 tile.
    pub f: IgemmRowsFn,
    /// The s32 tile with streaming stores (rows 64-byte aligned; fenced by
    /// the caller).
    pub f_stream: IgemmRowsFn,
    /// The requantizing entry.
    pub f_q8: IgemmRowsQ8Fn,
    /// The fixed-point requantizing entry.
    pub f_q8_fixed: IgemmRowsQ8FixedFn,
    /// The dequantizing entry.
    pub f_f32: IgemmRowsF32Fn,
    /// The strip entries.
    pub strip: IgemmRowsStrip,
}

impl InPlaceRows for IgemmRows {
    #[inline]
    fn skip_rows(&self, r: usize) -> Self {
        IgemmRows::from_row(self, r)
    }
}

// SAFETY: an `IgemmRows` only describes memory that kernels read; whoever
// calls a kernel with it vouches that the memory is valid and unchanging
// for the call, on whichever thread runs it.
unsafe impl Send for IgemmRows {}
// SAFETY: as above: shared, it is only read.
unsafe impl Sync for IgemmRows {}
