//! Block sizes (MC, NC, KC) derived from the cache sizes in the Context.
//!
//! The Goto/BLIS reasoning, for a kernel with an `MR × NR` tile:
//! - **KC**: long enough to amortize the C tile's load/store (once per K
//!   block) and the kernel's entry, short enough that the B micro-panel
//!   (`KC × NR`) stays within L1 + the L2 stream the kernel needs (a 14×32
//!   f32 kernel reads ~7 bytes/cycle, far below L2 bandwidth):
//!   `KC·NR·sizeof(B) ≈ 2·L1d` (measured on Zen 4: KC 512 beats 256 by ~5%;
//!   the classic loop order takes 4·L1d, see [`Blocking::derive`]);
//! - **MC**: the packed A block (`MC × KC`) stays in L2, taking about half
//!   of it (the rest holds B micro-panels and C tiles in flight);
//! - **NC**: the packed B block (`KC × NC`) stays in L3, taking about half
//!   of this core's share.
//!
//! [`Blocking::fit`] then balances the blocks over a concrete problem so the
//! last block is not a sliver (e.g. K = 300 with KC = 256 becomes 2 × 150).

use super::partition::Grid;
use crate::context::CacheSizes;

/// Block sizes of the GEMM loop nest, in elements (rows, columns, depth).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Blocking {
    /// Rows of A packed at once (a multiple of MR).
    pub mc: usize,
    /// Columns of B packed at once (a multiple of NR).
    pub nc: usize,
    /// Depth of one packed block (a multiple of the kernel's k-unit).
    pub kc: usize,
}

/// Rounds `x` up to a multiple of `m` (`m > 0`).
pub(crate) fn round_up(x: usize, m: usize) -> usize {
    x.div_ceil(m) * m
}

impl Blocking {
    /// Blocks for an `mr × nr` kernel whose packed A and B elements take
    /// `a_bytes` and `b_bytes`, whose K is consumed in units of `k_unit`, and
    /// whose B micro-panel takes `l1_multiple` times L1 (2 as a rule).
    /// Deeper K blocks halve the passes over C and the kernel entries but
    /// shrink MC: the classic loop order (many A blocks) gains from 4 (Zen 4,
    /// f32 1024³: 106.7 → 108.6 GFLOP/s), the one-A-block order would lose
    /// its single A block.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn derive(
        caches: CacheSizes,
        mr: usize,
        nr: usize,
        k_unit: usize,
        a_bytes: usize,
        b_bytes: usize,
        l1_multiple: usize,
    ) -> Blocking {
        let l1 = caches.l1d.max(4 << 10);
        let l2 = caches.l2.max(64 << 10);
        let l3 = caches.l3.max(l2);
        let kc_raw = l1_multiple * l1 / (nr * b_bytes).max(1);
        let kc = (kc_raw / 16 * 16).clamp(64, 1024);
        let kc = round_up(kc, k_unit);
        let mc_raw = (l2 / 2) / (kc * a_bytes).max(1);
        let mc = (mc_raw / mr * mr).clamp(mr, 4096 / mr * mr);
        let nc_raw = (l3 / 2) / (kc * b_bytes).max(1);
        let nc = (nc_raw / nr * nr).clamp(nr, 8192 / nr * nr);
        Blocking { mc, nc, kc }
    }

    /// The blocks for an `m × n × k` problem: each dimension split into
    /// equal blocks (rounded to the tile / k-unit) no larger than these.
    pub(crate) fn fit(self, m: usize, n: usize, k: usize, mr: usize, nr: usize, k_unit: usize) -> Blocking {
        let even = |len: usize, max: usize, unit: usize| {
            if len == 0 {
                return max;
            }
            let blocks = len.div_ceil(max);
            round_up(len.div_ceil(blocks), unit).min(max.max(unit))
        };
        Blocking {
            mc: even(m, self.mc, mr),
            nc: even(n, self.nc, nr),
            kc: even(k, self.kc, k_unit),
        }
    }
}

/// A microkernel's shape as the blocking sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// Rows of a tile (INT8: the packed A panel's rows).
    pub mr: usize,
    /// Columns of a tile.
    pub nr: usize,
    /// K is consumed (and padded) in units of this many elements.
    pub k_unit: usize,
    /// Bytes of a packed A element.
    pub a_bytes: usize,
    /// Bytes of a packed B element.
    pub b_bytes: usize,
}

/// How the call gets its B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BKind {
    /// Packed block by block during the call (its K blocks are ours to choose).
    Pack,
    /// Packed beforehand in K blocks of `kc`.
    Prepacked {
        /// Depth of the prepacked K blocks.
        kc: usize,
    },
}

/// One driver call, as the blocking sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Request {
    /// The kernel's shape.
    pub geometry: Geometry,
    /// Rows of C.
    pub m: usize,
    /// Columns of C.
    pub n: usize,
    /// Depth.
    pub k: usize,
    /// Threads the call may use.
    pub threads: usize,
    /// Where B comes from.
    pub b: BKind,
    /// K blocks at least `min(x, K)` deep (`None`: from the caches).
    pub kc_at_least: Option<usize>,
}

/// The order of a task's loop nest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoopOrder {
    /// The task's rows fit one A block: KC → (pack A once) → NC → tiles.
    OneABlock,
    /// NC → KC → MC, the Goto/BLIS order.
    Classic,
}

/// Everything the driver needs to know about block sizes for one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    /// MC, NC, KC for every task.
    pub blocks: Blocking,
    /// The thread grid over C.
    pub grid: Grid,
}

impl Plan {
    /// The loop order of a task with `rows` rows of C.
    pub(crate) fn order(&self, rows: usize) -> LoopOrder {
        if rows <= self.blocks.mc {
            LoopOrder::OneABlock
        } else {
            LoopOrder::Classic
        }
    }
}

/// The block sizes and thread grid of one driver call.
pub(crate) fn plan(caches: CacheSizes, r: &Request) -> Plan {
    let Geometry {
        mr,
        nr,
        k_unit: ku,
        a_bytes: a_size,
        b_bytes: b_size,
    } = r.geometry;
    let p = r;
    let derive = |l1_multiple| Blocking::derive(caches, mr, nr, ku, a_size, b_size, l1_multiple);
    let mut blk = derive(2);
    let kc_caches = blk.kc;
    if let Some(kmin) = p.kc_at_least {
        blk.kc = blk.kc.max(round_up(kmin.min(p.k), ku));
    }
    let grid = Grid::new(p.m, p.n, p.k, mr, nr, p.threads);
    // Block sizes for the per-task sub-problems.
    let sub_m = p.m.div_ceil(grid.tm);
    let sub_n = p.n.div_ceil(grid.tn);
    // Rows at most 1/16 past one A block still take one (the A block then
    // fills a little over half of L2): splitting them would leave the
    // one-A-block order, with its B packed while computing, for the
    // classic one (Zen 4, AVX2, 128×4096×1024 against an MC of 126: 83 →
    // 100 GFLOP/s).
    // (`base`: the A block's row limit before `fit` balanced it.)
    let stretch = |rows: usize, mut f: Blocking, base: usize| {
        if ku == 1 && rows > f.mc && rows <= base + base / 16 {
            f.mc = round_up(rows, mr);
        }
        f
    };
    let mut fit = stretch(sub_m, blk.fit(sub_m, sub_n, p.k, mr, nr, ku), blk.mc);
    // Deeper K blocks when the whole problem runs in the classic order
    // (several A blocks) and B is packed here, so its K blocks are ours to
    // choose. Decided on the whole M, never on a task's share: the K blocks
    // (the summation order) must not depend on the thread count.
    let packs_b = matches!(p.b, BKind::Pack);
    let whole = stretch(p.m, blk.fit(p.m, p.n, p.k, mr, nr, ku), blk.mc);
    if ku == 1 && packs_b && p.kc_at_least.is_none() && p.m > whole.mc {
        fit = derive(4).fit(sub_m, sub_n, p.k, mr, nr, ku);
    }
    if sub_m <= fit.mc {
        // One A block per task: each packed B block is used by one pass
        // only, so keep it in L2 (packed and consumed while still hot)
        // rather than sizing it for L3.
        let l2_cols = (caches.l2 / 2) / (fit.kc * b_size).max(1);
        fit.nc = fit.nc.min((l2_cols / nr * nr).max(nr));
    }
    if let BKind::Prepacked { kc } = p.b {
        fit.kc = kc;
    }
    if fit.kc > kc_caches {
        // K blocks deeper than the caches suggest (`kc_at_least`, or a B
        // prepacked over all of K): shrink MC so the A block still takes
        // half of L2, and keep a one-pass B block in the other half.
        let a_bytes = a_size;
        let mc_max = ((caches.l2 / 2) / (fit.kc * a_bytes).max(1) / mr * mr).max(mr);
        let deep = Blocking { mc: mc_max, ..fit };
        // Stretched as above: 128 rows against an MC of 126 stay one A
        // block (Zen 4, f32 128×4096×1024 with B packed over K = 1024:
        // 98.7 → 106 GFLOP/s).
        fit.mc = stretch(sub_m, deep.fit(sub_m, sub_n, p.k, mr, nr, ku), mc_max).mc;
        if sub_m <= fit.mc {
            let l2_cols = (caches.l2 / 2) / (fit.kc * b_size).max(1);
            fit.nc = fit.nc.min((l2_cols / nr * nr).max(nr));
        }
    }
    Plan { blocks: fit, grid }
}

/// K-block depth of an f32 B prepacked for an `mr × nr` kernel
/// ([`crate::PackedB`]), for a B of `k` rows.
pub(crate) fn prepacked_f32_kc(caches: CacheSizes, mr: usize, nr: usize, k: usize) -> usize {
    // K blocks twice as deep as a per-call pack takes (B micro-panel 4×
    // L1d): a prepacked B costs nothing to pack, so only the halved
    // passes over C and kernel entries count. Zen 4, 1 thread, ms
    // (2× → 4×): 128×4096×1024 9.86 → 9.76, 1024³ 19.46 → 19.02,
    // 16×4096×4096 5.87 → 5.78.
    let blk = Blocking::derive(caches, mr, nr, 1, 4, 4, 4);
    blk.fit(1, 1, k, mr, nr, 1).kc.max(1)
}

/// Whether an f32 A (`m × k`) and B (`k × n`) together take at most `L2 / share`.
pub(crate) fn f32_fits_l2(caches: CacheSizes, m: usize, k: usize, n: usize, share: usize) -> bool {
    (m * k).saturating_add(k * n).saturating_mul(4) <= caches.l2 / share
}

/// Depth of one pass of the row-major GEMV: this many rows of B are streamed
/// side by side (sequentially, so the hardware prefetchers follow them) across
/// all of the task's columns, while each C strip is loaded and stored once per
/// pass. Measured on Zen 4 for 1×4096×4096: 8 rows ≈ 10.6 GFLOP/s, 4 ≈ 9.2,
/// 16 ≈ 8.1, 128 ≈ 5.1 (long strides across many rows defeat the prefetchers).
const GEMV_KC: usize = 8;

/// Depth of one pass of the row-major unpacked path when the rows take more
/// than one MR chunk (M = MR+1..=16): the first chunk streams the B strip
/// (`kc × NR`, 16 KiB) from memory with software prefetch, the others reread
/// it from L1, so a deeper pass loads and stores C less often at no cost in B
/// traffic. Measured on Zen 4, 16×4096×4096: kc 16 ≈ 54 GFLOP/s, 64 ≈ 66,
/// 128 ≈ 67, 256 ≈ 63 (for one chunk, M ≤ MR, kc 16 stays best: 8 rows at
/// kc 128 drop from 46 to 33).
const SPLIT_ROWS_KC: usize = 128;

/// Depth of a K block of the small-M path. Measured on Zen 4, 16×4096×4096
/// (GFLOP/s): kc 32 ≈ 53, 64 ≈ 69, 128 ≈ 86, 256 ≈ 92, 512 ≈ 94, 1024 ≈ 63.
const SMALL_M_KC: usize = 512;

/// Output columns per row-sweep block (Y: `m` rows of them, 16 to 64 KiB,
/// in L1 or L2 while B's rows stream past). Each B row is read in runs of
/// this many floats: measured on Zen 4, 4×4096×4096: 1024 (one 4 KiB page
/// per run) 23 GFLOP/s, 4096 35, 8192 34.
pub(crate) const SWEEP_COLS: usize = 4096;

/// K-block depth of sgemm's unpacked path with a row-major B, for an
/// `m × k × n` problem on an `mr`-row kernel that reads B in place when A
/// and B fit `L2 / share`.
pub(crate) fn unpacked_row_major_kc(
    caches: CacheSizes,
    m: usize,
    k: usize,
    n: usize,
    mr: usize,
    share: usize,
) -> usize {
    if f32_fits_l2(caches, m, k, n, share) {
        k
    } else if m <= 4 {
        GEMV_KC
    } else if m <= mr {
        2 * GEMV_KC
    } else {
        SPLIT_ROWS_KC
    }
}

/// K-block depth of sgemm's small-M path run as `groups` row groups.
pub(crate) fn small_m_kc(groups: usize) -> usize {
    if groups > 1 {
        SPLIT_ROWS_KC
    } else {
        SMALL_M_KC
    }
}

/// Columns of B per block of the dot-product GEMV (a column-major B of
/// depth `k`): the block fits half of L2.
pub(crate) fn dots_cols(caches: CacheSizes, k: usize) -> usize {
    ((caches.l2 / 2) / (4 * k).max(1)).clamp(1, 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_caches_give_sane_blocks() {
        let b = Blocking::derive(CacheSizes::default(), 14, 32, 1, 4, 4, 2);
        assert_eq!(b.kc, 512);
        assert_eq!(b.mc % 14, 0);
        assert_eq!(b.nc % 32, 0);
        assert!(b.mc * b.kc * 4 <= (1 << 20) / 2);
        // INT8 with 4-byte k groups.
        let b = Blocking::derive(CacheSizes::default(), 14, 64, 4, 1, 1, 2);
        assert_eq!(b.kc % 4, 0);
        assert!(b.kc <= 1024);
    }

    #[test]
    fn fit_balances_the_last_block() {
        let b = Blocking {
            mc: 280,
            nc: 4096,
            kc: 256,
        };
        let f = b.fit(300, 100, 300, 14, 32, 1);
        assert_eq!(f.kc, 150);
        assert_eq!(f.mc, 154);
        assert_eq!(f.nc, 128);
        let f = b.fit(10, 10, 10, 14, 32, 4);
        assert_eq!((f.mc, f.nc, f.kc), (14, 32, 12));
    }
}
