//! The unpinned team's placement check on the real OS: a worker started on
//! its caller's CPU (the debug start of `LOWP_DEBUG_WORKER_ON_CALLER_CPU`)
//! and spinning between back-to-back regions (so it never wakes from a
//! sleep) still leaves that CPU.

use super::os;
use lowp_kernels::team::Team;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Runs regions of two tasks (caller, worker) until `deadline`, returning
/// how many ran and the last region's (caller CPU, worker CPU).
fn regions_until(team: &Team, deadline: Instant) -> (usize, usize, usize) {
    let cpus = [AtomicUsize::new(usize::MAX), AtomicUsize::new(usize::MAX)];
    let mut n = 0;
    while n < 3 || Instant::now() < deadline {
        team.run(2, 2, &|i| {
            cpus[i].store(os::current_cpu().unwrap_or(usize::MAX), Ordering::Relaxed);
        });
        n += 1;
    }
    (
        n,
        cpus[0].load(Ordering::Relaxed),
        cpus[1].load(Ordering::Relaxed),
    )
}

#[test]
fn a_spinning_worker_started_on_the_callers_cpu_moves_off_it() {
    let (Some(mask), Some(cpu)) = (os::affinity(), os::current_cpu()) else {
        eprintln!("skipped: this OS reports no affinity or current CPU");
        return;
    };
    if mask.len() < 2 {
        eprintln!(
            "skipped: the affinity mask holds {} CPU(s), the test needs 2",
            mask.len()
        );
        return;
    }
    // The caller stays on `cpu`, so only the worker can move; its worker
    // starts there too and spins (1 s) instead of sleeping between regions.
    os::set_affinity(&[cpu]).unwrap();
    let start_mask = mask.clone();
    let team = Team::spawn(
        1,
        true,
        Duration::from_secs(1),
        move |_| os::start_on_cpu_then_widen(cpu, start_mask.clone()),
        Some(os::PLACEMENT),
    )
    .unwrap();
    // The first region shares the CPU (the worker may not leave it yet);
    // the check may wait one re-leave interval (10 ms) after that.
    let (n, caller, worker) = regions_until(&team, Instant::now() + Duration::from_millis(60));
    drop(team);
    os::set_affinity(&mask).unwrap();
    assert_eq!(caller, cpu, "the pinned caller moved");
    assert_ne!(
        worker, cpu,
        "after {n} regions the worker still shares CPU {cpu} with its caller"
    );
}
