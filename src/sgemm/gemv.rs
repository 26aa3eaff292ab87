//! The GEMV paths (`m ≤ GEMV_M`): a row-major B swept row by row, a
//! column-major B as dot products.

use super::kernels::{Sweep, SWEEP_R};
use super::GEMV_M;
use crate::gemm::blocking;
use crate::gemm::buffers;
use crate::gemm::f32_operands::SinkF32;
use crate::gemm::partition::{split, Grid};
use crate::mat::{MatMut, MatRef};
use crate::Context;

/// The frame of the GEMV paths (`m ≤ GEMV_M`): N is split over the threads
/// on NR boundaries, each task's columns go in blocks of at most `block`,
/// `sums(j0, w, out)` writes the raw sums `Σ_p A[i, p]·B[p, j0 + j]` of the
/// block into `out` (`m` rows of `w`, row stride `w`), and then
/// `C ← alpha·out + beta·C`. Each element is summed by one `sums` call, the
/// same way whatever the thread count.
#[allow(clippy::too_many_arguments)]
fn gemv_blocks(
    ctx: &Context,
    alpha: f32,
    beta: f32,
    c: &mut MatMut<'_, f32>,
    k: usize,
    block: usize,
    sums: impl Fn(usize, usize, &mut [f32]) + Sync,
) {
    let (m, n) = (c.rows(), c.cols());
    let kern = &ctx.kernels().sgemm;
    let sink = SinkF32::new(c, beta);
    let tasks = Grid::new(m, n, kern.mr, kern.nr, ctx.gemm_threads(m, n, k, 4, 4)).tasks();
    ctx.run_parallel(tasks, |t| {
        let cols = split(n, tasks, kern.nr, t);
        let mut out = buffers::take::<f32>(buffers::SLOT_TILE, m * block.min(cols.len()));
        let mut j0 = cols.start;
        while j0 < cols.end {
            let w = block.min(cols.end - j0);
            let out = &mut out[..m * w];
            sums(j0, w, out);
            if alpha != 1.0 {
                out.iter_mut().for_each(|v| *v *= alpha);
            }
            sink.merge(out, w, 0, j0, m, w, beta);
            j0 += w;
        }
    });
}

/// One query against many rows: `(q, rows, row_stride, n_rows, d, out)`,
/// `out[r] = Σ_p q[p]·rows[r·row_stride + p]` (the dot family's scan).
type ScanFn = unsafe fn(*const f32, *const f32, usize, usize, usize, *mut f32);

/// How a GEMV (`m ≤ GEMV_M`) reads B.
#[derive(Clone, Copy)]
pub(super) enum Gemv {
    /// A row-major B: Y (`m` rows of a block of columns, in L1) accumulates
    /// `A[:, p]·B[p, :]` over K in order, [`SWEEP_R`] rows of B per kernel
    /// call, each row read left to right, so B is one sequential stream per
    /// row (a little faster than strips of 32 columns). N is split on NR
    /// boundaries; every element sums K in order, whatever the thread count.
    Sweep(Sweep),
    /// A column-major B: every element of C is the dot product of a row of A
    /// with a contiguous column of B, so each output row is one scan of A's
    /// row against B's columns (the dot family's `scan_f32_ip`, which reads
    /// each column as one sequential stream). Columns go in blocks that fit
    /// half of L2, so for `m > 1` the other rows reread the block from
    /// cache. A row of A with a column stride is copied first. Each dot is
    /// summed the same way whatever the thread count.
    Dots(ScanFn),
}

/// The GEMV path (`m ≤ GEMV_M`): `A·B` block by block of columns as `how`
/// says, then `C ← alpha·(A·B) + beta·C`, N split over the threads
/// ([`gemv_blocks`]).
pub(super) fn gemv(
    ctx: &Context,
    how: Gemv,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
    c: &mut MatMut<'_, f32>,
) {
    let (m, k) = (a.rows(), a.cols());
    debug_assert!((1..=GEMV_M).contains(&m));
    let (adata, rsa, csa) = (a.as_slice(), a.row_stride(), a.col_stride());
    match how {
        Gemv::Sweep(sw) => {
            debug_assert!(b.is_row_contiguous());
            let (bdata, rsb) = (b.as_slice(), b.row_stride());
            gemv_blocks(ctx, alpha, beta, c, k, blocking::sweep_cols(), |j0, w, y| {
                y.fill(0.0);
                let mut p = 0;
                while p < k {
                    let (r, f) = if k - p >= SWEEP_R {
                        (SWEEP_R, sw.deep[m - 1])
                    } else {
                        (1, sw.one[m - 1])
                    };
                    // SAFETY: A's elements (i, p..p+r), i < m, and B's rows p..p+r,
                    // columns j0..j0+w, lie in the validated views; Y holds m rows
                    // of w floats (row stride w), this thread's own.
                    unsafe {
                        f(
                            w,
                            adata[p * csa..].as_ptr(),
                            rsa,
                            csa,
                            bdata[p * rsb + j0..].as_ptr(),
                            rsb,
                            y.as_mut_ptr(),
                            w,
                        )
                    };
                    p += r;
                }
            });
        }
        Gemv::Dots(scan) => {
            debug_assert!(b.row_stride() == 1);
            let block = blocking::dots_cols(ctx.cache_sizes(), k);
            let (bdata, csb) = (b.as_slice(), b.col_stride());
            gemv_blocks(ctx, alpha, beta, c, k, block, |j0, w, out| {
                // A's rows, contiguous (copied when A has a column stride).
                let mut copy = buffers::take::<f32>(buffers::SLOT_A, if csa == 1 { 0 } else { k });
                for (i, o) in out.chunks_exact_mut(w).enumerate() {
                    let q: &[f32] = if csa == 1 {
                        &adata[i * rsa..i * rsa + k]
                    } else {
                        for (p, x) in copy.iter_mut().enumerate() {
                            *x = adata[i * rsa + p * csa];
                        }
                        &copy
                    };
                    // SAFETY: `q` holds k floats; columns j0..j0+w of B are k
                    // contiguous floats each, csb apart, inside the validated view;
                    // `o` holds w floats; the scan belongs to an ISA the CPU has
                    // (the Context's table).
                    unsafe { scan(q.as_ptr(), bdata[j0 * csb..].as_ptr(), csb, w, k, o.as_mut_ptr()) };
                }
            });
        }
    }
}
