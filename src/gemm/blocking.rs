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
