//! The A operand of the INT8 GEMM as a trait: what the driver, the K bound
//! and the zero-point correction need from it. [`super::Activations`] (a
//! matrix view) implements it; an implicit-GEMM convolution implements it
//! with a packer that reads each row's taps through an indirection buffer.

use super::kernels::MAX_TILE_ROWS;
use crate::gemm::PackA;
use std::cell::Cell;
use std::ops::{Deref, Range};
use std::sync::atomic::{AtomicI32, Ordering};

/// Zero points of A's rows, moved with A to u8 (`za' = za + 128` for s8).
#[derive(Clone, Copy, Debug)]
pub(crate) enum RowZeroPoints<'a> {
    /// One for every row.
    Uniform(i32),
    /// One per row (M of them).
    PerRow(&'a [i32]),
}

impl RowZeroPoints<'_> {
    /// za' of row `i`.
    pub(crate) fn at(&self, i: usize) -> i32 {
        match self {
            RowZeroPoints::Uniform(z) => *z,
            RowZeroPoints::PerRow(v) => v[i],
        }
    }

    /// max |za'|.
    pub(crate) fn max_abs(&self) -> i64 {
        match self {
            RowZeroPoints::Uniform(z) => (*z as i64).abs(),
            RowZeroPoints::PerRow(v) => v.iter().map(|&z| (z as i64).abs()).max().unwrap_or(0),
        }
    }

    /// `Uniform` when every row has the same zero point (the kernels then
    /// take its term as a per-column start value, free in the K loop).
    pub(crate) fn normalized(self) -> Self {
        match self {
            RowZeroPoints::PerRow(v) if v.iter().all(|&z| z == v[0]) => RowZeroPoints::Uniform(v[0]),
            z => z,
        }
    }
}

/// One per row, for rows without a dequantization factor of their own.
static ONES: [f32; MAX_TILE_ROWS] = [1.0; MAX_TILE_ROWS];

/// Per-row factors of a dequantized (f32) output: dynamic quantization
/// gives each row its activation scale.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RowScales<'a> {
    /// 1 for every row (`rs_i·scale_j = scale_j` exactly).
    One,
    /// One per row (M of them).
    PerRow(&'a [f32]),
}

impl RowScales<'_> {
    /// The factors of rows `i..i + rows` (`rows ≤ MAX_TILE_ROWS`, one tile).
    pub(crate) fn tile(&self, i: usize, rows: usize) -> &[f32] {
        match self {
            RowScales::One => &ONES[..rows],
            RowScales::PerRow(v) => &v[i..i + rows],
        }
    }
}

/// Where a packer leaves `Σ_k a'_ik` of each row it packs (indexed by A's
/// row). Every task that packs row `i` writes the same value; a task reads
/// only the rows it packed.
#[derive(Clone, Copy)]
pub(crate) struct RowSums<'a>(&'a [AtomicI32]);

impl RowSums<'_> {
    /// Records row `i`'s sum.
    pub(crate) fn set(&self, i: usize, sum: i32) {
        self.0[i].store(sum, Ordering::Relaxed);
    }
}

/// The A operand (`M × K`, 8-bit, zero point per row) of the INT8 GEMM.
/// Implementations are monomorphized into the driver: the per-tile path
/// calls no trait object.
pub(crate) trait Int8Lhs: Sync {
    /// M.
    fn rows(&self) -> usize;
    /// K.
    fn depth(&self) -> usize;
    /// za'_i of each row.
    fn zero_points(&self) -> RowZeroPoints<'_>;
    /// Per-row factors of a dequantized output.
    fn row_scales(&self) -> RowScales<'_> {
        RowScales::One
    }
    /// An upper bound of `|a'_ik − za'_i|` over A (for the K bound).
    fn max_abs_a(&self) -> i64;
    /// Packs rows `rows` over all of K into `dst` (exactly
    /// `⌈rows.len()/mr⌉·mr·kp` bytes, `kp` = K rounded up to 4): panels of
    /// `mr` rows interleaved by k-group, row `r`, group `g` at `g·4·mr + 4r`
    /// of its panel, K zero-padded; rows past `rows` in the last panel may
    /// be left unwritten (the INT8 tile runs only real rows). Stores each
    /// row's `Σ_k a'` (wrapping) into `sums`.
    fn pack_panels(&self, dst: &mut [u8], mr: usize, rows: Range<usize>, sums: RowSums<'_>);
    /// A's rows in place, for the level's indirect kernel (`None`: A is
    /// packed), and the length of the runs of rows that tiles should not
    /// straddle (output rows; 0: none). An operand returns `Some` only on
    /// a level that has the kernel, and then packs nothing and needs no
    /// row sums (no weight zero point).
    fn indirect(&self) -> Option<(lowp_kernels::iconv_ukernel::IconvRows, usize)> {
        None
    }
    /// A as u8 rows in place: the slice from element (0, 0) and the row
    /// stride, when A is u8 with unit column stride (`None`: pack it).
    fn in_place(&self) -> Option<(&[u8], usize)> {
        None
    }
}

/// Puts a staged row's k-groups (`row`, whole groups of 4 bytes) at row
/// `r` of a panel of `mr` rows: group `g` at `g·4·mr + 4r` of `panel`.
#[inline]
pub(crate) fn scatter_row(row: &[u8], panel: &mut [u8], mr: usize, r: usize) {
    for (group, g) in panel.chunks_exact_mut(4 * mr).zip(row.chunks_exact(4)) {
        group[4 * r..4 * r + 4].copy_from_slice(g);
    }
}

/// An [`Int8Lhs`] as the driver's A packer, with the call's row sums.
pub(crate) struct LhsPacker<'a, L> {
    pub(crate) lhs: &'a L,
    pub(crate) sums: &'a [AtomicI32],
}

impl<L: Int8Lhs> PackA<u8> for LhsPacker<'_, L> {
    fn pack_a(&self, dst: &mut [u8], mr: usize, rows: Range<usize>, ks: Range<usize>) {
        // The INT8 GEMM packs B over all of K (`kc_at_least`), so the sums
        // are whole.
        debug_assert!(ks == (0..self.lhs.depth()));
        self.lhs.pack_panels(dst, mr, rows, RowSums(self.sums));
    }
}

thread_local! {
    /// The row sums of this thread's INT8 calls, reused (taken while a call
    /// runs; a nested call gets a fresh vector).
    static SUMS: Cell<Vec<AtomicI32>> = const { Cell::new(Vec::new()) };
}

/// M row sums, lent by the calling thread: no allocation once a call of
/// this size has run.
pub(crate) struct SumsBuf(Vec<AtomicI32>);

impl SumsBuf {
    /// `m` sums (values unspecified until packed).
    pub(crate) fn take(m: usize) -> SumsBuf {
        let mut v = SUMS.try_with(Cell::take).unwrap_or_default();
        v.truncate(m);
        v.resize_with(m, AtomicI32::default);
        SumsBuf(v)
    }
}

impl Deref for SumsBuf {
    type Target = [AtomicI32];
    fn deref(&self) -> &[AtomicI32] {
        &self.0
    }
}

impl Drop for SumsBuf {
    fn drop(&mut self) {
        let v = std::mem::take(&mut self.0);
        // Keep the larger vector; during thread teardown just free.
        let _ = SUMS.try_with(|s| {
            let kept = s.take();
            s.set(if kept.capacity() >= v.capacity() { kept } else { v });
        });
    }
}
