//! How many threads a call deserves: the fewest that minimise a simple
//! model of its time, so that more threads are never slower than fewer.

/// Modelled cost of a two-thread region on a context's own team: the
/// median of `lowp bench --op fork_join` on the loaded 2-vCPU EPYC VM of
/// issue 21 (4-17 µs, about 10; see `docs/tuning.md`, Threads).
pub(crate) const FORK_JOIN_TEAM_S: f64 = 10e-6;

/// Modelled cost of a two-thread region on a borrowed rayon pool (11-45 µs
/// measured alongside the above, about 25).
pub(crate) const FORK_JOIN_RAYON_S: f64 = 25e-6;

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
