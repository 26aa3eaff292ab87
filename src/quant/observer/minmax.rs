//! Min-max observers: running extremes, their moving average, and per
//! channel (for weights).

use super::Observer;
use crate::error::{Error, Result};
use crate::quant::{Granularity, QuantDtype, QuantParams};
use crate::MatRef;
use multiversion::multiversion;

/// `(min, max)` of `x` ignoring NaN; `(+inf, −inf)` when empty or all NaN.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
pub(crate) fn min_max(x: &[f32]) -> (f32, f32) {
    // Sixteen lanes of `if v < lo { v } else { lo }`: NaN compares false, so
    // it is skipped, and the select maps onto vector min/max.
    let mut lo = [f32::INFINITY; 16];
    let mut hi = [f32::NEG_INFINITY; 16];
    let chunks = x.chunks_exact(16);
    let rest = chunks.remainder();
    for c in chunks {
        for l in 0..16 {
            lo[l] = if c[l] < lo[l] { c[l] } else { lo[l] };
            hi[l] = if c[l] > hi[l] { c[l] } else { hi[l] };
        }
    }
    let (mut a, mut b) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in lo.iter().chain(rest) {
        a = if v < a { v } else { a };
    }
    for &v in hi.iter().chain(rest) {
        b = if v > b { v } else { b };
    }
    (a, b)
}

fn params_of(
    lo: f32,
    hi: f32,
    dtype: QuantDtype,
    symmetric: bool,
    reduce_range: bool,
) -> Result<QuantParams> {
    if lo > hi {
        return Err(Error::param("observer", "no finite value observed yet"));
    }
    QuantParams::from_min_max(lo, hi, dtype, symmetric, reduce_range)
}

/// The running minimum and maximum (PyTorch's `MinMaxObserver`).
///
/// ```
/// use lowp::quant::{MinMaxObserver, Observer, QuantDtype};
/// let mut o = MinMaxObserver::default();
/// o.observe(&[0.5, -1.0, f32::NAN]);
/// o.observe(&[2.0]);
/// assert_eq!((o.min(), o.max()), (-1.0, 2.0));
/// let p = o.params(QuantDtype::U8, false, false)?;
/// assert_eq!(p.scale(0), 3.0 / 255.0);
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MinMaxObserver {
    min: f32,
    max: f32,
}

impl Default for MinMaxObserver {
    fn default() -> Self {
        MinMaxObserver {
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
        }
    }
}

impl MinMaxObserver {
    /// The smallest value seen (`+inf` before any).
    pub fn min(&self) -> f32 {
        self.min
    }
    /// The largest value seen (`−inf` before any).
    pub fn max(&self) -> f32 {
        self.max
    }
}

impl Observer for MinMaxObserver {
    fn observe(&mut self, x: &[f32]) {
        let (a, b) = min_max(x);
        self.min = self.min.min(a);
        self.max = self.max.max(b);
    }
    fn merge(&mut self, other: &Self) {
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
    fn params(&self, dtype: QuantDtype, symmetric: bool, reduce_range: bool) -> Result<QuantParams> {
        params_of(self.min, self.max, dtype, symmetric, reduce_range)
    }
}

/// Exponential moving average of each batch's min and max (PyTorch's
/// `MovingAverageMinMaxObserver`): the first batch sets them, later ones
/// move them by `c·(batch − current)`. Merging treats the other observer's
/// averages as one more batch (so the result depends on the merge order).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MovingAverageMinMaxObserver {
    c: f32,
    min: f32,
    max: f32,
}

impl MovingAverageMinMaxObserver {
    /// An observer with averaging constant `c ∈ (0, 1]` (PyTorch's default
    /// 0.01); `Err` naming `c` otherwise.
    pub fn new(c: f32) -> Result<Self> {
        if !(c > 0.0 && c <= 1.0) {
            return Err(Error::param(
                "c",
                format!("averaging constant must be in (0, 1], got {c}"),
            ));
        }
        Ok(MovingAverageMinMaxObserver {
            c,
            min: f32::INFINITY,
            max: f32::NEG_INFINITY,
        })
    }
    /// The averaged minimum (`+inf` before any batch).
    pub fn min(&self) -> f32 {
        self.min
    }
    /// The averaged maximum (`−inf` before any batch).
    pub fn max(&self) -> f32 {
        self.max
    }
    fn update(&mut self, a: f32, b: f32) {
        if a > b {
            return; // an empty or all-NaN batch
        }
        if self.min > self.max {
            (self.min, self.max) = (a, b);
        } else {
            self.min += self.c * (a - self.min);
            self.max += self.c * (b - self.max);
        }
    }
}

impl Observer for MovingAverageMinMaxObserver {
    fn observe(&mut self, x: &[f32]) {
        let (a, b) = min_max(x);
        self.update(a, b);
    }
    fn merge(&mut self, other: &Self) {
        self.update(other.min, other.max);
    }
    fn params(&self, dtype: QuantDtype, symmetric: bool, reduce_range: bool) -> Result<QuantParams> {
        params_of(self.min, self.max, dtype, symmetric, reduce_range)
    }
}

/// Per-channel running min and max of a matrix (weights: one channel per
/// row of an `N × K` weight matrix, or per column).
#[derive(Clone, Debug, PartialEq)]
pub struct PerChannelMinMaxObserver {
    granularity: Granularity,
    mins: Vec<f32>,
    maxs: Vec<f32>,
}

impl PerChannelMinMaxObserver {
    /// An observer of `channels` channels along rows or columns; `Err`
    /// naming `granularity` for `PerTensor` (use [`MinMaxObserver`]).
    pub fn new(granularity: Granularity, channels: usize) -> Result<Self> {
        if granularity == Granularity::PerTensor {
            return Err(Error::param(
                "granularity",
                "per-channel observer needs PerRow or PerColumn",
            ));
        }
        Ok(PerChannelMinMaxObserver {
            granularity,
            mins: vec![f32::INFINITY; channels],
            maxs: vec![f32::NEG_INFINITY; channels],
        })
    }

    /// Records a matrix; `Err` when its channel count differs.
    pub fn observe_mat(&mut self, x: MatRef<'_, f32>) -> Result<()> {
        let (rows, cols) = (x.rows(), x.cols());
        let ch = if self.granularity == Granularity::PerRow {
            rows
        } else {
            cols
        };
        if ch != self.mins.len() {
            return Err(Error::shape(format!(
                "x has {ch} channels ({rows}x{cols}, {:?}) but the observer has {}",
                self.granularity,
                self.mins.len()
            )));
        }
        for i in 0..rows {
            for j in 0..cols {
                let v = *x.at(i, j);
                let c = if self.granularity == Granularity::PerRow {
                    i
                } else {
                    j
                };
                // NaN compares false and is skipped.
                if v < self.mins[c] {
                    self.mins[c] = v;
                }
                if v > self.maxs[c] {
                    self.maxs[c] = v;
                }
            }
        }
        Ok(())
    }

    /// Folds in another observer; `Err` when the channel layout differs.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        if other.granularity != self.granularity || other.mins.len() != self.mins.len() {
            return Err(Error::shape("other observes a different channel layout"));
        }
        for c in 0..self.mins.len() {
            self.mins[c] = self.mins[c].min(other.mins[c]);
            self.maxs[c] = self.maxs[c].max(other.maxs[c]);
        }
        Ok(())
    }

    /// Per-channel minima.
    pub fn mins(&self) -> &[f32] {
        &self.mins
    }
    /// Per-channel maxima.
    pub fn maxs(&self) -> &[f32] {
        &self.maxs
    }

    /// Per-channel parameters; a channel never seen counts as all zeros.
    pub fn params(&self, dtype: QuantDtype, symmetric: bool, reduce_range: bool) -> Result<QuantParams> {
        // A channel never seen has (+inf, −inf): treat it as (0, 0).
        let unseen = |c: usize| self.mins[c] > self.maxs[c];
        let lo: Vec<f32> = (0..self.mins.len())
            .map(|c| if unseen(c) { 0.0 } else { self.mins[c] })
            .collect();
        let hi: Vec<f32> = (0..self.maxs.len())
            .map(|c| if unseen(c) { 0.0 } else { self.maxs[c] })
            .collect();
        QuantParams::per_channel_from_min_max(&lo, &hi, self.granularity, dtype, symmetric, reduce_range)
    }
}
