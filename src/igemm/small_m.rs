//! Small-M INT8 GEMMs: A read in place by the level's rows kernel
//! ([`lowp_kernels::igemm_rows_ukernel`]) and a lean loop over the tiles,
//! instead of the blocked driver. A row-major u8 A of a few rows is already
//! in the layout `vpdpbusd` broadcasts from, so packing it (and the
//! driver's plan and buffers) is cost without benefit (`docs/tuning.md`,
//! "Small GEMMs").

use super::kernels::{Entry, IgemmTile, MAX_TILE};
use super::strip_run::run_strip;
use crate::gemm::partition::{self, Grid};
use crate::gemm::{Microkernel, PackedB, TileSink};
use crate::Context;
use lowp_kernels::igemm_rows_ukernel::{IgemmRows, IgemmRowsUkernelInfo};
use lowp_kernels::scalar::igemm_tile_store::TileCorrection;

/// Whether an `m × k` A read in place beats packing it: at least two rows
/// (one row streams the weights through the ymm kernel instead) and A small
/// enough to stay in L2 while every weight panel passes over it.
pub(crate) fn worth_it(ctx: &Context, m: usize, k: usize) -> bool {
    m >= 2 && k > 0 && m * k <= ctx.cache_sizes().l2 / 2
}

/// The A operand of the rows kernel for a u8 A of `m` rows of `k` at row
/// stride `lda` in `a` (from element (0, 0)); `tail` receives each row's
/// partial last k-group (`4·m` bytes; unused when 4 divides K).
pub(crate) fn rows_of(a: &[u8], lda: usize, m: usize, k: usize, tail: &mut [u8]) -> IgemmRows {
    let groups = k / 4;
    if !k.is_multiple_of(4) {
        for (i, t) in tail[..4 * m].chunks_exact_mut(4).enumerate() {
            let row = &a[i * lda + 4 * groups..i * lda + k];
            t[..row.len()].copy_from_slice(row);
            t[row.len()..].fill(0);
        }
    }
    IgemmRows {
        base: a.as_ptr(),
        lda,
        groups,
        tail: match k.is_multiple_of(4) {
            true => std::ptr::null(),
            false => tail.as_ptr(),
        },
    }
}

/// Runs `ukr` (reading A in place) over every tile of the `m × n` output
/// into `sink`: row blocks of `ph` rows (one scratch tile at most), on the
/// threads the cost model gives the call, each thread a block of whole
/// panels and rows. Each element is one tile's whole K sum, so results are
/// the same for every thread count.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run<S: TileSink<i32>>(
    ctx: &Context,
    ukr: &IgemmTile<'_>,
    (m, n, k): (usize, usize, usize),
    ph: usize,
    b: &PackedB<i8>,
    sink: &S,
) {
    let nr = ukr.nr();
    let kcp = k.div_ceil(4) * 4;
    let grid = Grid::new(m, n, ph, nr, ctx.gemm_threads(m, n, k, 1, 1));
    let strip = ukr.strip_rows();
    ctx.run_parallel(grid.tasks(), |t| {
        let rows = partition::split(m, grid.tm, ph, t / grid.tn);
        let cols = partition::split(n, grid.tn, nr, t % grid.tn);
        for j in cols.clone().step_by(nr) {
            let cols_t = nr.min(cols.end - j);
            let bp = &b.block(0, j / nr)[..nr * kcp];
            // Tiles the kernel writes in place run as strips of whole
            // sub-tiles (fewer calls per row); scratch tiles as panels.
            let direct = cols_t == nr && sink.direct(rows.start, j).is_some();
            let blk = if direct { strip.unwrap_or(ph) } else { ph };
            for i in rows.clone().step_by(blk) {
                let rows_t = blk.min(rows.end - i);
                if let Some((c, rsc)) = sink.direct(i, j).filter(|_| direct) {
                    // SAFETY: the panel holds NR·kcp weights (sliced); A is read in place (the tile's
                    // rows, vouched for by `with_rows`); the sink vouches for the tile at (i, j),
                    // this task's alone (disjoint row and column blocks).
                    unsafe {
                        ukr.tile_rows((i, j), rows_t, kcp, std::ptr::null(), bp.as_ptr(), c, rsc, 1, 0)
                    };
                    sink.finish(i, j, rows_t, nr);
                    continue;
                }
                let mut tile = [0i32; MAX_TILE];
                // SAFETY: as above, into the local tile (ph × NR ≤ MAX_TILE, row stride NR).
                unsafe {
                    ukr.tile_rows(
                        (i, j),
                        rows_t,
                        kcp,
                        std::ptr::null(),
                        bp.as_ptr(),
                        tile.as_mut_ptr(),
                        nr,
                        1,
                        0,
                    )
                };
                sink.store(&mut tile, nr, i, j, rows_t, cols_t, true, true);
            }
        }
        sink.task_done();
    });
}

/// `IgemmTile::sub_tiles` with the rows kernel `k`: rows `i0..i0 + rows`
/// of A read in place through `src` (from row 0), as balanced sub-tiles,
/// through the entry `entry` picked for the packed kernel (`stream`: its
/// streaming form).
///
/// # Safety
///
/// As `Microkernel::tile_rows` without the A panel; `src` describes all of
/// A (every row in bounds, the tail, if any, `4·M` bytes), `b` the panel
/// of `⌈K/4⌉` groups.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn rows_sub_tiles(
    k: &IgemmRowsUkernelInfo,
    src: &IgemmRows,
    fix: Option<TileCorrection>,
    (entry, stream): (Entry<'_>, bool),
    (i0, j0): (usize, usize),
    rows: usize,
    b: *const i8,
    c: *mut i32,
    ldc: usize,
) {
    // Balanced sub-tiles of the strip's height: `base` rows, the first
    // `extra` one more; each run of equal sub-tiles is one strip run.
    let tiles = rows.div_ceil(k.strip.mr);
    let (base, extra) = (rows / tiles, rows % tiles);
    let mut i = 0;
    for (count, mm) in [(extra, base + 1), (tiles - extra, base)] {
        // SAFETY: the caller's, for rows i.. (count·mm of them).
        unsafe {
            run_strip(
                &k.strip,
                k.nr,
                src,
                fix,
                (entry, stream),
                (i0, j0),
                (i, count, mm),
                b,
                c,
                ldc,
            )
        };
        i += count * mm;
    }
}

/// Runs the call on the rows kernel when the level has one and it pays
/// ([`worth_it`]): A is u8 with unit column stride, its weights packed for
/// the level's best kernels, and not read through an indirection buffer.
/// Fills the row sums (`sums`) when the weights have a zero point. Returns
/// whether it ran.
#[allow(clippy::too_many_arguments)]
pub(crate) fn try_run<L: super::lhs::Int8Lhs, S: TileSink<i32>>(
    ctx: &Context,
    a: &L,
    b: &super::PackedI8Weights,
    ukr: &IgemmTile<'_>,
    ph: usize,
    sums: &[std::sync::atomic::AtomicI32],
    sink: &S,
) -> bool {
    let (m, k) = (a.rows(), b.k);
    let Some(rk) = ctx.kernels().igemm.rows else {
        return false;
    };
    let ok = b.preference == super::KernelPreference::Auto && a.indirect().is_none() && worth_it(ctx, m, k);
    let Some((src, lda)) = a.in_place().filter(|_| ok) else {
        return false;
    };
    if b.max_abs_zb != 0 {
        for (i, s) in sums.iter().enumerate() {
            let sum = src[i * lda..i * lda + k]
                .iter()
                .fold(0i32, |acc, &x| acc.wrapping_add(x as i32));
            s.store(sum, std::sync::atomic::Ordering::Relaxed);
        }
    }
    let mut tail =
        crate::gemm::buffers::take::<u8>(crate::gemm::buffers::SLOT_ROW, 4 * m * usize::from(k % 4 != 0));
    let rows = rows_of(src, lda, m, k, &mut tail);
    run(
        ctx,
        &ukr.with_rows(Some((rk, rows))),
        (m, b.n, k),
        ph,
        &b.packed,
        sink,
    );
    true
}
