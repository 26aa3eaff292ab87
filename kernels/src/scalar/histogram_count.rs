//! Histogram counting for the calibration observer: bin indices (their low
//! 11 bits) counted into four interleaved sub-histograms, consecutive
//! indices into different ones so that runs of one bin do not serialize on
//! one counter's store-to-load forwarding. Meanwhile it prefetches the
//! observer's next chunk of data into L2: the counting leaves the memory
//! bus idle, and the next chunk's index pass then reads from L2.

/// Bins per sub-histogram.
pub const HISTOGRAM_BINS: usize = 2048;

/// Adds one to `sub[i % 4][idx[i] & 2047]` for every `i` (u32 counters,
/// wrapping: the caller folds them before they can overflow), issuing an
/// L2 prefetch for the lines of `ahead` along the way (x86_64; a no-op
/// elsewhere).
pub fn histogram_count_x4_scalar(idx: &[u32], sub: &mut [[u32; HISTOGRAM_BINS]; 4], ahead: &[f32]) {
    const M: usize = HISTOGRAM_BINS - 1;
    // One prefetch per 16-index group, one 64-byte line (16 f32) apart.
    let mut lines = ahead.chunks(16);
    let (groups, rest) = idx.split_at(idx.len() & !15);
    for g in groups.chunks_exact(16) {
        if let Some(line) = lines.next() {
            prefetch_l2(line.as_ptr());
        }
        for q in g.chunks_exact(4) {
            sub[0][q[0] as usize & M] = sub[0][q[0] as usize & M].wrapping_add(1);
            sub[1][q[1] as usize & M] = sub[1][q[1] as usize & M].wrapping_add(1);
            sub[2][q[2] as usize & M] = sub[2][q[2] as usize & M].wrapping_add(1);
            sub[3][q[3] as usize & M] = sub[3][q[3] as usize & M].wrapping_add(1);
        }
    }
    for (k, &i) in rest.iter().enumerate() {
        sub[k % 4][i as usize & M] = sub[k % 4][i as usize & M].wrapping_add(1);
    }
}

#[cfg(target_arch = "x86_64")]
use crate::x86_64::prefetch::prefetch_l2;

#[cfg(not(target_arch = "x86_64"))]
fn prefetch_l2(_: *const f32) {}
