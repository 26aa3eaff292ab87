//! Thread planning against recorded topologies, live pinning on this
//! machine, `LOWP_NUM_THREADS` parsing and multi-instance splits.

use lowp::threading::{parse_num_threads, split_cores, Affinity, NumaHint, ThreadPlan};
use lowp::topology::{parse_cpu_list, CacheSizes, Topology};
use lowp::{Context, Error};
use std::collections::BTreeSet;
use std::path::Path;

fn xeon() -> Topology {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sysfs/xeon-2s-smt");
    Topology::from_sysfs(&root, None).unwrap()
}

fn list(s: &str) -> Vec<usize> {
    parse_cpu_list("test", s).unwrap()
}

fn plan(t: &Topology, threads: Option<usize>, a: Affinity, n: NumaHint) -> Vec<usize> {
    ThreadPlan::new(t, threads, &a, &n)
        .unwrap()
        .worker_cpus()
        .expect("pinned plan")
        .to_vec()
}

/// The error's argument name and message, for an `InvalidParameter`.
fn param_err<T: std::fmt::Debug>(r: lowp::Result<T>) -> (&'static str, String) {
    match r {
        Err(Error::InvalidParameter { arg, msg }) => (arg, msg),
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
}

#[test]
fn default_is_one_unpinned_thread_per_physical_core() {
    let t = xeon();
    let p = ThreadPlan::new(&t, None, &Affinity::None, &NumaHint::Any).unwrap();
    assert_eq!(p.threads(), 8);
    assert_eq!(p.worker_cpus(), None);
    let p = ThreadPlan::new(&t, Some(3), &Affinity::None, &NumaHint::Any).unwrap();
    assert_eq!((p.threads(), p.worker_cpus()), (3, None));
    // Restricted to CPUs 0-2 and their siblings 8-10: three physical cores.
    let r = t.restrict(&list("0-2,8-10")).unwrap();
    assert_eq!(
        ThreadPlan::new(&r, None, &Affinity::None, &NumaHint::Any)
            .unwrap()
            .threads(),
        3
    );
}

#[test]
fn compact_fills_cores_package_by_package_then_siblings() {
    let t = xeon();
    assert_eq!(plan(&t, None, Affinity::Compact, NumaHint::Any), list("0-7"));
    assert_eq!(plan(&t, Some(3), Affinity::Compact, NumaHint::Any), list("0-2"));
    assert_eq!(plan(&t, Some(10), Affinity::Compact, NumaHint::Any), list("0-9"));
    assert_eq!(plan(&t, Some(16), Affinity::Compact, NumaHint::Any), list("0-15"));
    // More workers than CPUs wrap around.
    let p = plan(&t, Some(18), Affinity::Compact, NumaHint::Any);
    assert_eq!(&p[16..], &[0, 1]);
    // With CPU 1 taken away, its sibling 9 is that core's first thread.
    let r = t.restrict(&[0, 9, 2, 8]).unwrap();
    assert_eq!(plan(&r, None, Affinity::Compact, NumaHint::Any), vec![0, 2, 9]);
    assert_eq!(
        plan(&r, Some(4), Affinity::Compact, NumaHint::Any),
        vec![0, 2, 9, 8]
    );
}

#[test]
fn scatter_alternates_packages() {
    let t = xeon();
    assert_eq!(
        plan(&t, None, Affinity::Scatter, NumaHint::Any),
        vec![0, 4, 1, 5, 2, 6, 3, 7]
    );
    assert_eq!(plan(&t, Some(2), Affinity::Scatter, NumaHint::Any), vec![0, 4]);
    assert_eq!(
        plan(&t, Some(10), Affinity::Scatter, NumaHint::Any),
        vec![0, 4, 1, 5, 2, 6, 3, 7, 8, 12]
    );
    // Uneven domains: package 0 keeps only CPU 0.
    let r = t.restrict(&list("0,4-7")).unwrap();
    assert_eq!(
        plan(&r, None, Affinity::Scatter, NumaHint::Any),
        vec![0, 4, 5, 6, 7]
    );
}

#[test]
fn numa_node_restricts_to_its_cpus() {
    let t = xeon();
    let p = ThreadPlan::new(&t, None, &Affinity::None, &NumaHint::Node(1)).unwrap();
    assert_eq!(p.threads(), 4);
    assert_eq!(p.worker_cpus(), Some(&[4, 5, 6, 7][..]));
    assert_eq!(
        plan(&t, Some(6), Affinity::Compact, NumaHint::Node(1)),
        vec![4, 5, 6, 7, 12, 13]
    );
    assert_eq!(
        plan(&t, Some(2), Affinity::Scatter, NumaHint::Node(0)),
        vec![0, 1]
    );
    assert_eq!(
        plan(&t, None, Affinity::Cores(vec![13, 5]), NumaHint::Node(1)),
        vec![13, 5]
    );

    let (arg, msg) = param_err(ThreadPlan::new(&t, None, &Affinity::None, &NumaHint::Node(5)));
    assert_eq!(arg, "numa");
    assert!(
        msg.contains("node 5 does not exist") && msg.contains("0-2"),
        "{msg}"
    );
    let (arg, msg) = param_err(ThreadPlan::new(&t, None, &Affinity::Compact, &NumaHint::Node(2)));
    assert_eq!(arg, "numa");
    assert!(msg.contains("node 2 has no CPU"), "{msg}");
    // Node 1 exists but the affinity mask (taskset -c 0-3) excludes it.
    let r = t.restrict(&list("0-3")).unwrap();
    let (arg, msg) = param_err(ThreadPlan::new(&r, None, &Affinity::None, &NumaHint::Node(1)));
    assert_eq!(arg, "numa");
    assert!(msg.contains("allowed: 0-3"), "{msg}");
}

#[test]
fn explicit_cores() {
    let t = xeon();
    let p = ThreadPlan::new(&t, None, &Affinity::Cores(vec![3, 9]), &NumaHint::Any).unwrap();
    assert_eq!((p.threads(), p.worker_cpus()), (2, Some(&[3, 9][..])));
    assert_eq!(
        plan(&t, Some(3), Affinity::Cores(vec![3]), NumaHint::Any),
        vec![3, 3, 3]
    );

    let bad = |cores: Vec<usize>, numa: NumaHint, topo: &Topology| {
        param_err(ThreadPlan::new(topo, None, &Affinity::Cores(cores), &numa))
    };
    let (arg, msg) = bad(vec![], NumaHint::Any, &t);
    assert_eq!(arg, "affinity");
    assert!(msg.contains("at least one"), "{msg}");
    let (arg, msg) = bad(vec![1, 2, 1], NumaHint::Any, &t);
    assert_eq!(arg, "affinity");
    assert!(msg.contains("CPU 1 twice"), "{msg}");
    let (arg, msg) = bad(vec![2, 99], NumaHint::Any, &t);
    assert_eq!(arg, "affinity");
    assert!(msg.contains("CPU 99") && msg.contains("online: 0-15"), "{msg}");
    let (arg, msg) = bad(vec![4], NumaHint::Node(0), &t);
    assert_eq!(arg, "affinity");
    assert!(msg.contains("CPU 4") && msg.contains("node 0"), "{msg}");
    let r = t.restrict(&list("0-3")).unwrap();
    let (arg, msg) = bad(vec![2, 5], NumaHint::Any, &r);
    assert_eq!(arg, "affinity");
    assert!(
        msg.contains("CPU 5") && msg.contains("affinity mask (allowed: 0-3)"),
        "{msg}"
    );

    let (arg, _) = param_err(ThreadPlan::new(&t, Some(0), &Affinity::Compact, &NumaHint::Any));
    assert_eq!(arg, "threads");
}

#[test]
fn num_threads_env_parsing() {
    assert_eq!(parse_num_threads("4").unwrap(), Some(4));
    assert_eq!(parse_num_threads(" 8\n").unwrap(), Some(8));
    assert_eq!(parse_num_threads("").unwrap(), None);
    assert_eq!(parse_num_threads("   ").unwrap(), None);
    for bad in ["0", "-1", "two", "1.5", "4 threads", "99999999999999999999999"] {
        let (arg, msg) = param_err(parse_num_threads(bad));
        assert_eq!(arg, "LOWP_NUM_THREADS");
        assert!(msg.contains(bad), "{msg}");
    }
}

#[test]
fn affinity_and_numa_strings() {
    for a in [
        Affinity::None,
        Affinity::Compact,
        Affinity::Scatter,
        Affinity::Cores(vec![0, 1, 2, 3, 8]),
        Affinity::Cores(vec![5, 1]),
    ] {
        assert_eq!(a.to_string().parse::<Affinity>().unwrap(), a);
    }
    assert_eq!(Affinity::Cores(list("0-3,8")).to_string(), "cores:0-3,8");
    assert_eq!(" Compact ".parse::<Affinity>().unwrap(), Affinity::Compact);
    for bad in ["spread", "cores:", "cores:x", "cores:3-1"] {
        assert_eq!(param_err(bad.parse::<Affinity>()).0, "affinity", "{bad}");
    }
    for n in [NumaHint::Any, NumaHint::Node(0), NumaHint::Node(3)] {
        assert_eq!(n.to_string().parse::<NumaHint>().unwrap(), n);
    }
    assert_eq!("1".parse::<NumaHint>().unwrap(), NumaHint::Node(1));
    for bad in ["node:", "socket:1", "-1", "x"] {
        assert_eq!(param_err(bad.parse::<NumaHint>()).0, "numa", "{bad}");
    }
}

#[test]
fn split_cores_is_disjoint_and_covers() {
    let t = xeon();
    let none = Affinity::None;
    assert_eq!(
        split_cores(&t, 2, &none, &NumaHint::Any).unwrap(),
        vec![list("0-3"), list("4-7")]
    );
    for n in 1..=8 {
        let sets = split_cores(&t, n, &none, &NumaHint::Any).unwrap();
        assert_eq!(sets.len(), n);
        let sizes: Vec<usize> = sets.iter().map(Vec::len).collect();
        assert!(
            sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
            "{sizes:?}"
        );
        let all: Vec<usize> = sets.concat();
        let uniq: BTreeSet<usize> = all.iter().copied().collect();
        assert_eq!(uniq.len(), all.len(), "sets overlap: {sets:?}");
        assert_eq!(uniq.into_iter().collect::<Vec<_>>(), t.physical_cores());
    }
    assert_eq!(
        split_cores(&t, 3, &none, &NumaHint::Any).unwrap(),
        vec![list("0-2"), list("3-5"), list("6-7")]
    );
    assert_eq!(
        split_cores(&t, 2, &none, &NumaHint::Node(1)).unwrap(),
        vec![list("4-5"), list("6-7")]
    );
    assert_eq!(
        split_cores(&t, 2, &Affinity::Cores(vec![9, 1, 12]), &NumaHint::Any).unwrap(),
        vec![vec![9, 1], vec![12]]
    );
    let (arg, msg) = param_err(split_cores(&t, 9, &none, &NumaHint::Any));
    assert_eq!(arg, "instances");
    assert!(msg.contains("9 instances") && msg.contains("only 8"), "{msg}");
    assert_eq!(
        param_err(split_cores(&t, 0, &none, &NumaHint::Any)).0,
        "instances"
    );
    assert_eq!(param_err(split_cores(&t, 1, &none, &NumaHint::Node(7))).0, "numa");
}

#[test]
fn context_on_a_recorded_topology() {
    let ctx = Context::builder().topology(xeon()).ignore_env().build().unwrap();
    assert_eq!(ctx.num_threads(), 8);
    assert_eq!(ctx.worker_cpus(), None);
    assert_eq!(ctx.affinity(), &Affinity::None);
    assert_eq!(
        ctx.cache_sizes(),
        CacheSizes {
            l1d: 48 << 10,
            l2: 2 << 20,
            l3: 7680 << 10
        }
    );
    assert_eq!(ctx.topology().online_cpus().len(), 16);

    // One-thread pinned contexts run inline: the plan is recorded, nothing is pinned.
    let c = Context::builder()
        .topology(xeon())
        .threads(1)
        .affinity(Affinity::Scatter)
        .numa(NumaHint::Node(1))
        .build()
        .unwrap();
    assert_eq!(c.worker_cpus(), Some(&[4][..]));
    assert_eq!(c.numa(), NumaHint::Node(1));

    let (arg, _) = param_err(
        Context::builder()
            .topology(xeon())
            .numa(NumaHint::Node(9))
            .build(),
    );
    assert_eq!(arg, "numa");
    let (arg, _) = param_err(Context::builder().topology(xeon()).threads(0).build());
    assert_eq!(arg, "threads");

    // Eight one-core instances on the 8-core fixture, disjoint.
    let inst = Context::builder().topology(xeon()).instances(8).unwrap();
    let cpus: Vec<usize> = inst.iter().map(|c| c.worker_cpus().unwrap()[0]).collect();
    assert_eq!(cpus, list("0-7"));
    assert!(inst.iter().all(|c| c.num_threads() == 1));
    assert_eq!(
        param_err(Context::builder().topology(xeon()).instances(9)).0,
        "instances"
    );
    assert_eq!(
        param_err(Context::builder().topology(xeon()).threads(2).instances(2)).0,
        "threads"
    );
}

#[test]
fn borrowed_pool_is_not_repinned() {
    let pool = std::sync::Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let ctx = Context::builder().pool(pool.clone()).build().unwrap();
    assert_eq!((ctx.num_threads(), ctx.worker_cpus()), (2, None));
    let (arg, msg) = param_err(Context::builder().pool(pool).affinity(Affinity::Compact).build());
    assert_eq!(arg, "pool");
    assert!(msg.contains("compact"), "{msg}");
    assert_eq!(param_err(ctx.pin_current_thread()).0, "affinity");
}

#[test]
fn unpinnable_cpus_are_a_threading_error() {
    // CPUs 4000/4001 exist in this made-up topology but not on the machine.
    let t = Topology::flat(&[4000, 4001]).unwrap();
    let r = Context::builder()
        .topology(t)
        .threads(2)
        .affinity(Affinity::Compact)
        .build();
    assert!(
        matches!(&r, Err(Error::Threading { msg }) if msg.contains("CPU 4000")),
        "{r:?}"
    );
}

// ---- Live pinning on this machine -------------------------------------

/// The allowed CPUs of this process, as the default topology sees them.
#[cfg(target_os = "linux")]
fn here() -> Vec<usize> {
    Topology::detect().unwrap().allowed_cpus().to_vec()
}

/// Builds a pinned pool from a plan and checks that worker `i` reports, via
/// `sched_getcpu` and `sched_getaffinity`, exactly its planned CPU.
#[cfg(target_os = "linux")]
fn check_pool(plan: &ThreadPlan) {
    use lowp::threading::{current_affinity, current_cpu};
    let want = plan.worker_cpus().unwrap().to_vec();
    let pool = plan.build_pool().unwrap();
    let got = pool.broadcast(|b| (b.index(), current_cpu().unwrap(), current_affinity().unwrap()));
    assert_eq!(got.len(), want.len());
    for (i, cpu, mask) in got {
        assert_eq!(cpu, want[i], "worker {i} runs on CPU {cpu}, planned {}", want[i]);
        assert_eq!(mask, vec![want[i]], "worker {i}'s mask");
    }
}

/// Runs `n` tasks through the context and returns the CPUs they ran on,
/// checking each ran exactly once on a thread pinned to one planned CPU.
#[cfg(target_os = "linux")]
fn cpus_used(ctx: &Context, n: usize) -> BTreeSet<usize> {
    use lowp::threading::{current_affinity, current_cpu};
    use std::sync::Mutex;
    let seen = Mutex::new(vec![0usize; n]);
    let cpus = Mutex::new(BTreeSet::new());
    let planned: BTreeSet<usize> = ctx.worker_cpus().unwrap().iter().copied().collect();
    ctx.run_parallel(n, |i| {
        let cpu = current_cpu().unwrap();
        let mask = current_affinity().unwrap();
        assert!(
            mask.len() == 1 && planned.contains(&mask[0]),
            "task {i} mask {mask:?}"
        );
        assert_eq!(cpu, mask[0]);
        seen.lock().unwrap()[i] += 1;
        cpus.lock().unwrap().insert(cpu);
    });
    assert!(seen.into_inner().unwrap().iter().all(|&k| k == 1));
    cpus.into_inner().unwrap()
}

#[cfg(target_os = "linux")]
#[test]
fn pinned_to_one_cpu() {
    let last = *here().last().unwrap(); // CPU 1 on the 2-CPU dev machine
    let ctx = Context::builder()
        .ignore_env()
        .threads(2)
        .affinity(Affinity::Cores(vec![last]))
        .build()
        .unwrap();
    assert_eq!(ctx.worker_cpus(), Some(&[last, last][..]));
    assert_eq!(cpus_used(&ctx, 64), BTreeSet::from([last]));
    check_pool(
        &ThreadPlan::new(
            ctx.topology(),
            Some(2),
            &Affinity::Cores(vec![last]),
            &NumaHint::Any,
        )
        .unwrap(),
    );
}

#[cfg(target_os = "linux")]
#[test]
fn pinned_to_two_cpus() {
    let cpus: Vec<usize> = here().into_iter().take(2).collect(); // [0, 1] here
    let ctx = Context::builder()
        .ignore_env()
        .threads(cpus.len().max(2))
        .affinity(Affinity::Cores(cpus.clone()))
        .build()
        .unwrap();
    let used = cpus_used(&ctx, 256);
    assert!(used.iter().all(|c| cpus.contains(c)), "{used:?} outside {cpus:?}");
    check_pool(&ThreadPlan::new(ctx.topology(), Some(2), &Affinity::Cores(cpus), &NumaHint::Any).unwrap());
}

#[cfg(target_os = "linux")]
#[test]
fn compact_and_scatter_pin_every_worker() {
    let topo = Topology::detect().unwrap();
    for a in [Affinity::Compact, Affinity::Scatter] {
        for threads in [None, Some(2), Some(3)] {
            let plan = ThreadPlan::new(&topo, threads, &a, &NumaHint::Any).unwrap();
            if plan.threads() == 1 {
                continue; // one physical core: nothing to pool
            }
            check_pool(&plan);
        }
        let node = topo.cpu(topo.allowed_cpus()[0]).unwrap().node;
        let ctx = Context::builder()
            .ignore_env()
            .threads(2)
            .affinity(a.clone())
            .numa(NumaHint::Node(node))
            .build()
            .unwrap();
        let used = cpus_used(&ctx, 64);
        let node_cpus = topo.cpus_of_node(node).unwrap();
        assert!(used.iter().all(|c| node_cpus.contains(c)), "{a}: {used:?}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn instances_are_disjoint_and_pin_their_thread() {
    use lowp::threading::current_affinity;
    let topo = Topology::detect().unwrap();
    let cores = topo.physical_cores();
    let inst = Context::builder().ignore_env().instances(cores.len()).unwrap();
    let sets: Vec<Vec<usize>> = inst.iter().map(|c| c.worker_cpus().unwrap().to_vec()).collect();
    assert_eq!(sets.concat(), cores);
    for ctx in inst {
        let want = ctx.worker_cpus().unwrap().to_vec();
        // Pin a serving thread (not the test's own) to the instance.
        let mask = std::thread::spawn(move || {
            ctx.pin_current_thread().unwrap();
            current_affinity().unwrap()
        })
        .join()
        .unwrap();
        assert_eq!(mask, want);
    }
    let (arg, _) = param_err(Context::builder().ignore_env().instances(cores.len() + 1));
    assert_eq!(arg, "instances");
}

#[test]
fn default_context_uses_the_detected_physical_cores() {
    let ctx = Context::builder().ignore_env().build().unwrap();
    let cores = Topology::detect().unwrap().physical_cores().len();
    let quota = std::thread::available_parallelism().map_or(cores, |n| n.get());
    assert_eq!(ctx.num_threads(), cores.min(quota));
    assert_eq!(ctx.worker_cpus(), None);
    assert_eq!(ctx.cache_sizes(), ctx.topology().cache_sizes());
    // Compact on the detected machine: one worker per core, each pinned.
    let c = Context::builder()
        .ignore_env()
        .affinity(Affinity::Compact)
        .build()
        .unwrap();
    let cpus = c.worker_cpus().unwrap();
    assert_eq!(cpus.len(), c.num_threads());
    assert!(cpus.iter().all(|&x| c.topology().is_allowed(x)));
}

// ---- Fork/join regions on the context's own team ----------------------

fn ctx_with(threads: usize, spin: std::time::Duration) -> Context {
    Context::builder()
        .ignore_env()
        .threads(threads)
        .spin(spin)
        .build()
        .unwrap()
}

/// The thread each task ran on, checking each task ran exactly once.
fn task_threads(ctx: &Context, n: usize) -> Vec<std::thread::ThreadId> {
    use std::sync::Mutex;
    let ran: Vec<Mutex<Vec<std::thread::ThreadId>>> = (0..n).map(|_| Mutex::default()).collect();
    ctx.run_parallel(n, |i| ran[i].lock().unwrap().push(std::thread::current().id()));
    ran.into_iter()
        .enumerate()
        .map(|(i, m)| {
            let v = m.into_inner().unwrap();
            assert_eq!(v.len(), 1, "task {i} ran {} times", v.len());
            v[0]
        })
        .collect()
}

#[test]
fn every_task_runs_once_on_a_static_partition() {
    let me = std::thread::current().id();
    for spin in [std::time::Duration::ZERO, lowp::threading::DEFAULT_SPIN] {
        for threads in [2, 3, 4] {
            let ctx = ctx_with(threads, spin);
            for n in [0, 1, 2, 3, 5, 8, 17, 64] {
                let ids = task_threads(&ctx, n);
                let parts = threads.min(n);
                // Task i on participant i mod P; the caller is participant 0.
                for (i, id) in ids.iter().enumerate() {
                    assert_eq!(*id, ids[i % parts], "{threads} threads, {n} tasks, task {i}");
                }
                let distinct: BTreeSet<String> = ids.iter().map(|id| format!("{id:?}")).collect();
                assert_eq!(distinct.len(), parts, "{threads} threads, {n} tasks");
                if n > 0 {
                    assert_eq!(ids[0], me, "the caller runs task 0");
                }
            }
        }
    }
}

/// Many short regions with workers that sleep at once (every region needs a
/// wake-up) and with a short spin (wake-ups race with the spin's end): a
/// lost wake-up would hang here.
#[test]
fn back_to_back_regions_lose_no_wake_up() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    for spin_us in [0, 1, 20] {
        let ctx = ctx_with(3, std::time::Duration::from_micros(spin_us));
        let sum = AtomicUsize::new(0);
        for r in 0..3000 {
            ctx.run_parallel(3, |i| {
                sum.fetch_add(i + 1, Ordering::Relaxed);
            });
            if r % 500 == 0 {
                std::thread::sleep(std::time::Duration::from_micros(300)); // let workers park
            }
        }
        assert_eq!(sum.into_inner(), 3000 * 6, "spin {spin_us} µs");
    }
}

#[test]
fn nested_regions_run_inline_without_deadlock() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let ctx = ctx_with(2, lowp::threading::DEFAULT_SPIN);
    let other = ctx_with(2, std::time::Duration::ZERO);
    let count = AtomicUsize::new(0);
    ctx.run_parallel(4, |_| {
        let outer = std::thread::current().id();
        ctx.run_parallel(5, |_| {
            // Same context, from inside its own region: inline, in this thread.
            assert_eq!(std::thread::current().id(), outer);
            count.fetch_add(1, Ordering::Relaxed);
        });
        other.run_parallel(3, |_| {
            count.fetch_add(100, Ordering::Relaxed);
        });
    });
    assert_eq!(count.into_inner(), 4 * (5 + 300));
}

#[test]
fn several_callers_share_one_context() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let ctx = ctx_with(2, std::time::Duration::from_micros(5));
    let total = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..500 {
                    let local = AtomicUsize::new(0);
                    ctx.run_parallel(7, |i| {
                        local.fetch_add(i, Ordering::Relaxed);
                    });
                    assert_eq!(local.into_inner(), 21);
                    total.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
    });
    assert_eq!(total.into_inner(), 2000);
}

#[test]
fn a_panicking_task_reaches_the_caller_and_the_team_survives() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let ctx = ctx_with(3, lowp::threading::DEFAULT_SPIN);
    for bad in [0, 1, 2, 7] {
        let ran = AtomicUsize::new(0);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ctx.run_parallel(9, |i| {
                ran.fetch_add(1, Ordering::Relaxed);
                if i == bad {
                    panic!("task {i} fails");
                }
            })
        }));
        let msg = r.unwrap_err().downcast::<String>().unwrap();
        assert_eq!(*msg, format!("task {bad} fails"));
        assert!(ran.into_inner() >= 1);
        assert_eq!(task_threads(&ctx, 9).len(), 9, "the team still runs regions");
    }
}

#[test]
fn sized_regions_use_only_the_threads_the_work_pays_for() {
    let ctx = ctx_with(2, lowp::threading::DEFAULT_SPIN);
    let me = std::thread::current().id();
    let on = |work_s: f64| {
        let ids = std::sync::Mutex::new(BTreeSet::new());
        ctx.run_parallel_sized(8, work_s, |_| {
            ids.lock()
                .unwrap()
                .insert(format!("{:?}", std::thread::current().id()));
        });
        ids.into_inner().unwrap()
    };
    // A microsecond of work: not worth a fork/join.
    assert_eq!(on(1e-6), BTreeSet::from([format!("{me:?}")]));
    // A second of work: both threads.
    assert_eq!(on(1.0).len(), 2);
}

#[test]
fn spin_setting_and_its_environment_variable() {
    use lowp::threading::{parse_spin_us, DEFAULT_SPIN, MAX_SPIN};
    use std::time::Duration;
    assert_eq!(parse_spin_us("0").unwrap(), Some(Duration::ZERO));
    assert_eq!(parse_spin_us("1000000").unwrap(), Some(MAX_SPIN));
    for bad in ["1000001", "-1", "1.5", "lots"] {
        let e = parse_spin_us(bad).unwrap_err();
        assert!(
            matches!(
                e,
                Error::InvalidParameter {
                    arg: "LOWP_SPIN_US",
                    ..
                }
            ),
            "{e}"
        );
    }
    assert_eq!(
        Context::builder().ignore_env().build().unwrap().spin(),
        DEFAULT_SPIN
    );
    let c = Context::builder()
        .ignore_env()
        .spin(Duration::from_secs(9))
        .build()
        .unwrap();
    assert_eq!(c.spin(), MAX_SPIN);
}

#[test]
fn contexts_come_and_go_while_their_workers_spin_or_sleep() {
    for i in 0..40 {
        let spin = std::time::Duration::from_micros(if i % 2 == 0 { 0 } else { 200 });
        let ctx = ctx_with(2 + i % 3, spin);
        assert_eq!(task_threads(&ctx, 6).len(), 6);
        drop(ctx.clone());
    }
}

#[test]
fn a_borrowed_rayon_pool_still_runs_every_task() {
    let pool = std::sync::Arc::new(rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap());
    let ctx = Context::builder().ignore_env().pool(pool).build().unwrap();
    assert_eq!(task_threads(&ctx, 50).len(), 50);
}

/// The team's static partition, its inline fallbacks (a concurrent caller,
/// a nested call) and a borrowed rayon pool all give one thread's bits.
#[test]
fn every_way_of_running_a_region_gives_the_same_bits() {
    use lowp::{sgemm, MatMut, MatRef};
    let (m, n, k) = (150, 200, 260);
    let a: Vec<f32> = (0..m * k)
        .map(|i| ((i * 7919) % 1000) as f32 / 999.0 - 0.5)
        .collect();
    let b: Vec<f32> = (0..k * n)
        .map(|i| ((i * 104729) % 997) as f32 / 996.0 - 0.5)
        .collect();
    let run = |ctx: &Context| {
        let mut c = vec![0.0f32; m * n];
        let (av, bv) = (
            MatRef::row_major(&a, m, k).unwrap(),
            MatRef::row_major(&b, k, n).unwrap(),
        );
        sgemm(ctx, 1.0, av, bv, 0.0, MatMut::row_major(&mut c, m, n).unwrap()).unwrap();
        c.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()
    };
    let one = run(&ctx_with(1, std::time::Duration::ZERO));
    for threads in [2, 3] {
        for spin in [std::time::Duration::ZERO, lowp::threading::DEFAULT_SPIN] {
            assert_eq!(
                run(&ctx_with(threads, spin)),
                one,
                "{threads} threads, spin {spin:?}"
            );
        }
    }
    let pool = std::sync::Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let borrowed = Context::builder().ignore_env().pool(pool).build().unwrap();
    assert_eq!(run(&borrowed), one, "borrowed rayon pool");
    // Three callers at once on one two-thread team: one gets the team, the
    // others run inline.
    let shared = ctx_with(2, lowp::threading::DEFAULT_SPIN);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..3).map(|_| s.spawn(|| run(&shared))).collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), one, "concurrent caller");
        }
    });
    // Nested: inside a region of another context, the call runs inline.
    let outer = ctx_with(2, std::time::Duration::ZERO);
    let nested = std::sync::Mutex::new(Vec::new());
    outer.run_parallel(2, |_| {
        let r = run(&shared);
        nested.lock().unwrap().push(r);
    });
    for r in nested.into_inner().unwrap() {
        assert_eq!(r, one, "nested call");
    }
}
