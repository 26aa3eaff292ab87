//! Every block size lowp's GEMMs use, chosen here and nowhere else.
//!
//! [`plan`] decides MC, NC, KC, the loop order and the thread grid of a
//! driver call ([`crate::gemm::gemm`]); the functions below it give the
//! block sizes of the paths that skip the driver (sgemm's unpacked, small-M
//! and GEMV paths, the prepacked K depths, INT8 panel heights). The
//! CPU-specific numbers they use sit in one [`Tuning`] table, one line of
//! why per field, BLIS `config/`-style; `docs/tuning.md` ("GEMM driver and
//! sgemm") has the measurements behind them.
//!
//! The Goto/BLIS reasoning, for a kernel with an `MR × NR` tile:
//! - **KC**: long enough to amortize the C tile's load/store (once per K
//!   block) and the kernel's entry, short enough that the B micro-panel
//!   (`KC × NR`) stays within L1 + the L2 stream the kernel needs:
//!   `KC·NR·sizeof(B) ≈ l1_multiple·L1d`;
//! - **MC**: the packed A block (`MC × KC`) stays in L2, taking about half
//!   of it (the rest holds B micro-panels and C tiles in flight);
//! - **NC**: the packed B block (`KC × NC`) stays in L3, taking about half
//!   of this core's share; a B block consumed by one pass only (one A block
//!   per task) is kept in half of L2 instead.
//!
//! [`Blocking::fit`] then balances the blocks over a concrete problem so the
//! last block is not a sliver (e.g. K = 300 with KC = 256 becomes 2 × 150).
//! Everything here is decided on the whole problem or a task's share of it,
//! never in a way that changes K blocks with the thread count: results stay
//! bit-identical for 1..n threads.

use super::partition::Grid;
use crate::context::CacheSizes;

/// The CPU-specific numbers of the blocking: one entry per tuned CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tuning {
    /// B micro-panel (`KC × NR`) in L1d multiples: 2 leaves room for the
    /// A panel and C tile next to it.
    pub l1_multiple: usize,
    /// The same where K blocks are ours to choose and A takes several
    /// blocks (classic order, B packed per call; an f32 prepacked B): deeper
    /// K blocks halve the passes over C.
    pub l1_multiple_deep: usize,
    /// KC's bounds: short blocks cannot amortize the C tile, long ones make
    /// MC collapse.
    pub kc_min: usize,
    /// Upper bound of KC (see `kc_min`).
    pub kc_max: usize,
    /// KC from the caches is a multiple of this (whole cache lines of f32).
    pub kc_step: usize,
    /// MC at most this many rows: beyond it the packed A outgrows any L2.
    pub mc_max: usize,
    /// NC at most this many columns: beyond it the B block outgrows any L3.
    pub nc_max: usize,
    /// The A block takes `L2 / a_l2_share`; the rest holds B panels and C.
    pub a_l2_share: usize,
    /// The B block takes `L3 / b_l3_share` (the other ops' data and the
    /// neighbours' share keep the rest).
    pub b_l3_share: usize,
    /// A B block consumed by one pass takes `L2 / b_l2_share`, next to the A
    /// block.
    pub b_l2_share: usize,
    /// Rows at most `1/stretch` past one A block still take one (A then
    /// overfills its half of L2 a little): the one-A-block order with B
    /// packed while computing beats two A blocks in the classic order.
    pub stretch: usize,
    /// Row-major GEMV (`m ≤ 4`) pass depth: that many B rows stream side by
    /// side, which the hardware prefetchers still follow.
    pub gemv_kc: usize,
    /// Unpacked pass depth for rows over one MR chunk (and the small-M path
    /// in row groups): later chunks reread the B strip from L1.
    pub split_rows_kc: usize,
    /// Small-M path K block: long enough to hide C traffic, short enough
    /// that A's panel stays in L1.
    pub small_m_kc: usize,
    /// Output columns per row-sweep GEMV block: Y stays in L1/L2 and each B
    /// row is read in page-sized runs or longer.
    pub sweep_cols: usize,
    /// sgemm skips packing when A and B fit `L2 / fits_l2_share` (packing
    /// would only add work).
    pub fits_l2_share: usize,
    /// The dot-product GEMV takes column blocks of at most this many
    /// (each fitting half of L2).
    pub dots_cols_max: usize,
}

/// Measured on AMD Zen 4 (`docs/tuning.md`); the entry every CPU uses
/// until another is tuned.
pub(crate) const ZEN4: Tuning = Tuning {
    l1_multiple: 2,
    l1_multiple_deep: 4,
    kc_min: 64,
    kc_max: 1024,
    kc_step: 16,
    mc_max: 4096,
    nc_max: 8192,
    a_l2_share: 2,
    b_l3_share: 2,
    b_l2_share: 2,
    stretch: 16,
    gemv_kc: 8,
    split_rows_kc: 128,
    small_m_kc: 512,
    sweep_cols: 4096,
    fits_l2_share: 2,
    dots_cols_max: 1024,
};

impl Tuning {
    /// The table for the CPU this runs on.
    pub(crate) fn current() -> &'static Tuning {
        &ZEN4
    }
}

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
    /// Blocks from the caches alone for kernel `g`, its B micro-panel taking
    /// `l1_multiple` times L1d.
    fn derive(t: &Tuning, caches: CacheSizes, g: Geometry, l1_multiple: usize) -> Blocking {
        // Floors for caches reported absurdly small.
        let l1 = caches.l1d.max(4 << 10);
        let l2 = caches.l2.max(64 << 10);
        let l3 = caches.l3.max(l2);
        let kc_raw = l1_multiple * l1 / (g.nr * g.b_bytes).max(1);
        let kc = (kc_raw / t.kc_step * t.kc_step).clamp(t.kc_min, t.kc_max);
        let kc = round_up(kc, g.k_unit);
        let mc_raw = (l2 / t.a_l2_share) / (kc * g.a_bytes).max(1);
        let mc = (mc_raw / g.mr * g.mr).clamp(g.mr, t.mc_max / g.mr * g.mr);
        let nc_raw = (l3 / t.b_l3_share) / (kc * g.b_bytes).max(1);
        let nc = (nc_raw / g.nr * g.nr).clamp(g.nr, t.nc_max / g.nr * g.nr);
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

/// The block sizes, loop order and thread grid of one driver call.
pub(crate) fn plan(caches: CacheSizes, r: &Request) -> Plan {
    plan_with(Tuning::current(), caches, r)
}

fn plan_with(t: &Tuning, caches: CacheSizes, r: &Request) -> Plan {
    let g = r.geometry;
    let (mr, nr, ku) = (g.mr, g.nr, g.k_unit);
    let grid = Grid::new(r.m, r.n, mr, nr, r.threads);
    // Each task's share of C.
    let sub_m = r.m.div_ceil(grid.tm);
    let sub_n = r.n.div_ceil(grid.tn);
    let from_caches = Blocking::derive(t, caches, g, t.l1_multiple);
    let mut blk = from_caches;
    if let Some(kmin) = r.kc_at_least {
        blk.kc = blk.kc.max(round_up(kmin.min(r.k), ku));
    }
    // `rows` just past an A block of at most `base` rows take one A block
    // (only where the one-A-block order packs B while computing: k-unit 1).
    let stretch = |rows: usize, mut f: Blocking, base: usize| {
        if ku == 1 && rows > f.mc && rows <= base + base / t.stretch {
            f.mc = round_up(rows, mr);
        }
        f
    };
    // A B block used by one pass only stays in L2, packed and consumed hot.
    let one_pass_nc = |f: &mut Blocking| {
        let l2_cols = (caches.l2 / t.b_l2_share) / (f.kc * g.b_bytes).max(1);
        f.nc = f.nc.min((l2_cols / nr * nr).max(nr));
    };
    // Deeper K blocks when the whole problem runs in the classic order and
    // B is packed here (its K blocks are ours). Decided on the whole M,
    // never on a task's share: the K blocks must not depend on the threads.
    let whole = stretch(r.m, blk.fit(r.m, r.n, r.k, mr, nr, ku), blk.mc);
    let deep_k = ku == 1 && r.b == BKind::Pack && r.kc_at_least.is_none() && r.m > whole.mc;
    let mut fit = if deep_k {
        Blocking::derive(t, caches, g, t.l1_multiple_deep).fit(sub_m, sub_n, r.k, mr, nr, ku)
    } else {
        stretch(sub_m, blk.fit(sub_m, sub_n, r.k, mr, nr, ku), blk.mc)
    };
    if sub_m <= fit.mc {
        one_pass_nc(&mut fit);
    }
    if let BKind::Prepacked { kc } = r.b {
        fit.kc = kc;
    }
    if fit.kc > from_caches.kc {
        // K blocks deeper than the caches suggest (`kc_at_least`, or B
        // prepacked over all of K): MC shrinks so A still takes its share of
        // L2, and a one-pass B block keeps the rest.
        let mc_max = ((caches.l2 / t.a_l2_share) / (fit.kc * g.a_bytes).max(1) / mr * mr).max(mr);
        let deep = Blocking { mc: mc_max, ..fit };
        fit.mc = stretch(sub_m, deep.fit(sub_m, sub_n, r.k, mr, nr, ku), mc_max).mc;
        if sub_m <= fit.mc {
            one_pass_nc(&mut fit);
        }
    }
    Plan { blocks: fit, grid }
}

/// K-block depth of an f32 B prepacked for an `mr × nr` kernel
/// ([`crate::PackedB`]), for a B of `k` rows: deep blocks, as packing
/// costs nothing per call.
pub(crate) fn prepacked_f32_kc(caches: CacheSizes, mr: usize, nr: usize, k: usize) -> usize {
    let t = Tuning::current();
    let g = Geometry {
        mr,
        nr,
        k_unit: 1,
        a_bytes: 4,
        b_bytes: 4,
    };
    let blk = Blocking::derive(t, caches, g, t.l1_multiple_deep);
    blk.fit(1, 1, k, mr, nr, 1).kc.max(1)
}

/// Whether an f32 A (`m × k`) and B (`k × n`) together take at most
/// `L2 / share` (`None`: the table's `fits_l2_share`).
pub(crate) fn f32_fits_l2(caches: CacheSizes, m: usize, k: usize, n: usize, share: Option<usize>) -> bool {
    let share = share.unwrap_or(Tuning::current().fits_l2_share);
    (m * k).saturating_add(k * n).saturating_mul(4) <= caches.l2 / share
}

/// Whether sgemm against a prepacked B reads a row-major f32 A (`m` rows
/// `row_stride` floats apart) in place, each B panel meeting every row of
/// A's K block (`m × kc`) while it stays in L2, instead of packing A: when
/// that block takes at most `L2 / a_l2_share` and a tile's rows spread over
/// at least 4 of the 4 KiB page's offsets (rows a multiple of 4 KiB apart
/// all fall in one L1 set and evict each other).
pub(crate) fn f32_a_in_place(caches: CacheSizes, m: usize, kc: usize, row_stride: usize) -> bool {
    const PAGE: usize = 4096;
    let offset = row_stride.wrapping_mul(4) % PAGE;
    let spread = if offset == 0 { 1 } else { PAGE / gcd(offset, PAGE) };
    spread >= 4 && m.saturating_mul(kc).saturating_mul(4) <= caches.l2 / Tuning::current().a_l2_share
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

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
    let t = Tuning::current();
    if f32_fits_l2(caches, m, k, n, Some(share)) {
        k
    } else if m <= 4 {
        t.gemv_kc
    } else if m <= mr {
        // One MR chunk: a little deeper than the GEMV's pass.
        2 * t.gemv_kc
    } else {
        t.split_rows_kc
    }
}

/// K-block depth of sgemm's small-M path run as `groups` row groups.
pub(crate) fn small_m_kc(groups: usize) -> usize {
    let t = Tuning::current();
    if groups > 1 {
        t.split_rows_kc
    } else {
        t.small_m_kc
    }
}

/// Output columns per block of the row-sweep GEMV.
pub(crate) fn sweep_cols() -> usize {
    Tuning::current().sweep_cols
}

/// Columns of B per block of the dot-product GEMV (a column-major B of
/// depth `k`): the block fits half of L2.
pub(crate) fn dots_cols(caches: CacheSizes, k: usize) -> usize {
    ((caches.l2 / 2) / (4 * k).max(1)).clamp(1, Tuning::current().dots_cols_max)
}

/// K-block depth of packed INT8 weights of depth `k`: all of K in one
/// block, as the output pipelines need each tile's whole sum at once.
pub(crate) fn int8_prepacked_kc(k: usize) -> usize {
    round_up(k, 4).max(4)
}

/// Rows of the packed INT8 A panels for an `m`-row call whose kernels take
/// panels of at most `max_rows` rows: the fewest panels, balanced
/// (`m ≥ 1`), rounded up to a multiple of 4 where that stays within
/// `max_rows`, so the packer's 16-byte group stores never straddle a cache
/// line. Panels of 1–3 rows stay that small: a padded panel spreads A over
/// more lines, which the B stream evicts from L1.
pub(crate) fn int8_panel_rows(m: usize, max_rows: usize) -> usize {
    let balanced = m.div_ceil(m.div_ceil(max_rows).max(1)).max(1);
    match balanced.div_ceil(4) * 4 {
        up if balanced >= 4 && up <= max_rows => up,
        _ => balanced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_caches_give_sane_blocks() {
        let g = |mr, nr, k_unit, bytes| Geometry {
            mr,
            nr,
            k_unit,
            a_bytes: bytes,
            b_bytes: bytes,
        };
        let b = Blocking::derive(&ZEN4, CacheSizes::default(), g(14, 32, 1, 4), 2);
        assert_eq!(b.kc, 512);
        assert_eq!(b.mc % 14, 0);
        assert_eq!(b.nc % 32, 0);
        assert!(b.mc * b.kc * 4 <= (1 << 20) / 2);
        // INT8 with 4-byte k groups.
        let b = Blocking::derive(&ZEN4, CacheSizes::default(), g(14, 64, 4, 1), 2);
        assert_eq!(b.kc % 4, 0);
        assert!(b.kc <= 1024);
    }

    #[test]
    fn a_in_place_needs_an_l2_block_and_rows_off_the_page_stride() {
        let caches = CacheSizes {
            l1d: 32 << 10,
            l2: 1 << 20,
            l3: 32 << 20,
        };
        // 128 × 768 floats: 384 KiB, rows 3 KiB apart (4 page offsets).
        assert!(f32_a_in_place(caches, 128, 768, 768));
        assert!(f32_a_in_place(caches, 128, 1000, 1000));
        // Rows 4 KiB or 8 KiB apart: one offset; 2 KiB apart: two.
        assert!(!f32_a_in_place(caches, 64, 1024, 1024));
        assert!(!f32_a_in_place(caches, 64, 1024, 2048));
        assert!(!f32_a_in_place(caches, 64, 512, 512));
        // A block over half of L2.
        assert!(!f32_a_in_place(caches, 256, 768, 768));
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

    #[test]
    fn int8_panels_fit_small_m() {
        let panel_rows = int8_panel_rows;
        assert_eq!(panel_rows(1, 40), 1);
        assert_eq!(panel_rows(3, 40), 3);
        assert_eq!(panel_rows(5, 40), 8);
        assert_eq!(panel_rows(16, 40), 16);
        assert_eq!(panel_rows(17, 40), 20);
        assert_eq!(panel_rows(40, 40), 40);
        assert_eq!(panel_rows(41, 40), 24);
        assert_eq!(panel_rows(1024, 40), 40);
        // A maximum that is not a multiple of 4 is never exceeded.
        assert_eq!(panel_rows(42, 42), 42);
        assert_eq!(panel_rows(5, 6), 5);
        for max in [6, 24, 40, 42] {
            for m in 1..300 {
                let ph = panel_rows(m, max);
                assert!(ph <= max && m.div_ceil(ph) == m.div_ceil(max), "{m} {max}");
                if m < 4 {
                    assert_eq!(ph, m, "{max}");
                } else {
                    assert!(ph.is_multiple_of(4) || ph.div_ceil(4) * 4 > max, "{m} {max}");
                }
            }
        }
    }
}
