//! The INT8 GEMM driver: M-block × N-panel loops over prepacked weights,
//! spread over a 2-D partition of tasks.
//!
//! This file is the only place with loop and threading logic; it talks to
//! the rest through two interfaces:
//!
//! * microkernels ([`IgemmUkernel`]): `(m ≤ MR, kg, a_tile, gs, b_panel, tile,
//!   ldt)` writes an `m × NR` s32 tile (see `kernels.rs`);
//! * the epilogue: `epi(tile, ldt, i0, j0, m, n)` turns the tile (rows
//!   `i0..i0+m`, columns `j0..j0+n`, `n ≤ NR`) into its part of C.
//!
//! With the weights packed over all of K, no K blocking is needed: a panel
//! is `4·⌈K/4⌉·NR` bytes (128 KiB for K = 4096), which streams from L2,
//! while the activation block (`MC` rows) stays in L2 across the panels.

use super::kernels::{IgemmKernels, IgemmUkernel};
use super::{KernelPreference, PackedA, PackedI8Weights};
use crate::Context;

/// Largest tile any kernel writes: 14 rows × 32 columns.
pub(crate) const TILE_ELEMS: usize = 14 * 32;

/// The kernel for panel `p` of `b`.
fn panel_kernel<'k>(kernels: &'k IgemmKernels, b: &PackedI8Weights, p: usize) -> &'k IgemmUkernel {
    match (b.use_main[p], b.preference, &kernels.alt, &kernels.exact) {
        (true, KernelPreference::Ymm, Some(alt), _) => alt,
        (true, _, _, _) => &kernels.main,
        (false, _, _, Some(exact)) => exact,
        (false, _, _, None) => &kernels.main,
    }
}

/// Rows of the tile starting at row `i` (block ends at `end`): the rows
/// left in `i`'s A panel are split into `⌈rows/MR⌉` tiles of near-equal
/// height (16 rows run as 8 + 8, not 14 + 2), so no tile straddles panels.
fn tile_rows(i: usize, end: usize, ph: usize, mr: usize) -> usize {
    let panel_start = i / ph * ph;
    let in_panel = (panel_start + ph).min(end) - panel_start;
    let tiles = in_panel.div_ceil(mr);
    let (base, extra) = (in_panel / tiles, in_panel % tiles);
    // Tile t covers base + (t < extra) rows; find t from the offset of i.
    let off = i - panel_start;
    let t = if off < extra * (base + 1) {
        off / (base + 1)
    } else {
        extra + (off - extra * (base + 1)) / base
    };
    base + usize::from(t < extra)
}

/// Runs `C[i][j] = epi(Σ_k a'[i][k]·b'[k][j])` for all `m` rows of `a`.
pub(crate) fn run<F>(
    ctx: &Context,
    kernels: &IgemmKernels,
    m: usize,
    a: &PackedA,
    b: &PackedI8Weights,
    epi: F,
) where
    F: Fn(&mut [i32], usize, usize, usize, usize, usize) + Sync,
{
    let n = b.n;
    if m == 0 || n == 0 {
        return;
    }
    debug_assert_eq!(kernels.nr, b.nr);
    debug_assert!(kernels.nr * kernels.main.mr <= TILE_ELEMS);
    let nr = b.nr;
    let ph = a.ph;
    debug_assert_eq!(ph, kernels.a_panel_rows);
    let gs = ph * 4;
    let a_panel_bytes = gs * b.kg;
    let n_panels = n.div_ceil(nr);
    // Rows of A kept in L2 across all panels (half of L2), in whole A
    // panels, then evened out over the blocks (1024 rows: 378+378+268, not
    // 504+504+16).
    let l2 = ctx.cache_sizes().l2.max(64 << 10);
    let mc_max = ((l2 / 2) / (4 * b.kg).max(1) / ph * ph).max(ph);
    let m_blocks = m.div_ceil(mc_max);
    let mc = m.div_ceil(m_blocks).next_multiple_of(ph);
    let m_blocks = m.div_ceil(mc);
    let threads = ctx.num_threads();
    // 2-D partition: at least two tasks per thread, a whole number of tasks
    // per thread when the panels allow it.
    let n_chunks = if threads <= 1 {
        1
    } else {
        let mut c = (2 * threads).div_ceil(m_blocks).max(1);
        while !(m_blocks * c).is_multiple_of(threads) && c < n_panels {
            c += 1;
        }
        c.min(n_panels)
    };
    let panels_per_chunk = n_panels.div_ceil(n_chunks);
    let n_chunks = n_panels.div_ceil(panels_per_chunk);
    let panel_bytes = b.panel_bytes();
    let a_data = a.data.as_slice();
    let b_data = b.data.as_slice();
    ctx.run_parallel(m_blocks * n_chunks, |task| {
        let (mb, nc) = (task / n_chunks, task % n_chunks);
        let rows = mb * mc..((mb + 1) * mc).min(m);
        let panels = nc * panels_per_chunk..((nc + 1) * panels_per_chunk).min(n_panels);
        let mut tile = [0i32; TILE_ELEMS];
        for p in panels {
            let ukr = panel_kernel(kernels, b, p);
            let b_panel = &b_data[p * panel_bytes..(p + 1) * panel_bytes];
            let j0 = p * nr;
            let nn = nr.min(n - j0);
            let mut i = rows.start;
            while i < rows.end {
                let mm = tile_rows(i, rows.end, ph, ukr.mr);
                // Tiles never straddle two A panels: blocks start at
                // multiples of ph and `tile_rows` splits within a panel.
                let a_tile = match b.kg {
                    0 => &a_data[..0],
                    _ => &a_data[(i / ph) * a_panel_bytes + (i % ph) * 4..(i / ph + 1) * a_panel_bytes],
                };
                // SAFETY: `ukr` comes from the context's table, which holds
                // only kernels of ISA levels this CPU runs, and `b` was packed
                // for that level (checked by the caller). 1 ≤ mm ≤ MR;
                // `a_tile` covers groups g < kg of rows r < mm at g·gs + 4r
                // (i % ph + mm ≤ ph, the panel's end); `b_panel` holds
                // kg·NR·4 bytes; `tile` holds MR·NR ≤ TILE_ELEMS i32 at
                // stride NR.
                unsafe {
                    (ukr.f)(
                        mm,
                        b.kg,
                        a_tile.as_ptr(),
                        gs,
                        b_panel.as_ptr() as *const i8,
                        tile.as_mut_ptr(),
                        nr,
                    )
                };
                epi(&mut tile[..mm * nr], nr, i, j0, mm, nn);
                i += mm;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::tile_rows;

    fn split(start: usize, end: usize, ph: usize, mr: usize) -> Vec<usize> {
        let mut v = Vec::new();
        let mut i = start;
        while i < end {
            let m = tile_rows(i, end, ph, mr);
            assert!(m >= 1 && m <= mr && (i % ph) + m <= ph, "{i} {m}");
            v.push(m);
            i += m;
        }
        v
    }

    #[test]
    fn tiles_are_balanced_and_stay_in_their_panel() {
        assert_eq!(split(0, 16, 42, 14), vec![8, 8]);
        assert_eq!(split(0, 1, 42, 14), vec![1]);
        assert_eq!(split(0, 42, 42, 14), vec![14, 14, 14]);
        assert_eq!(split(0, 50, 42, 14), vec![14, 14, 14, 8]);
        assert_eq!(split(0, 29, 24, 8), vec![8, 8, 8, 5]);
        assert_eq!(split(168, 200, 42, 14), vec![11, 11, 10]);
        assert_eq!(split(0, 20, 24, 6), vec![5, 5, 5, 5]);
        for mr in 1..15 {
            for ph in [mr, 2 * mr, 3 * mr] {
                for end in 1..100 {
                    assert_eq!(split(0, end, ph, mr).iter().sum::<usize>(), end);
                }
            }
        }
    }
}
