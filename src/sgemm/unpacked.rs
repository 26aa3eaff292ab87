//! The unpacked path: the strided rows kernels read A and B in place,
//! for small M or operands already in cache.

use super::kernels::SgemmKernels;
use crate::gemm::blocking;
use crate::gemm::buffers;
use crate::gemm::f32_operands::{PackBF32, SinkF32};
use crate::gemm::partition::{split, Grid};
use crate::gemm::{PackB, PackedB, TileSink};
use crate::mat::{MatMut, MatRef};
use crate::Context;

/// The B of the unpacked path.
pub(super) enum UnpackedB<'a> {
    /// Unpacked, rows contiguous: read in place, `rsb` apart.
    RowMajor(MatRef<'a, f32>),
    /// Prepacked panels.
    Packed(&'a PackedB<f32>),
}

/// The unpacked path: `C ← alpha·A·B + beta·C` with the strided rows
/// kernels, for small M (≤ [`super::SMALL_M`]: GEMV and friends) or operands that
/// already sit in cache. Neither A nor B is packed (only a last partial
/// column strip of a row-major B is copied into a zero-padded panel, so no
/// kernel reads past B). Rows go in chunks of at most MR; for each pass over
/// a few rows of B (`kc`), strips of NR columns are visited left to right so
/// B is read sequentially. N is split over the threads; every element sums
/// its K blocks in the same order for every thread count.
pub(super) fn gemm_unpacked(
    ctx: &Context,
    kern: &SgemmKernels,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: UnpackedB<'_>,
    beta: f32,
    c: &mut MatMut<'_, f32>,
) {
    let (m, k, n, nr) = (a.rows(), a.cols(), c.cols(), kern.nr);
    let sink = SinkF32::new(c, beta);
    let kc = match &b {
        UnpackedB::RowMajor(_) => {
            blocking::unpacked_row_major_kc(ctx.cache_sizes(), m, k, n, kern.mr, kern.row_major_b_l2_share)
        }
        UnpackedB::Packed(pb) => pb.kc(),
    };
    let grid = Grid::new(m, n, kern.mr, nr, ctx.gemm_threads(m, n, k, 4, 4));
    let tasks = grid.tasks();
    let (adata, rsa, csa) = (a.as_slice(), a.row_stride(), a.col_stride());
    ctx.run_parallel(tasks, |t| {
        let cols = split(n, tasks, nr, t);
        if cols.is_empty() {
            return;
        }
        let mut scratch = buffers::take::<f32>(buffers::SLOT_TILE, kern.mr * nr);
        let mut panel = buffers::take::<f32>(
            buffers::SLOT_B,
            match &b {
                UnpackedB::RowMajor(_) => kc * nr,
                UnpackedB::Packed(_) => 0,
            },
        );
        let mut pc = 0;
        while pc < k {
            let kcb = kc.min(k - pc);
            let beta_k = if pc == 0 { beta } else { 1.0 };
            let a_blk = &adata[pc * csa..];
            let mut j = cols.start;
            while j < cols.end {
                // 1 to 3 rows over prepacked panels (a GEMV against weights):
                // two whole panels a call, so each row has twice the
                // independent FMA chains and B streams from L3 instead of
                // waiting on the FMA latency (the same bits as one panel a call).
                if let (UnpackedB::Packed(pb), Some(pair), true) = (&b, kern.pair(m), j + 2 * nr <= cols.end)
                {
                    if let Some((cp, rsc)) = sink.direct(0, j) {
                        let (b0, b1) = (pb.block(pc, j / nr).as_ptr(), pb.block(pc, j / nr + 1).as_ptr());
                        // SAFETY: A's m rows × kcb columns from pc are in the view; panels j/nr and
                        // j/nr + 1 of the K block hold kcb × nr packed floats each; C's m × 2·nr block
                        // at (0, j) (unit column stride) is this task's; the kernel belongs to an ISA
                        // the CPU has (the Context's table).
                        unsafe { pair(kcb, a_blk.as_ptr(), rsa, csa, b0, b1, cp, rsc, alpha, beta_k) };
                        j += 2 * nr;
                        continue;
                    }
                }
                let cols_t = nr.min(cols.end - j);
                let (bp, rsb): (&[f32], usize) = match &b {
                    UnpackedB::RowMajor(bm) if cols_t == nr => {
                        (&bm.as_slice()[pc * bm.row_stride() + j..], bm.row_stride())
                    }
                    UnpackedB::RowMajor(bm) => {
                        let dst = &mut panel[..kcb * nr];
                        PackBF32(*bm).pack_b(dst, nr, pc..pc + kcb, j..j + cols_t);
                        (&panel[..kcb * nr], nr)
                    }
                    UnpackedB::Packed(pb) => (pb.block(pc, j / nr), nr),
                };
                // Rows in balanced chunks of at most MR; the B strip is read
                // from memory by the first chunk and from L1 by the others.
                let chunks = m.div_ceil(kern.mr);
                for ch in 0..chunks {
                    let (r0, r1) = (m * ch / chunks, m * (ch + 1) / chunks);
                    let mc = r1 - r0;
                    let a_ch = &a_blk[r0 * rsa..];
                    // C's tile itself when its columns are whole and contiguous,
                    // else the thread's scratch tile (β = 0), merged after.
                    let direct = if cols_t == nr { sink.direct(r0, j) } else { None };
                    let tile = &mut scratch[..mc * nr];
                    let (cp, rsc, beta_t) =
                        direct.map_or((tile.as_mut_ptr(), nr, 0.0), |(cp, rsc)| (cp, rsc, beta_k));
                    // SAFETY: A's rows r0..r1 × kcb columns from pc and B's kcb × nr from (pc, j) (view
                    // or padded panel) are in bounds; `cp` is C's mc × nr tile (this task's columns) or the scratch.
                    unsafe {
                        kern.call_rows(
                            mc,
                            kcb,
                            a_ch.as_ptr(),
                            rsa,
                            csa,
                            bp.as_ptr(),
                            rsb,
                            cp,
                            rsc,
                            alpha,
                            beta_t,
                        )
                    };
                    if direct.is_none() {
                        sink.merge(tile, nr, r0, j, mc, cols_t, beta_k);
                    }
                }
                j += cols_t;
            }
            pc += kcb;
        }
    });
}
