//! Histogram counting for the calibration observer: bin indices (their low
//! 11 bits) counted into one u32 table. One table beat four interleaved
//! sub-histograms (a quarter of the L1 footprint; Zen 4 forwards runs of
//! one bin without a stall): docs/tuning.md, "Histogram counting at the
//! store port". Meanwhile it prefetches the observer's next chunk of data
//! into L2: the counting leaves the memory bus idle, and the next chunk's
//! index pass then reads from L2.

/// Bins of the table.
pub const HISTOGRAM_BINS: usize = 2048;

/// Extremes of one block from the observer's index pass.
#[derive(Clone, Copy, Debug)]
pub struct HistogramBlockStats {
    /// The smallest value (NaN skipped).
    pub lo: f32,
    /// The largest value (NaN skipped).
    pub hi: f32,
    /// The largest `|x|` as bits: at least `0x7f80_0000` when the block
    /// holds an infinity or a NaN.
    pub amax_bits: u32,
}

/// Adds one to `counts[idx[i] & 2047]` for every `i` (u32 counters,
/// wrapping: the caller folds them before they can overflow), issuing an
/// L2 prefetch for the lines of `ahead` along the way (x86_64; a no-op
/// elsewhere).
pub fn histogram_count_scalar(idx: &[u32], counts: &mut [u32; HISTOGRAM_BINS], ahead: &[f32]) {
    const M: usize = HISTOGRAM_BINS - 1;
    // One prefetch per 16-index group, one 64-byte line (16 f32) apart.
    let mut lines = ahead.chunks(16);
    let (groups, rest) = idx.split_at(idx.len() & !15);
    for g in groups.chunks_exact(16) {
        if let Some(line) = lines.next() {
            prefetch_l2(line.as_ptr());
        }
        for &i in g {
            counts[i as usize & M] = counts[i as usize & M].wrapping_add(1);
        }
    }
    for &i in rest {
        counts[i as usize & M] = counts[i as usize & M].wrapping_add(1);
    }
}

#[cfg(target_arch = "x86_64")]
use crate::x86_64::prefetch::prefetch_l2;

#[cfg(not(target_arch = "x86_64"))]
fn prefetch_l2(_: *const f32) {}
