//! The f32 pieces every f32-output GEMM shares: the `[p][MR]` / `[p][NR]`
//! panel packers ([`PackAF32`], [`PackBF32`], [`pack_panel`]) and the f32 C
//! sink with α/β semantics ([`SinkF32`]). sgemm uses them; BF16 GEMM (f32 C)
//! and FP32 convolution (an implicit-GEMM A packer beside [`PackAF32`]) are
//! meant to.

use super::{PackA, PackB, TileSink};
use crate::mat::{MatMut, MatRef};
use lowp_kernels::scalar::sgemm_f32_tile_store::sgemm_f32_tile_store_scalar;
use std::ops::Range;

/// `(src, lda, kc, dst)`: packs MR rows of a row-major A (row `i` at
/// `src + i·lda`, `kc` elements) into one `[p][MR]` panel at `dst`.
pub(crate) type PackARowsFn = unsafe fn(*const f32, usize, usize, *mut f32);

/// Packs one `[p][width]` panel of depth `ks` for `valid` lanes starting at
/// lane `l0`: element (lane l, depth p) is `data[l·s_lane + p·s_depth]`, and
/// lanes `valid..width` are zero. A panels have lanes = rows (`s_lane = rs`),
/// B panels lanes = columns (`s_lane = cs`): one copy with the strides swapped.
#[allow(clippy::too_many_arguments)]
pub(crate) fn pack_panel(
    dst: &mut [f32],
    data: &[f32],
    width: usize,
    valid: usize,
    l0: usize,
    s_lane: usize,
    s_depth: usize,
    ks: &Range<usize>,
) {
    if s_lane == 1 {
        // Each depth step is `valid` contiguous elements.
        for (pp, d) in dst.chunks_exact_mut(width).enumerate() {
            let s = (ks.start + pp) * s_depth + l0;
            d[..valid].copy_from_slice(&data[s..s + valid]);
            d[valid..].fill(0.0);
        }
        return;
    }
    for ll in 0..valid {
        let base = (l0 + ll) * s_lane;
        if s_depth == 1 {
            let line = &data[base + ks.start..base + ks.end];
            for (d, &v) in dst.chunks_exact_mut(width).zip(line) {
                d[ll] = v;
            }
        } else {
            for (pp, d) in dst.chunks_exact_mut(width).enumerate() {
                d[ll] = data[base + (ks.start + pp) * s_depth];
            }
        }
    }
    if valid < width {
        for d in dst.chunks_exact_mut(width) {
            d[valid..].fill(0.0);
        }
    }
}

/// Packs f32 A blocks (any strides) into `[p][MR]` panels, the layout of
/// every f32 kernel (sgemm; BF16 GEMM and FP32 convolution reuse it).
pub(crate) struct PackAF32<'a> {
    a: MatRef<'a, f32>,
    /// A level's vector packer for full `rows_mr`-row panels of a row-major A.
    rows: Option<PackARowsFn>,
    rows_mr: usize,
}

impl<'a> PackAF32<'a> {
    /// Packs `a` with the portable packers.
    pub(crate) fn new(a: MatRef<'a, f32>) -> PackAF32<'a> {
        PackAF32 {
            a,
            rows: None,
            rows_mr: 0,
        }
    }

    /// Uses `f` (a packer of an ISA the CPU has) for full panels of `mr`
    /// rows of a row-major A.
    pub(crate) fn with_rows_packer(self, f: Option<PackARowsFn>, mr: usize) -> PackAF32<'a> {
        PackAF32 {
            rows: f,
            rows_mr: mr,
            ..self
        }
    }
}

impl PackA<f32> for PackAF32<'_> {
    fn pack_a(&self, dst: &mut [f32], mr: usize, rows: Range<usize>, ks: Range<usize>) {
        let a = &self.a;
        let (data, rs, cs) = (a.as_slice(), a.row_stride(), a.col_stride());
        let kc = ks.len();
        for (panel, dst) in dst.chunks_exact_mut(mr * kc).enumerate() {
            let i0 = rows.start + panel * mr;
            let valid = mr.min(rows.end - i0);
            let fast = rs != 1 && cs == 1 && valid == mr;
            if let (true, Some(f), true) = (fast, self.rows, mr == self.rows_mr) {
                let start = i0 * rs + ks.start;
                let src = &data[start..start + (mr - 1) * rs + kc];
                // SAFETY: the level's packer (an available ISA); `src` holds
                // the MR rows of kc elements `rs` apart (sliced above), `dst`
                // exactly MR·kc elements; they do not overlap (A is shared).
                unsafe { f(src.as_ptr(), rs, kc, dst.as_mut_ptr()) };
                continue;
            }
            if !(fast && pack_rows_fast(dst, data, i0 * rs + ks.start, rs, kc)) {
                pack_panel(dst, data, mr, valid, i0, rs, cs, &ks);
            }
        }
    }
}

/// Packs `MR` full rows of a row-major A (row `ii` at `data[start + ii·rs..][..kc]`)
/// into one `[p][MR]` panel, for the tiles without a vector packer. Returns
/// `false` (doing nothing) for other `MR`.
fn pack_rows_fast(dst: &mut [f32], data: &[f32], start: usize, rs: usize, kc: usize) -> bool {
    fn go<const MR: usize>(dst: &mut [f32], data: &[f32], start: usize, rs: usize, kc: usize) {
        let rows: [&[f32]; MR] = std::array::from_fn(|ii| &data[start + ii * rs..start + ii * rs + kc]);
        // Walk K in chunks of 8 so each row is read in short contiguous runs
        // and each panel row is written whole.
        let (dst, _) = dst.split_at_mut(MR * kc);
        for (p8, d8) in dst.chunks_mut(8 * MR).enumerate() {
            let p0 = p8 * 8;
            let cols: [&[f32]; MR] = std::array::from_fn(|ii| &rows[ii][p0..(p0 + 8).min(kc)]);
            for (q, d) in d8.chunks_exact_mut(MR).enumerate() {
                for ii in 0..MR {
                    d[ii] = cols[ii][q];
                }
            }
        }
    }
    match dst.len() / kc.max(1) {
        6 => go::<6>(dst, data, start, rs, kc),
        4 => go::<4>(dst, data, start, rs, kc),
        _ => return false,
    }
    true
}

/// Packs f32 B blocks (any strides) into `[p][NR]` panels; a row-major B
/// can also be read in place ([`PackB::rows_at`]).
pub(crate) struct PackBF32<'a>(pub(crate) MatRef<'a, f32>);

impl PackB<f32> for PackBF32<'_> {
    fn pack_b(&self, dst: &mut [f32], nr: usize, ks: Range<usize>, cols: Range<usize>) {
        let b = &self.0;
        let (data, rs, cs) = (b.as_slice(), b.row_stride(), b.col_stride());
        let kc = ks.len();
        if cs == 1 {
            // Row-major B: read each row of the block once, sequentially,
            // dealing its NR-column pieces out to the panels.
            let width = cols.len();
            let npan = width.div_ceil(nr);
            for pp in 0..kc {
                let row = &data[(ks.start + pp) * rs + cols.start..][..width];
                for (panel, piece) in row.chunks(nr).enumerate() {
                    let d = &mut dst[panel * nr * kc + pp * nr..][..nr];
                    d[..piece.len()].copy_from_slice(piece);
                    d[piece.len()..].fill(0.0);
                }
                debug_assert!(npan * nr * kc <= dst.len());
            }
            return;
        }
        for (panel, dst) in dst.chunks_exact_mut(nr * kc).enumerate() {
            let j0 = cols.start + panel * nr;
            let valid = nr.min(cols.end - j0);
            pack_panel(dst, data, nr, valid, j0, cs, rs, &ks);
        }
    }

    fn rows_at(&self, k0: usize, j0: usize) -> Option<(&[f32], usize)> {
        let b = &self.0;
        (b.col_stride() == 1)
            .then(|| {
                b.as_slice()
                    .get(k0 * b.row_stride() + j0..)
                    .map(|s| (s, b.row_stride()))
            })
            .flatten()
    }
}

/// An f32 C with β as the driver's sink: direct tile writes when C's
/// columns are contiguous, else the scratch tile merged with the tile-store
/// kernel (β on the first K block, 1 after).
pub(crate) struct SinkF32 {
    c: *mut f32,
    rsc: usize,
    csc: usize,
    beta: f32,
}

// SAFETY: the driver hands disjoint tiles to different threads; the pointer
// is only dereferenced inside kernels, each on its own tile.
unsafe impl Sync for SinkF32 {}
// SAFETY: as for Sync.
unsafe impl Send for SinkF32 {}

impl SinkF32 {
    /// The sink writing `C ← tile + beta·C` into `c`.
    pub(crate) fn new(c: &mut MatMut<'_, f32>, beta: f32) -> SinkF32 {
        SinkF32 {
            c: c.as_mut_ptr(),
            rsc: c.row_stride(),
            csc: if c.cols() <= 1 { 1 } else { c.col_stride() },
            beta,
        }
    }

    /// Merges `rows × cols` of `tile` (row stride `ld`) into C at `(i, j)`
    /// with β = `beta` (callers pass 1 after the first K block).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn merge(
        &self,
        tile: &[f32],
        ld: usize,
        i: usize,
        j: usize,
        rows: usize,
        cols: usize,
        beta: f32,
    ) {
        // SAFETY: (i, j) and the rows × cols tile are inside C (the driver and
        // the GEMV path only pass in-range tiles), owned by this thread.
        unsafe {
            sgemm_f32_tile_store_scalar(
                rows,
                cols,
                tile,
                ld,
                self.c.wrapping_add(i * self.rsc + j * self.csc),
                self.rsc,
                self.csc,
                beta,
            )
        }
    }
}

// SAFETY: `direct` points at C's element (i, j) with unit column stride, and
// the driver only asks for tiles inside C; tiles are disjoint.
unsafe impl TileSink<f32> for SinkF32 {
    fn direct(&self, i: usize, j: usize) -> Option<(*mut f32, usize)> {
        (self.csc == 1).then(|| (self.c.wrapping_add(i * self.rsc + j), self.rsc))
    }

    fn store(
        &self,
        tile: &mut [f32],
        ld: usize,
        i: usize,
        j: usize,
        rows: usize,
        cols: usize,
        first: bool,
        _last: bool,
    ) {
        self.merge(tile, ld, i, j, rows, cols, if first { self.beta } else { 1.0 });
    }
}
