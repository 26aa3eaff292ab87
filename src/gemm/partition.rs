//! The 2-D thread partition: C is cut into a `tm × tn` grid of blocks, one
//! per task, each a whole number of `MR × NR` tiles; every task runs the full
//! loop nest on its block (packing its own A rows and B columns).
//!
//! K is never split, so each element of C sums its products in the same
//! order whatever the thread count: results are bit-identical for 1..n
//! threads. Rules:
//! - `threads` is what the call deserves, not what the context has: the
//!   caller asks the cost model (`Context::gemm_threads`), which keeps small
//!   work on the calling thread (a fork/join would cost more than it saves);
//! - `m ≤ 16` (GEMV-like) splits N only;
//! - otherwise the grid minimizes the largest block's tile count, plus a
//!   small charge for the packing each block repeats.

use std::ops::Range;

/// A `tm × tn` grid of blocks over C.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Grid {
    /// Blocks along M.
    pub tm: usize,
    /// Blocks along N.
    pub tn: usize,
}

impl Grid {
    /// The grid for an `m × n` C on `threads` threads.
    pub(crate) fn new(m: usize, n: usize, mr: usize, nr: usize, threads: usize) -> Grid {
        let mp = m.div_ceil(mr).max(1);
        let np = n.div_ceil(nr).max(1);
        if threads <= 1 {
            return Grid { tm: 1, tn: 1 };
        }
        if m <= 16 {
            return Grid {
                tm: 1,
                tn: threads.min(np),
            };
        }
        let mut best = (f64::INFINITY, Grid { tm: 1, tn: 1 });
        for tm in 1..=threads.min(mp) {
            let tn = (threads / tm).min(np);
            let tiles = (mp.div_ceil(tm) * np.div_ceil(tn)) as f64;
            // Each block packs its A rows and B columns: ~1 element-copy per
            // element against MR·NR FMAs per tile-step.
            let pack = (mp.div_ceil(tm) * mr + np.div_ceil(tn) * nr) as f64 / (mr * nr) as f64;
            let cost = tiles + pack;
            if cost < best.0 - 1e-9 {
                best = (cost, Grid { tm, tn });
            }
        }
        best.1
    }

    /// Number of tasks (blocks).
    pub(crate) fn tasks(&self) -> usize {
        self.tm * self.tn
    }
}

/// Part `idx` of `0..len` cut into `parts` nearly equal pieces whose
/// boundaries are multiples of `unit` (the last piece takes the remainder).
pub(crate) fn split(len: usize, parts: usize, unit: usize, idx: usize) -> Range<usize> {
    let units = len.div_ceil(unit);
    let lo = units * idx / parts;
    let hi = units * (idx + 1) / parts;
    (lo * unit).min(len)..(hi * unit).min(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_thread_stays_inline_and_gemv_splits_n() {
        assert_eq!(Grid::new(64, 64, 14, 32, 1), Grid { tm: 1, tn: 1 });
        assert_eq!(Grid::new(1, 1, 14, 32, 8), Grid { tm: 1, tn: 1 });
        assert_eq!(Grid::new(1, 4096, 14, 32, 2), Grid { tm: 1, tn: 2 });
        assert_eq!(Grid::new(16, 4096, 14, 32, 4), Grid { tm: 1, tn: 4 });
        let g = Grid::new(2048, 2048, 14, 32, 2);
        assert_eq!(g.tasks(), 2);
        let g = Grid::new(2048, 2048, 14, 32, 4);
        assert_eq!(g.tasks(), 4);
    }

    #[test]
    fn split_covers_everything_on_unit_boundaries() {
        for (len, parts, unit) in [(100, 3, 14), (5, 4, 32), (4096, 2, 32), (0, 2, 8)] {
            let mut next = 0;
            for i in 0..parts {
                let r = split(len, parts, unit, i);
                assert_eq!(r.start, next);
                assert!(r.start.is_multiple_of(unit) || r.start == len);
                next = r.end;
            }
            assert_eq!(next, len);
        }
    }
}
