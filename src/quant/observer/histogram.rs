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
use crate::quant::{QuantDtype, QuantParams};
use multiversion::multiversion;

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

/// Values per chunk: a chunk's min/max pass and its binning run while it
/// is in L2, so the data comes from memory once (docs/tuning.md,
/// "Quantization toolkit").
const CHUNK: usize = 1 << 14;

/// One call's counters: four u32 sub-histograms (consecutive values count
/// into different ones, so runs of equal indices do not serialize on one
/// counter's store-to-load forwarding), folded into the observer's bins
/// before its range grows and at the end of the call.
struct Counts {
    sub: Box<[[u32; BINS]; 4]>,
    /// NaNs (counted in the last bin by the branch-free index loop, taken
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
            sub: Box::new([[0; BINS]; 4]),
            nans: 0,
            infs: 0,
            pending: 0,
        }
    }

    /// Counts `|x|` into the bins of `[0, 2^exp)` (±Inf and values beyond
    /// the range in the last bin).
    fn add(&mut self, x: &[f32], exp: i32) {
        let (nans, infs) = bin_chunk(x, 2f32.powi(11 - exp), &mut self.sub);
        self.nans += nans;
        self.infs += infs;
        self.pending += x.len();
    }

    /// Adds the counts to `o`'s bins and clears them.
    fn fold(&mut self, o: &mut HistogramObserver) {
        if self.pending == 0 {
            return;
        }
        for (b, bin) in o.bins.iter_mut().enumerate() {
            *bin += self.sub.iter().map(|s| s[b] as u64).sum::<u64>();
        }
        o.bins[BINS - 1] -= self.nans;
        o.infs += self.infs;
        self.sub.iter_mut().for_each(|s| s.fill(0));
        (self.nans, self.infs, self.pending) = (0, 0, 0);
    }
}

/// Counts `|x|·f` (floored, capped at the last bin) into `sub`, consecutive
/// values into different sub-histograms; returns the NaNs (counted in the
/// last bin too) and the infinities among `x`.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
fn bin_chunk(x: &[f32], f: f32, sub: &mut [[u32; BINS]; 4]) -> (u64, u64) {
    // Indices a block at a time (a vectorized loop), then the counting.
    let mut idx = [0u32; 1024];
    let (mut nans, mut infs) = (0u64, 0u64);
    for block in x.chunks(1024) {
        let (mut block_nans, mut block_infs) = (0u32, 0u32);
        for (d, &v) in idx.iter_mut().zip(block) {
            let a = v.abs() * f;
            // `min` maps NaN to the last bin too (taken back out by the
            // caller): branch-free, so the loop vectorizes.
            block_nans += a.is_nan() as u32;
            block_infs += (a == f32::INFINITY) as u32;
            // The integer as the low mantissa bits of `⌊a⌋ + 2^23` (exact
            // below 2^23): LLVM scalarizes the saturating `as` casts.
            let a = a.min((BINS - 1) as f32).floor();
            *d = (a + MAGIC).to_bits() - MAGIC.to_bits();
        }
        nans += block_nans as u64;
        infs += block_infs as u64;
        let n = block.len();
        let (quads, rest) = idx[..n].split_at(n & !3);
        for q in quads.chunks_exact(4) {
            sub[0][q[0] as usize & (BINS - 1)] += 1;
            sub[1][q[1] as usize & (BINS - 1)] += 1;
            sub[2][q[2] as usize & (BINS - 1)] += 1;
            sub[3][q[3] as usize & (BINS - 1)] += 1;
        }
        for &i in rest {
            sub[0][i as usize & (BINS - 1)] += 1;
        }
    }
    (nans, infs)
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
        let mut counts = Counts::new();
        for chunk in x.chunks(CHUNK) {
            let (lo, hi) = min_max(chunk);
            if lo > hi {
                continue; // all NaN
            }
            self.min = self.min.min(lo);
            self.max = self.max.max(hi);
            // The largest finite magnitude sets the range (infinities saturate).
            let amax = [lo.abs(), hi.abs()]
                .into_iter()
                .filter(|a| a.is_finite())
                .fold(None, |m: Option<f32>, a| Some(m.map_or(a, |m| m.max(a))));
            let amax = match amax {
                Some(a) => a,
                // Only infinities at the ends: the largest finite magnitude
                // the slow way.
                None => chunk
                    .iter()
                    .map(|v| v.abs())
                    .filter(|a| a.is_finite())
                    .fold(0.0, f32::max),
            };
            let e = exp_above(amax);
            if self.exp.is_none_or(|cur| e > cur) || counts.pending > (1 << 31) {
                counts.fold(self);
                self.grow_to(e);
            }
            counts.add(chunk, self.exp.unwrap_or(MIN_EXP));
        }
        counts.fold(self);
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
