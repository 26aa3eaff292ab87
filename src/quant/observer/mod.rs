//! Calibration observers for post-training static quantization: feed
//! batches of f32 activations, then ask for [`QuantParams`].
//!
//! Every observer is deterministic and mergeable: calibrate shards on
//! several threads, [`Observer::merge`] the observers, get the same result
//! as one observer over all batches (exactly, for the min-max and histogram
//! observers; the moving average depends on the batch order by definition).
//! NaN values are ignored; an infinite value makes a min-max range
//! infinite, which [`QuantParams::from_min_max`] refuses.
//!
//! [`QuantParams`]: super::QuantParams
//! [`QuantParams::from_min_max`]: super::QuantParams::from_min_max

mod histogram;
pub(crate) mod minmax;

pub use histogram::{entropy_threshold_bins, HistogramObserver};
pub use minmax::{MinMaxObserver, MovingAverageMinMaxObserver, PerChannelMinMaxObserver};

use super::{QuantDtype, QuantParams};
use crate::error::Result;

/// Something that watches f32 batches and proposes quantization parameters.
pub trait Observer {
    /// Records one batch.
    fn observe(&mut self, x: &[f32]);
    /// Folds in another observer of the same kind (e.g. from another thread).
    fn merge(&mut self, other: &Self);
    /// Per-tensor parameters for what was observed (see
    /// [`QuantParams::from_min_max`]); `Err` before any finite value was seen.
    fn params(&self, dtype: QuantDtype, symmetric: bool, reduce_range: bool) -> Result<QuantParams>;
}
