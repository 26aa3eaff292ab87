//! How many threads a call deserves: the fewest that minimise a simple
//! model of its time, so that more threads are never slower than fewer.

use crate::isa::Isa;

/// Modelled cost of a two-thread region on a context's own team. An empty
/// region measures 0.2-0.3 µs on the quiet 2-vCPU EPYC VM of issue 21
/// (`lowp bench --op overhead`); a split GEMM also pays the workers' caches
/// and imbalance: 2 µs measured no slower than one thread there, and lets
/// f32 64³ (about 4.7 µs) take two threads (figures: `docs/tuning.md`,
/// Threads and "Small sgemm on two threads").
pub(crate) const FORK_JOIN_TEAM_S: f64 = 2e-6;

/// Modelled cost of a two-thread region on a borrowed rayon pool (12-17 µs
/// measured alongside the above).
pub(crate) const FORK_JOIN_RAYON_S: f64 = 15e-6;

/// One thread's modelled GEMM rate (ops/s, 2 per multiply-add) at `isa`
/// for packed A elements of `a_bytes` bytes (4: f32, 2: bf16, 1: INT8).
/// Set near the fastest kernel's measured rate (AVX-512 sgemm about 110
/// GOP/s on the 2-vCPU EPYC of issue 21, INT8 VNNI about 4×): a rate on the
/// high side only keeps small calls on fewer threads, never makes more
/// threads slower. Narrower vectors scale it down with their lanes.
pub(crate) fn gemm_ops_per_s(isa: Isa, a_bytes: usize) -> f64 {
    let f32_lanes = match isa {
        Isa::Scalar => 1.0,
        Isa::Avx2 | Isa::Avx2Vnni => 8.0,
        Isa::Avx512 | Isa::Avx512Vnni => 16.0,
    };
    // Narrower elements do proportionally more multiply-adds per instruction.
    let per_lane = 4.0 / a_bytes.clamp(1, 4) as f64;
    F32_LANE_OPS_PER_S * f32_lanes * per_lane
}

/// Bytes/s one thread streams B at from L2/L3 (a GEMV-like call, few rows
/// of A, reads each B element once): about 80 GB/s measured for both lowp
/// and oneDNN at 1×768×3072 on the EPYC of issue 21.
const B_BYTES_PER_S: f64 = 80e9;

/// The modelled one-thread time of a GEMM of shape `[m, n, k]` with A and B
/// elements of `a_bytes` and `b_bytes`: its arithmetic at
/// [`gemm_ops_per_s`], or streaming B once when that takes longer (few
/// rows: the kernel waits on B, and a second thread streams its own half).
pub(crate) fn gemm_serial_s(isa: Isa, [m, n, k]: [usize; 3], a_bytes: usize, b_bytes: usize) -> f64 {
    let ops = 2.0 * m as f64 * n as f64 * k as f64;
    let b_s = k as f64 * n as f64 * b_bytes as f64 / B_BYTES_PER_S;
    (ops / gemm_ops_per_s(isa, a_bytes)).max(b_s)
}

/// Ops/s of one f32 lane: 2 ops per FMA at about 3.5 GHz, one FMA a cycle.
const F32_LANE_OPS_PER_S: f64 = 7e9;

/// The modelled fork/join cost of a region of `t` threads: 0 for one
/// (inline), `fork_join_s` for two, one more `fork_join_s / 2` per doubling
/// (the caller signals each worker and the join waits for the slowest).
pub(crate) fn fork_join_cost(t: usize, fork_join_s: f64) -> f64 {
    if t <= 1 {
        0.0
    } else {
        fork_join_s * (1.0 + 0.5 * (t as f64).log2() - 0.5)
    }
}

/// The thread count in `1..=max` that minimises
/// `work_ops / (ops_per_sec_per_thread · t) + fork_join_cost(t)`, the
/// smallest on a tie. 1 when the work or the rate is not a positive finite
/// number, or `max` is 0 or 1. Monotone: more work never gets fewer threads,
/// and the modelled time at the answer is never above one thread's.
pub(crate) fn useful_threads(
    work_ops: f64,
    ops_per_sec_per_thread: f64,
    fork_join_s: f64,
    max: usize,
) -> usize {
    let serial_s = work_ops / ops_per_sec_per_thread;
    if !(serial_s.is_finite() && serial_s > 0.0) || max <= 1 {
        return 1;
    }
    let fj = if fork_join_s.is_finite() {
        fork_join_s.max(0.0)
    } else {
        0.0
    };
    let time = |t: usize| serial_s / t as f64 + fork_join_cost(t, fj);
    let (mut best, mut best_s) = (1, serial_s);
    for t in 2..=max {
        let s = time(t);
        if s < best_s {
            (best, best_s) = (t, s);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: f64 = 100e9; // 100 GOP/s per thread
    const FJ: f64 = 2e-6;

    #[test]
    fn tiny_work_stays_on_one_thread() {
        // 16³: 8 kOP, 82 ns at 100 GOP/s, far below one fork/join.
        assert_eq!(useful_threads(2.0 * 16.0 * 16.0 * 16.0, RATE, FJ, 8), 1);
        assert_eq!(useful_threads(1000.0, RATE, FJ, 64), 1);
        assert_eq!(useful_threads(0.0, RATE, FJ, 64), 1);
    }

    #[test]
    fn big_work_gets_every_thread() {
        let w = 2.0 * 2048f64.powi(3);
        assert_eq!(useful_threads(w, RATE, FJ, 2), 2);
        assert_eq!(useful_threads(w, RATE, FJ, 16), 16);
    }

    #[test]
    fn two_threads_pay_off_only_past_twice_the_fork_join() {
        // Two threads win iff serial/2 > fork_join_cost(2) = FJ.
        let at = |serial_s: f64| useful_threads(serial_s * RATE, RATE, FJ, 2);
        assert_eq!(at(1.9 * FJ), 1);
        assert_eq!(at(2.1 * FJ), 2);
    }

    #[test]
    fn monotone_in_work_and_never_slower_than_one_thread() {
        for max in [1, 2, 3, 4, 8, 16, 64, 256] {
            let mut last = 1;
            for e in 0..400 {
                let w = 10f64.powf(e as f64 / 40.0); // 1 .. 1e10 ops
                let t = useful_threads(w, RATE, FJ, max);
                assert!((1..=max.max(1)).contains(&t), "{t} of {max}");
                assert!(t >= last, "work {w}: {t} threads after {last}");
                let serial = w / RATE;
                assert!(
                    serial / t as f64 + fork_join_cost(t, FJ) <= serial,
                    "work {w}, {t} threads"
                );
                last = t;
            }
        }
    }

    #[test]
    fn gemm_rates_follow_vector_width_and_element_size() {
        let f32_512 = gemm_ops_per_s(Isa::Avx512, 4);
        assert_eq!(gemm_ops_per_s(Isa::Avx512Vnni, 1), 4.0 * f32_512);
        assert_eq!(gemm_ops_per_s(Isa::Avx512, 2), 2.0 * f32_512);
        assert_eq!(gemm_ops_per_s(Isa::Avx2, 4), f32_512 / 2.0);
        assert!(gemm_ops_per_s(Isa::Scalar, 4) < gemm_ops_per_s(Isa::Avx2, 4));
        // Odd element sizes stay within the f32 .. INT8 range.
        assert_eq!(gemm_ops_per_s(Isa::Avx512, 8), f32_512);
        assert_eq!(gemm_ops_per_s(Isa::Avx512, 0), 4.0 * f32_512);
    }

    #[test]
    fn few_rows_are_timed_by_streaming_b() {
        // 1×768×3072 INT8: 4.7 MOP is 10 µs of VNNI arithmetic, but 2.4 MB
        // of B take 30 µs to stream.
        let s = gemm_serial_s(Isa::Avx512Vnni, [1, 3072, 768], 1, 1);
        assert!((s - 768.0 * 3072.0 / B_BYTES_PER_S).abs() < 1e-12, "{s}");
        // 256³ f32 is arithmetic-bound.
        let s = gemm_serial_s(Isa::Avx512, [256, 256, 256], 4, 4);
        assert_eq!(s, 2.0 * 256f64.powi(3) / gemm_ops_per_s(Isa::Avx512, 4));
        assert_eq!(
            gemm_serial_s(Isa::Avx512, [0, 256, 256], 4, 4),
            256.0 * 256.0 * 4.0 / B_BYTES_PER_S
        );
    }

    #[test]
    fn bad_inputs_mean_one_thread() {
        for (w, r) in [
            (f64::NAN, RATE),
            (1e9, 0.0),
            (1e9, f64::NAN),
            (-1.0, RATE),
            (f64::INFINITY, RATE),
        ] {
            assert_eq!(useful_threads(w, r, FJ, 8), 1, "{w} {r}");
        }
        assert_eq!(useful_threads(1e12, RATE, FJ, 0), 1);
        // A free fork/join: every thread.
        assert_eq!(useful_threads(1e6, RATE, 0.0, 8), 8);
        assert_eq!(useful_threads(1e6, RATE, f64::NAN, 8), 8);
    }
}
