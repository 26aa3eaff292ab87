//! Histogram of `|x|` for percentile and entropy (KL-divergence)
//! calibration, as TensorRT's and oneDNN's INT8 calibrators.
//!
//! The range is `[0, 2^e)` with `e` the smallest power of two above every
//! finite `|x|` seen, in 2048 bins. Growing the range doubles it and adds
//! bins in pairs, which is exact (`⌊a·2^(k−1)⌋ = ⌊⌊a·2^k⌋/2⌋`), so the
//! histogram depends only on the multiset of values: batches and merges in
//! any order give identical bins.

use super::minmax::min_max;
use super::Observer;
use crate::error::{Error, Result};
use crate::isa::{env_max_isa, Isa};
use crate::quant::{QuantDtype, QuantParams};
use crate::Context;
use lowp_kernels::scalar::histogram_count::{histogram_count_scalar, HistogramBlockStats};
use multiversion::multiversion;
use std::sync::{Mutex, OnceLock};

/// Bins of the histogram.
pub const BINS: usize = 2048;
/// Smallest range exponent: keeps `2^(11 − e)` finite in f32.
const MIN_EXP: i32 = -114;

/// A histogram observer. Values are binned by magnitude; the sign is kept
/// only as the overall minimum (to choose a `[0, t]` range for
/// non-negative activations).
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramObserver {
    bins: Vec<u64>,
    /// Range `[0, 2^exp)`; `None` before any finite value.
    exp: Option<i32>,
    /// Infinities seen (counted in the last bin, where they stay when the
    /// range grows).
    infs: u64,
    min: f32,
    max: f32,
}

impl Default for HistogramObserver {
    fn default() -> Self {
        HistogramObserver {
            bins: vec![0; BINS],
            exp: None,
            infs: 0,
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
        }
    }
}

/// The smallest `e ≥ MIN_EXP` with `a < 2^e`.
fn exp_above(a: f32) -> i32 {
    let mut e = MIN_EXP;
    // `a` is finite: at most 128 + 114 steps, in practice a handful, since
    // we start from the float's own exponent.
    if a >= f32::MIN_POSITIVE {
        e = e.max(((a.to_bits() >> 23) & 0xff) as i32 - 127);
    }
    while (a as f64) >= 2f64.powi(e) {
        e += 1;
    }
    e
}

/// 2^23: adding it to an integer-valued `0 ≤ a < 2^23` leaves `a` in the
/// mantissa's low bits.
const MAGIC: f32 = 8_388_608.0;

/// Fewest values per thread in [`HistogramObserver::observe_on`]: below,
/// the fork/join and the merge cost more than the shard saves.
const MIN_SHARD: usize = 1 << 16;

/// Values per block: the pass that computes a block's extremes and bin
/// indices (into an 8 KiB buffer, in L1) also counts the previous block's
/// indices and prefetches the next block into L2 (docs/tuning.md, "The
/// histogram observer: index and count in one loop"); 16 Ki-value blocks
/// were slower.
const BLOCK: usize = 1 << 11;

/// One call's counters: one u32 table, folded into the observer's bins
/// before its range grows and at the end of the call.
struct Counts {
    table: Box<[u32; BINS]>,
    /// NaNs (counted in the last bin by the careful index loop, taken
    /// out at the fold) and infinities (kept in the last bin) since the
    /// last fold.
    nans: u64,
    infs: u64,
    /// Values counted since the last fold (u32 counters: fold before 2^32).
    pending: usize,
}

impl Counts {
    fn new() -> Counts {
        Counts {
            table: Box::new([0; BINS]),
            nans: 0,
            infs: 0,
            pending: 0,
        }
    }

    /// Adds the counts to `o`'s bins and clears them.
    fn fold(&mut self, o: &mut HistogramObserver) {
        if self.pending == 0 {
            return;
        }
        for (bin, &c) in o.bins.iter_mut().zip(self.table.iter()) {
            *bin += c as u64;
        }
        o.bins[BINS - 1] -= self.nans;
        o.infs += self.infs;
        self.table.fill(0);
        (self.nans, self.infs, self.pending) = (0, 0, 0);
    }

    /// Counts the indices' low 11 bits while prefetching `ahead`.
    fn count(&mut self, idx: &[u32], ahead: &[f32]) {
        histogram_count_scalar(idx, &mut self.table, ahead);
        self.pending += idx.len();
    }
}

/// The fused pass over one block: its extremes, and for every value the
/// bits of `⌊|x|·f⌋ + 2^23` in `idx` (the bin in the low 11 bits when
/// `|x|·f < 2048`; the caller checks that with the returned extremes and
/// takes the careful path otherwise).
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
fn index_block(x: &[f32], f: f32, idx: &mut [u32]) -> HistogramBlockStats {
    let mut lo = [f32::INFINITY; 16];
    let mut hi = [f32::NEG_INFINITY; 16];
    let mut mb = [0u32; 16];
    let n16 = x.len() & !15;
    for (c, d) in x[..n16].chunks_exact(16).zip(idx[..n16].chunks_exact_mut(16)) {
        for l in 0..16 {
            let v = c[l];
            let b = v.to_bits() & 0x7fff_ffff;
            mb[l] = mb[l].max(b);
            lo[l] = if v < lo[l] { v } else { lo[l] };
            hi[l] = if v > hi[l] { v } else { hi[l] };
            // The integer as the low mantissa bits of `⌊a⌋ + 2^23` (exact
            // below 2^23): LLVM scalarizes the saturating `as` casts.
            d[l] = ((f32::from_bits(b) * f).floor() + MAGIC).to_bits();
        }
    }
    let (mut a, mut z, mut m) = (f32::INFINITY, f32::NEG_INFINITY, 0u32);
    for (&v, d) in x[n16..].iter().zip(&mut idx[n16..]) {
        let b = v.to_bits() & 0x7fff_ffff;
        m = m.max(b);
        a = if v < a { v } else { a };
        z = if v > z { v } else { z };
        *d = ((f32::from_bits(b) * f).floor() + MAGIC).to_bits();
    }
    for l in 0..16 {
        a = if lo[l] < a { lo[l] } else { a };
        z = if hi[l] > z { hi[l] } else { z };
        m = m.max(mb[l]);
    }
    HistogramBlockStats {
        lo: a,
        hi: z,
        amax_bits: m,
    }
}

/// The careful index loop for blocks holding NaN or infinities: bins of
/// `|x|·f` (floored, capped at the last bin; NaN in the last bin too) into
/// `idx`; returns the NaNs and the infinities.
fn index_block_careful(x: &[f32], f: f32, idx: &mut [u32]) -> (u64, u64) {
    let (mut nans, mut infs) = (0u64, 0u64);
    for (d, &v) in idx.iter_mut().zip(x) {
        let a = v.abs() * f;
        nans += a.is_nan() as u64;
        infs += (a == f32::INFINITY) as u64;
        *d = if a < (BINS - 1) as f32 {
            a as u32
        } else {
            (BINS - 1) as u32
        };
    }
    (nans, infs)
}

/// `2^(11 − e)`: the factor from `|x|` to bins in `o`'s current range.
fn range_factor(o: &HistogramObserver) -> f32 {
    2f32.powi(11 - o.exp.unwrap_or(MIN_EXP))
}

/// The level [`Observer::observe`] runs at: the best this CPU offers,
/// capped by `LOWP_MAX_ISA` (an unknown name leaves it uncapped, as
/// `Context::default` reports that error).
fn default_isa() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| match env_max_isa() {
        Ok(Some((cap, _))) => Isa::best_up_to(cap),
        _ => Isa::best(),
    })
}

/// Whether `isa` runs the fused AVX-512 index-and-count pass.
fn fused_pass(isa: Isa) -> bool {
    cfg!(target_arch = "x86_64") && isa >= Isa::Avx512
}

/// Indexes `x` into `idx` (see [`index_block`]) and counts `counted`
/// into `table`: in one AVX-512 loop when `fused` (the kernel's level was
/// detected), else one after the other, prefetching `x` into L2 while
/// counting.
fn index_and_count(
    fused: bool,
    x: &[f32],
    f: f32,
    idx: &mut [u32],
    counted: &[u32],
    table: &mut [u32; BINS],
    ahead: &[f32],
) -> HistogramBlockStats {
    #[cfg(target_arch = "x86_64")]
    if fused {
        use lowp_kernels::x86_64::avx512::histogram_index_count::histogram_index_count_avx512;
        // SAFETY: `fused` only for an available AVX-512 level (F/BW/VL/DQ);
        // `idx` is as long as `x`.
        return unsafe { histogram_index_count_avx512(x, f, idx, counted, table, ahead) };
    }
    let _ = fused;
    histogram_count_scalar(counted, table, x);
    index_block(x, f, idx)
}

impl HistogramObserver {
    /// Doubles the range until it is `[0, 2^e)`.
    fn grow_to(&mut self, e: i32) {
        let cur = self.exp.unwrap_or(e);
        if e > cur {
            self.bins[BINS - 1] -= self.infs;
            for _ in cur..e {
                for i in 0..BINS / 2 {
                    self.bins[i] = self.bins[2 * i] + self.bins[2 * i + 1];
                }
                self.bins[BINS / 2..].fill(0);
            }
            self.bins[BINS - 1] += self.infs;
        }
        self.exp = Some(e.max(cur));
    }

    /// [`Observer::observe`] on the Context's threads: `x` in one
    /// contiguous shard per thread, each observed apart and merged in
    /// shard order. The result is identical to `observe(x)` (the histogram
    /// depends only on the multiset of values), whatever the thread count.
    ///
    /// ```
    /// use lowp::quant::{HistogramObserver, Observer};
    /// let x: Vec<f32> = (0..300_000).map(|i| (i % 1000) as f32 * 0.01).collect();
    /// let mut a = HistogramObserver::default();
    /// a.observe_on(&lowp::Context::default(), &x);
    /// let mut b = HistogramObserver::default();
    /// b.observe(&x);
    /// assert_eq!(a, b);
    /// ```
    pub fn observe_on(&mut self, ctx: &Context, x: &[f32]) {
        let shards = ctx.num_threads().min(x.len() / MIN_SHARD).max(1);
        if shards <= 1 {
            return self.observe_isa(ctx.isa(), x);
        }
        let len = x.len().div_ceil(shards);
        let parts: Vec<Mutex<HistogramObserver>> = (0..shards)
            .map(|_| Mutex::new(HistogramObserver::default()))
            .collect();
        ctx.run_parallel(shards, |i| {
            let shard = &x[(i * len).min(x.len())..((i + 1) * len).min(x.len())];
            parts[i]
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .observe_isa(ctx.isa(), shard);
        });
        for p in parts {
            self.merge(&p.into_inner().unwrap_or_else(|e| e.into_inner()));
        }
    }

    /// [`Observer::observe`] with the kernels of `isa`. Block `k` is
    /// indexed in the same pass as block `k − 1` is counted; its extremes
    /// are settled (range growth, NaN and infinities) before it is counted.
    fn observe_isa(&mut self, isa: Isa, x: &[f32]) {
        let fused = fused_pass(isa);
        let mut counts = Counts::new();
        let mut bufs = [vec![0u32; BLOCK], vec![0u32; BLOCK]];
        // Indices waiting in `bufs[0]` to be counted.
        let mut waiting = 0;
        for (bi, block) in x.chunks(BLOCK).enumerate() {
            // The next block, prefetched into L2 by the fused pass.
            let ahead = &x[((bi + 1) * BLOCK).min(x.len())..((bi + 2) * BLOCK).min(x.len())];
            let [old, new] = &mut bufs;
            let idx = &mut new[..block.len()];
            let f = range_factor(self);
            let s = index_and_count(fused, block, f, idx, &old[..waiting], &mut counts.table, ahead);
            counts.pending += waiting;
            if counts.pending > (1 << 31) {
                counts.fold(self); // before a u32 counter could wrap
            }
            waiting = if self.settle(&mut counts, block, s, idx) {
                block.len()
            } else {
                0
            };
            bufs.swap(0, 1);
        }
        counts.count(&bufs[0][..waiting], &[]);
        counts.fold(self);
    }

    /// Takes in one indexed block's extremes: grows the range (folding
    /// the counts and re-indexing the block, which is in L2) or, for a
    /// block with NaN or infinities, re-indexes it the careful way. Returns
    /// false when the block holds only NaN (nothing to count).
    fn settle(
        &mut self,
        counts: &mut Counts,
        block: &[f32],
        s: HistogramBlockStats,
        idx: &mut [u32],
    ) -> bool {
        if s.amax_bits >= 0x7f80_0000 {
            let (lo, hi) = min_max(block);
            if lo > hi {
                return false; // all NaN
            }
            self.min = self.min.min(lo);
            self.max = self.max.max(hi);
            // The largest finite magnitude sets the range (infinities
            // saturate).
            let amax = block
                .iter()
                .map(|v| v.abs())
                .filter(|a| a.is_finite())
                .fold(0.0, f32::max);
            let e = exp_above(amax);
            if self.exp.is_none_or(|cur| e > cur) {
                counts.fold(self);
                self.grow_to(e);
            }
            let (nans, infs) = index_block_careful(block, range_factor(self), idx);
            counts.nans += nans;
            counts.infs += infs;
            return true;
        }
        self.min = self.min.min(s.lo);
        self.max = self.max.max(s.hi);
        let e = exp_above(f32::from_bits(s.amax_bits));
        if self.exp.is_none_or(|cur| e > cur) {
            counts.fold(self);
            self.grow_to(e);
            index_block(block, range_factor(self), idx);
        }
        true
    }

    /// The bin counts.
    pub fn bins(&self) -> &[u64] {
        &self.bins
    }

    /// Width of one bin (0 before any finite value).
    pub fn bin_width(&self) -> f32 {
        self.exp.map_or(0.0, |e| 2f32.powi(e - 11))
    }

    /// The `pct`-th percentile of `|x|` (`0 < pct ≤ 100`): the upper edge
    /// of the first bin at which the cumulative count reaches `pct`% of the
    /// values. `Err` naming `pct`, or `observer` before any value.
    pub fn percentile_threshold(&self, pct: f64) -> Result<f32> {
        if !(pct > 0.0 && pct <= 100.0) {
            return Err(Error::param(
                "pct",
                format!("percentile must be in (0, 100], got {pct}"),
            ));
        }
        let total: u64 = self.bins.iter().sum();
        if total == 0 {
            return Err(Error::param("observer", "no value observed yet"));
        }
        let want = pct / 100.0 * total as f64;
        let mut acc = 0u64;
        for (i, &c) in self.bins.iter().enumerate() {
            acc += c;
            if acc as f64 >= want {
                return Ok((i + 1) as f32 * self.bin_width());
            }
        }
        Ok(BINS as f32 * self.bin_width())
    }

    /// The threshold minimizing the KL divergence between the clipped
    /// distribution and its `levels`-level quantization (TensorRT's entropy
    /// calibration, see [`entropy_threshold_bins`]), in value units.
    pub fn entropy_threshold(&self, levels: usize) -> Result<f32> {
        let i = entropy_threshold_bins(&self.bins, levels)?;
        Ok(i as f32 * self.bin_width())
    }

    /// Parameters clipping at `t`: `[0, t]` when every value seen was ≥ 0,
    /// else `[−t, t]`.
    fn params_at(
        &self,
        t: f32,
        dtype: QuantDtype,
        symmetric: bool,
        reduce_range: bool,
    ) -> Result<QuantParams> {
        let lo = if self.min >= 0.0 { 0.0 } else { -t };
        QuantParams::from_min_max(lo, t, dtype, symmetric, reduce_range)
    }

    /// Parameters clipping at the `pct`-th percentile of `|x|`.
    pub fn params_percentile(&self, pct: f64, dtype: QuantDtype, reduce_range: bool) -> Result<QuantParams> {
        self.params_at(self.percentile_threshold(pct)?, dtype, false, reduce_range)
    }

    /// Parameters clipping at the entropy threshold for 128 levels (s8
    /// magnitudes, as TensorRT).
    pub fn params_entropy(&self, dtype: QuantDtype, reduce_range: bool) -> Result<QuantParams> {
        self.params_at(self.entropy_threshold(128)?, dtype, false, reduce_range)
    }
}

impl Observer for HistogramObserver {
    fn observe(&mut self, x: &[f32]) {
        self.observe_isa(default_isa(), x);
    }

    fn merge(&mut self, other: &Self) {
        let Some(oe) = other.exp else { return };
        let mut o = other.clone();
        let e = self.exp.map_or(oe, |se| se.max(oe));
        self.grow_to(e);
        o.grow_to(e);
        for (a, b) in self.bins.iter_mut().zip(&o.bins) {
            *a += b;
        }
        self.infs += o.infs;
        self.min = self.min.min(o.min);
        self.max = self.max.max(o.max);
    }

    /// Min-max parameters from the histogram's full range (no clipping);
    /// use [`HistogramObserver::params_entropy`] or
    /// [`HistogramObserver::params_percentile`] to clip.
    fn params(&self, dtype: QuantDtype, symmetric: bool, reduce_range: bool) -> Result<QuantParams> {
        if self.min > self.max {
            return Err(Error::param("observer", "no value observed yet"));
        }
        QuantParams::from_min_max(self.min, self.max, dtype, symmetric, reduce_range)
    }
}

/// Smooths a distribution of counts as MXNet's/TVM's calibrators do:
/// zero bins get `eps`, nonzero ones give it back proportionally. `None`
/// when every bin is zero.
fn smooth(p: &mut [f64]) -> Option<()> {
    const EPS: f64 = 1e-4;
    let zeros = p.iter().filter(|&&v| v == 0.0).count();
    let nonzeros = p.len() - zeros;
    if nonzeros == 0 {
        return None;
    }
    let eps1 = EPS * zeros as f64 / nonzeros as f64;
    for v in p.iter_mut() {
        *v += if *v == 0.0 { EPS } else { -eps1 };
    }
    Some(())
}

/// `KL(p ‖ q)` of two count vectors, each normalized to sum 1.
fn kl(p: &[f64], q: &[f64]) -> f64 {
    let (sp, sq): (f64, f64) = (p.iter().sum(), q.iter().sum());
    p.iter()
        .zip(q)
        .filter(|(&a, _)| a > 0.0)
        .map(|(&a, &b)| {
            let (a, b) = (a / sp, b / sq);
            a * (a / b).ln()
        })
        .sum()
}

/// TensorRT's entropy calibration on a magnitude histogram: for every
/// candidate `i` in `levels..=bins.len()`, `P` is the first `i` bins with
/// the counts beyond added to bin `i − 1`; `Q` merges the first `i` bins
/// into `levels` groups of `⌊i/levels⌋` (the last group takes the rest)
/// and spreads each group's count evenly over the group's bins that are
/// nonzero in `P` (as MXNet's and TVM's implementations); both are
/// smoothed (zero bins get 1e-4, taken back from the nonzero ones, as
/// MXNet) and the `i` with the smallest `KL(P ‖ Q)` wins
/// (the smallest such `i` on ties). Returns that `i` (the threshold in
/// bins). `Err` naming `levels` when it is 0 or exceeds the bins, or
/// `bins` when the histogram is empty.
pub fn entropy_threshold_bins(bins: &[u64], levels: usize) -> Result<usize> {
    if levels == 0 || levels > bins.len() {
        return Err(Error::param(
            "levels",
            format!("levels {levels} must be in 1..={}", bins.len()),
        ));
    }
    let total: u64 = bins.iter().sum();
    if total == 0 {
        return Err(Error::param("bins", "the histogram is empty"));
    }
    let mut best = (f64::INFINITY, bins.len());
    let mut outliers: u64 = bins[levels..].iter().sum();
    for i in levels..=bins.len() {
        if i > levels {
            outliers -= bins[i - 1];
        }
        let mut p: Vec<f64> = bins[..i].iter().map(|&c| c as f64).collect();
        p[i - 1] += outliers as f64;
        let merged = i / levels;
        let mut q = vec![0f64; i];
        for g in 0..levels {
            let start = g * merged;
            let stop = if g + 1 == levels { i } else { start + merged };
            let sum: u64 = bins[start..stop].iter().sum();
            // Spread over the bins nonzero in P (MXNet's `is_nonzeros`).
            let nz = p[start..stop].iter().filter(|&&c| c != 0.0).count();
            for k in start..stop {
                if p[k] != 0.0 {
                    q[k] = sum as f64 / nz as f64;
                }
            }
        }
        if smooth(&mut p).is_none() || smooth(&mut q).is_none() {
            continue;
        }
        let d = kl(&p, &q);
        if d < best.0 {
            best = (d, i);
        }
    }
    Ok(best.1)
}
