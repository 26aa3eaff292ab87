//! The small-M path (`GEMV_M < m ≤ SMALL_M`, row-major B): B read once,
//! in place, by the B-streaming kernels.

use super::kernels::{BStream, SgemmKernels};
use super::SMALL_M;
use crate::gemm::blocking;
use crate::gemm::f32_operands::{PackBF32, SinkF32};
use crate::gemm::partition::{split, Grid};
use crate::gemm::{buffers, PackA, PackB, TileSink};
use crate::mat::{MatMut, MatRef};
use crate::Context;

/// The small-M path (`GEMV_M < m ≤ SMALL_M`, row-major B; see
/// [`SgemmKernels::small_m`]): A is packed into `[p][MR]` panels per K
/// block (rows ≥ m zero), and the B-streaming kernel computes all `m` rows of
/// each NR-column strip, reading each element of B once, in place, with the
/// same rows a few strips ahead prefetched into L2, so the memory stream
/// overlaps the FMAs (faster than passes of the strided rows kernels). Where the
/// tile is shorter than `m` (AVX2's 6 rows), row groups of it run over each
/// strip, only the first streaming it from memory. Strips go
/// left to right within a K block, K blocks in order; N is split over the
/// threads, so every element sums its K blocks in the same order for any
/// thread count.
#[allow(clippy::too_many_arguments)]
pub(super) fn gemm_small_m(
    ctx: &Context,
    kern: &SgemmKernels,
    bs: BStream,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
    c: &mut MatMut<'_, f32>,
) {
    let (m, k, n, nr) = (a.rows(), a.cols(), c.cols(), bs.nr);
    debug_assert!(m <= SMALL_M && b.is_row_contiguous());
    // Row groups of the kernel's MR: one, unless the tile is shorter than M;
    // the first group streams each B strip from memory, the others find it
    // in L1 (hence the shorter K blocks then).
    let groups = m.div_ceil(bs.mr);
    let kc = blocking::small_m_kc(groups);
    let sink = SinkF32::new(c, beta);
    // Threads split N in units of the main tile's NR (a multiple of nr).
    let grid = Grid::new(m, n, bs.mr, kern.nr, ctx.gemm_threads(m, n, k, 4, 4));
    let tasks = grid.tasks();
    let pa = kern.pack_a(a);
    let (bdata, rsb) = (b.as_slice(), b.row_stride());
    ctx.run_parallel(tasks, |t| {
        let cols = split(n, tasks, kern.nr, t);
        if cols.is_empty() {
            return;
        }
        let mut abuf = buffers::take::<f32>(buffers::SLOT_A, groups * bs.mr * kc);
        let mut scratch = buffers::take::<f32>(buffers::SLOT_TILE, bs.mr * nr);
        let mut panel = buffers::take::<f32>(buffers::SLOT_B, kc * nr);
        let mut pc = 0;
        while pc < k {
            let kcb = kc.min(k - pc);
            let beta_k = if pc == 0 { beta } else { 1.0 };
            let ablk = &mut abuf[..groups * bs.mr * kcb];
            pa.pack_a(ablk, bs.mr, 0..m, pc..pc + kcb);
            let mut j = cols.start;
            while j < cols.end {
                let cols_t = nr.min(cols.end - j);
                // (B strip, its row stride, the prefetch distance in floats);
                // a last partial strip is copied into a zero-padded panel.
                let (bp, rs, ahead): (&[f32], usize, usize) = if cols_t == nr {
                    (&bdata[pc * rsb + j..], rsb, bs.ahead)
                } else {
                    let dst = &mut panel[..kcb * nr];
                    PackBF32(b).pack_b(dst, nr, pc..pc + kcb, j..j + cols_t);
                    (&panel[..kcb * nr], nr, 0)
                };
                debug_assert!(bp.len() >= (kcb - 1) * rs + nr);
                for g in 0..groups {
                    let (i0, rows) = (g * bs.mr, bs.mr.min(m - g * bs.mr));
                    let ap = ablk[g * bs.mr * kcb..].as_ptr();
                    let ahead = if g == 0 { ahead } else { 0 };
                    // C's tile itself when its columns are whole and contiguous,
                    // else the thread's scratch tile (β = 0), merged after.
                    let direct = if cols_t == nr { sink.direct(i0, j) } else { None };
                    let tile = &mut scratch[..bs.mr * nr];
                    let (cp, rsc, beta_t) =
                        direct.map_or((tile.as_mut_ptr(), nr, 0.0), |(cp, rsc)| (cp, rsc, beta_k));
                    // SAFETY: the group's A panel holds MR·kcb packed elements (rows past m zero); B's kcb rows
                    // of nr elements rs apart lie in `bp` (a validated view from (pc, j), or the padded panel);
                    // `cp` is C's rows × nr tile at (i0, j) (this task's columns) or the MR × nr scratch tile.
                    unsafe { (bs.kernel)(kcb, ap, bp.as_ptr(), rs, ahead, cp, rsc, rows, alpha, beta_t) };
                    if direct.is_none() {
                        sink.merge(tile, nr, i0, j, rows, cols_t, beta_k);
                    }
                }
                j += cols_t;
            }
            pc += kcb;
        }
    });
}
