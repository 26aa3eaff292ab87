//! `histogram_index_count_avx512`: the calibration histogram's index pass
//! over one block (extremes and bin indices) in the same loop as the
//! counting of the previous block's indices (AVX-512 F/BW/VL/DQ). The
//! counting needs the store ports (one store to a random counter a value),
//! the index pass the vector units and the loads: one loop runs both at
//! once instead of one after the other.

use crate::scalar::histogram_count::{HistogramBlockStats, HISTOGRAM_BINS};
use crate::x86_64::prefetch::prefetch_l2;
use core::arch::x86_64::*;

/// For every `x[i]`, writes the bits of `⌊|x[i]|·f⌋ + 2^23` to `idx[i]`
/// (the bin in the low 11 bits whenever `|x[i]|·f < 2048`: the product is
/// exact, a power-of-two `f` scaling an f32) and returns the extremes of
/// `x`; meanwhile adds one to `counts[c & 2047]` for every `c` of
/// `counted` (u32 counters, wrapping: the caller folds them in time), and
/// prefetches `ahead` into L2, one 64-byte line per 16 values of `x`.
///
/// # Safety
/// The CPU must have AVX-512 F/BW/VL/DQ. `idx.len() == x.len()`.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
pub unsafe fn histogram_index_count_avx512(
    x: &[f32],
    f: f32,
    idx: &mut [u32],
    counted: &[u32],
    counts: &mut [u32; HISTOGRAM_BINS],
    ahead: &[f32],
) -> HistogramBlockStats {
    const M: usize = HISTOGRAM_BINS - 1;
    assert_eq!(idx.len(), x.len());
    let n = x.len();
    let groups = n / 16;
    let both = groups.min(counted.len() / 16);
    let fv = _mm512_set1_ps(f);
    let magic = _mm512_set1_ps(8_388_608.0);
    let abs = _mm512_set1_epi32(0x7fff_ffff);
    let (mut lo, mut hi) = (_mm512_set1_ps(f32::INFINITY), _mm512_set1_ps(f32::NEG_INFINITY));
    let mut mb = _mm512_setzero_si512();
    // One vector of `x` from `i` (lanes in `m`) into `idx`. `⌊a⌋ + 2^23`
    // is one FMA rounding down: below 2^23 the sum's float is that integer.
    // One vector of `x` from `i` (lanes in `m`: all of them but at the
    // tail) into `idx`.
    let mut index = |i: usize, m: __mmask16| {
        // SAFETY: the lanes in `m` lie below `n`, inside `x` and `idx`.
        unsafe {
            let v = if m == 0xffff {
                _mm512_loadu_ps(x.as_ptr().add(i))
            } else {
                _mm512_maskz_loadu_ps(m, x.as_ptr().add(i))
            };
            let b = _mm512_and_si512(_mm512_castps_si512(v), abs);
            mb = _mm512_max_epu32(mb, b);
            // `v < lo ? v : lo` (as the other index loops).
            lo = _mm512_mask_min_ps(lo, m, v, lo);
            hi = _mm512_mask_max_ps(hi, m, v, hi);
            let r = _mm512_castps_si512(_mm512_fmadd_round_ps::<
                { _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC },
            >(_mm512_castsi512_ps(b), fv, magic));
            if m == 0xffff {
                _mm512_storeu_si512(idx.as_mut_ptr().add(i).cast(), r);
            } else {
                _mm512_mask_storeu_epi32(idx.as_mut_ptr().add(i).cast(), m, r);
            }
        }
    };
    let mut lines = ahead.chunks(16);
    for g in 0..both {
        if let Some(line) = lines.next() {
            prefetch_l2(line.as_ptr());
        }
        index(16 * g, 0xffff);
        for &c in &counted[16 * g..16 * g + 16] {
            counts[c as usize & M] = counts[c as usize & M].wrapping_add(1);
        }
    }
    for g in both..groups {
        index(16 * g, 0xffff);
    }
    if !n.is_multiple_of(16) {
        index(16 * groups, (1u16 << (n % 16)) - 1);
    }
    for &c in &counted[16 * both..] {
        counts[c as usize & M] = counts[c as usize & M].wrapping_add(1);
    }
    HistogramBlockStats {
        lo: _mm512_reduce_min_ps(lo),
        hi: _mm512_reduce_max_ps(hi),
        amax_bits: _mm512_reduce_max_epu32(mb),
    }
}
