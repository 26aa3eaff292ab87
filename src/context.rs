//! `Context`: the ISA level and its kernel table, the threads, and the cache
//! sizes used for blocking. Cheap to clone (an `Arc`).

use crate::dispatch::Kernels;
use crate::error::{Error, Result};
use crate::isa::{env_max_isa, Isa, IsaChoice};
use crate::threading::{self, cost, Affinity, NumaHint, ThreadPlan};
use crate::topology::Topology;
use lowp_kernels::team::Team;
use std::sync::Arc;
use std::time::Duration;

pub use crate::topology::CacheSizes;

/// How work is spread over threads.
#[derive(Debug)]
enum Pool {
    /// Everything runs on the calling thread.
    Inline,
    /// lowp's own team of spinning workers (shared among the clones).
    Owned(Team),
    /// A pool the caller handed in.
    Borrowed(Arc<rayon::ThreadPool>),
}

#[derive(Debug)]
struct Inner {
    isa: Isa,
    isa_choice: IsaChoice,
    kernels: Kernels,
    n_threads: usize,
    pool: Pool,
    caches: CacheSizes,
    topology: Topology,
    affinity: Affinity,
    numa: NumaHint,
    worker_cpus: Option<Vec<usize>>,
    verbose: bool,
    spin: Duration,
}

/// The handle every lowp call takes: ISA level, kernel table, threads, caches.
///
/// ```
/// use lowp::Context;
/// let ctx = Context::builder().threads(1).build()?;
/// assert_eq!(ctx.num_threads(), 1);
/// assert!(lowp::Isa::available().contains(&ctx.isa()));
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Context {
    inner: Arc<Inner>,
}

/// Builds a [`Context`]. Unset fields come from the environment
/// (`LOWP_MAX_ISA`, `LOWP_NUM_THREADS`, `LOWP_SPIN_US`) and then from the machine.
#[derive(Clone, Debug, Default)]
pub struct ContextBuilder {
    max_isa: Option<Isa>,
    threads: Option<usize>,
    pool: Option<Arc<rayon::ThreadPool>>,
    caches: Option<CacheSizes>,
    ignore_env: bool,
    affinity: Option<Affinity>,
    numa: Option<NumaHint>,
    topology: Option<Topology>,
    verbose: bool,
    spin: Option<Duration>,
}

impl ContextBuilder {
    /// Caps the ISA level (like `ONEDNN_MAX_CPU_ISA`): the context runs the
    /// best level this CPU has that is not above `isa` (see
    /// [`Isa::best_up_to`]; `avx2vnni` on an AVX-512 CPU without AVX-VNNI
    /// gives `avx2`). Overrides `LOWP_MAX_ISA`.
    pub fn max_isa(mut self, isa: Isa) -> Self {
        self.max_isa = Some(isa);
        self
    }

    /// Number of worker threads (1 = run on the calling thread). Overrides
    /// `LOWP_NUM_THREADS`. Default: one per physical core in the process
    /// affinity mask (of the [`NumaHint::Node`] if one is given), capped by
    /// a CPU quota (`std::thread::available_parallelism`) when the topology
    /// is detected, or one per CPU of an [`Affinity::Cores`] list.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = Some(n);
        self
    }

    /// Runs parallel work on the caller's own rayon pool instead of one
    /// lowp builds; the thread count is the pool's. Cannot be combined with
    /// an [`Affinity`] or [`NumaHint`] (lowp does not re-pin a borrowed pool).
    /// Regions then use rayon's work stealing, whose fork/join is slower than
    /// lowp's own team (see [`Context::run_parallel`]).
    pub fn pool(mut self, pool: Arc<rayon::ThreadPool>) -> Self {
        self.pool = Some(pool);
        self
    }

    /// Overrides the cache sizes used for blocking (tests, tuning). Default:
    /// from the topology, over the workers' CPUs.
    pub fn cache_sizes(mut self, caches: CacheSizes) -> Self {
        self.caches = Some(caches);
        self
    }

    /// Logs every call made with this context, one line each, as
    /// `LOWP_VERBOSE=1` does for every context (see [`crate::verbose`]).
    pub fn verbose(mut self, on: bool) -> Self {
        self.verbose = on;
        self
    }

    /// Ignores `LOWP_MAX_ISA`, `LOWP_NUM_THREADS` and `LOWP_SPIN_US`.
    pub fn ignore_env(mut self) -> Self {
        self.ignore_env = true;
        self
    }

    /// Pins the workers ([`Affinity::None`] by default: unpinned). See
    /// [`ThreadPlan::new`] for the placement rules.
    pub fn affinity(mut self, affinity: Affinity) -> Self {
        self.affinity = Some(affinity);
        self
    }

    /// Keeps the workers on one NUMA node (pinned there), so the buffers
    /// they first touch live there. [`NumaHint::Any`] by default.
    pub fn numa(mut self, numa: NumaHint) -> Self {
        self.numa = Some(numa);
        self
    }

    /// How long idle workers spin before they sleep (and the caller spins
    /// waiting for them), like `KMP_BLOCKTIME`: [`threading::DEFAULT_SPIN`]
    /// unless `LOWP_SPIN_US` says otherwise; `Duration::ZERO` sleeps at
    /// once. Capped at [`threading::MAX_SPIN`]. No effect on a borrowed
    /// rayon pool (rayon's own policy applies) or a one-thread context.
    pub fn spin(mut self, spin: Duration) -> Self {
        self.spin = Some(spin.min(threading::MAX_SPIN));
        self
    }

    /// Uses this topology instead of detecting the machine's (tests, or a
    /// deliberately restricted view via [`Topology::restrict`]).
    pub fn topology(mut self, topology: Topology) -> Self {
        self.topology = Some(topology);
        self
    }

    /// Builds the context: detects (cached) features, applies caps, plans
    /// the threads and builds (and pins) the pool.
    ///
    /// `Err` naming `threads`, `affinity` or `numa` for a bad thread count,
    /// core list or node (see [`ThreadPlan::new`]), or `pool` when a borrowed
    /// pool is combined with pinning; `Err(Error::Threading)` when the pool
    /// cannot be built or pinned.
    pub fn build(self) -> Result<Context> {
        let (isa, isa_choice) = match (self.max_isa, self.ignore_env) {
            (Some(cap), _) => (Isa::best_up_to(cap), IsaChoice::Builder),
            (None, false) => match env_max_isa()? {
                Some((cap, raw)) => (Isa::best_up_to(cap), IsaChoice::Env(raw)),
                None => (Isa::best(), IsaChoice::Best),
            },
            (None, true) => (Isa::best(), IsaChoice::Best),
        };
        let detected = self.topology.is_none();
        let topology = self.topology.unwrap_or_else(detect_topology);
        let affinity = self.affinity.unwrap_or_default();
        let numa = self.numa.unwrap_or_default();
        let spin = match (self.spin, self.ignore_env) {
            (Some(s), _) => s,
            (None, false) => threading::env_spin()?.unwrap_or(threading::DEFAULT_SPIN),
            (None, true) => threading::DEFAULT_SPIN,
        };
        let (n_threads, pool, worker_cpus) = match self.pool {
            Some(p) => {
                if affinity != Affinity::None || numa != NumaHint::Any {
                    return Err(Error::param(
                        "pool",
                        format!(
                            "a borrowed pool is not re-pinned: use affinity none and numa any \
                             with it (got affinity {affinity}, numa {numa})"
                        ),
                    ));
                }
                (p.current_num_threads().max(1), Pool::Borrowed(p), None)
            }
            None => {
                let threads = match self.threads {
                    Some(n) if n > rayon::max_num_threads() => {
                        return Err(Error::param(
                            "threads",
                            format!(
                                "{n} threads is more than rayon's maximum of {}",
                                rayon::max_num_threads()
                            ),
                        ))
                    }
                    Some(n) => Some(n),
                    None if !self.ignore_env => threading::env_num_threads()?,
                    None => None,
                };
                let mut plan = ThreadPlan::new(&topology, threads, &affinity, &numa)?;
                // A CPU quota (cgroup cpu.max, `docker --cpus`) is not in the
                // affinity mask; std's available_parallelism sees it. Cap the
                // default so a 2-CPU container on a 64-core host runs 2 workers.
                if threads.is_none() && detected && !matches!(affinity, Affinity::Cores(_)) {
                    let quota = std::thread::available_parallelism().map_or(usize::MAX, |n| n.get());
                    if plan.threads() > quota {
                        plan = ThreadPlan::new(&topology, Some(quota), &affinity, &numa)?;
                    }
                }
                let cpus = plan.worker_cpus().map(<[usize]>::to_vec);
                match plan.threads() {
                    1 => (1, Pool::Inline, cpus),
                    n => (n, Pool::Owned(plan.build_team(spin)?), cpus),
                }
            }
        };
        let caches = self.caches.unwrap_or_else(|| match &worker_cpus {
            Some(cpus) => topology.cache_sizes_of(cpus),
            None => topology.cache_sizes(),
        });
        Ok(Context {
            inner: Arc::new(Inner {
                isa,
                isa_choice,
                kernels: Kernels::for_isa(isa),
                n_threads,
                pool,
                caches,
                topology,
                affinity,
                numa,
                worker_cpus,
                verbose: self.verbose,
                spin,
            }),
        })
    }

    /// Builds `n` contexts on disjoint sets of cores, each pinned to its own
    /// set with one thread per core: the batch-1 serving recipe (one
    /// instance per request stream). The cores split are the allowed
    /// physical cores (of the [`NumaHint::Node`] if set), or the CPUs of an
    /// [`Affinity::Cores`] list; see [`threading::split_cores`]. The other
    /// settings (ISA cap, cache sizes, topology) apply to every instance;
    /// `LOWP_NUM_THREADS` does not.
    ///
    /// A one-core instance runs on the calling thread: call
    /// [`Context::pin_current_thread`] from the thread that serves it.
    ///
    /// `Err` naming `instances` when `n` is 0 or exceeds the cores, `threads`
    /// or `pool` if either was set (instances size and own their pools).
    pub fn instances(self, n: usize) -> Result<Vec<Context>> {
        if self.threads.is_some() {
            return Err(Error::param(
                "threads",
                "instances() gives each instance one thread per core of its share; do not set threads",
            ));
        }
        if self.pool.is_some() {
            return Err(Error::param(
                "pool",
                "instances() builds one pinned pool per instance; a borrowed pool cannot be split",
            ));
        }
        let topology = self.topology.clone().unwrap_or_else(detect_topology);
        let affinity = self.affinity.clone().unwrap_or_default();
        let numa = self.numa.unwrap_or_default();
        let sets = threading::split_cores(&topology, n, &affinity, &numa)?;
        sets.into_iter()
            .map(|set| {
                let mut b = self.clone();
                b.threads = Some(set.len());
                b.affinity = Some(Affinity::Cores(set));
                b.topology = Some(topology.clone());
                b.build()
            })
            .collect()
    }
}

/// The machine's topology; where sysfs cannot be read, a flat one over the
/// affinity mask (or `available_parallelism` CPUs).
fn detect_topology() -> Topology {
    Topology::detect().unwrap_or_else(|_| {
        let cpus = threading::current_affinity()
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| {
                let n = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
                (0..n).collect()
            });
        Topology::flat_nonempty(&cpus)
    })
}

impl Context {
    /// A builder; see [`ContextBuilder`].
    pub fn builder() -> ContextBuilder {
        ContextBuilder::default()
    }

    /// The context the environment describes. `Err` (naming the variable)
    /// for an unknown `LOWP_MAX_ISA` name or a bad `LOWP_NUM_THREADS`.
    pub fn from_env() -> Result<Context> {
        Context::builder().build()
    }

    /// The ISA level whose kernels this context runs.
    pub fn isa(&self) -> Isa {
        self.inner.isa
    }

    /// How the ISA level was chosen.
    pub fn isa_choice(&self) -> &IsaChoice {
        &self.inner.isa_choice
    }

    /// Whether this context logs every call ([`ContextBuilder::verbose`]).
    pub fn verbose(&self) -> bool {
        self.inner.verbose
    }

    /// The kernel table.
    pub fn kernels(&self) -> &Kernels {
        &self.inner.kernels
    }

    /// Worker threads parallel work is spread over (1 = calling thread only).
    pub fn num_threads(&self) -> usize {
        self.inner.n_threads
    }

    /// Cache sizes used for blocking.
    pub fn cache_sizes(&self) -> CacheSizes {
        self.inner.caches
    }

    /// The machine topology this context planned its threads on.
    pub fn topology(&self) -> &Topology {
        &self.inner.topology
    }

    /// The affinity the workers were placed with.
    pub fn affinity(&self) -> &Affinity {
        &self.inner.affinity
    }

    /// The NUMA hint the workers were placed with.
    pub fn numa(&self) -> NumaHint {
        self.inner.numa
    }

    /// The CPU each worker is pinned to (`[i]` for worker `i`), `None` when
    /// unpinned. A one-thread context runs on the calling thread, which lowp
    /// does not pin by itself: see [`Context::pin_current_thread`].
    pub fn worker_cpus(&self) -> Option<&[usize]> {
        self.inner.worker_cpus.as_deref()
    }

    /// Pins the calling thread to the CPUs of [`Context::worker_cpus`] (for
    /// a one-thread context: its single CPU), e.g. from the thread serving
    /// one of [`Context::instances`]. `Err` naming `affinity` when the
    /// context is unpinned; `Err(Error::Threading)` when the OS refuses.
    pub fn pin_current_thread(&self) -> Result<()> {
        match self.worker_cpus() {
            Some(cpus) => threading::pin_current_thread(cpus),
            None => Err(Error::param(
                "affinity",
                "this context is not pinned (affinity none, numa any): nothing to pin to",
            )),
        }
    }

    /// `n` contexts on disjoint sets of cores with the default settings:
    /// `Context::builder().instances(n)` (see [`ContextBuilder::instances`]).
    pub fn instances(n: usize) -> Result<Vec<Context>> {
        Context::builder().instances(n)
    }

    /// How long this context's idle workers spin before sleeping
    /// ([`ContextBuilder::spin`]).
    pub fn spin(&self) -> Duration {
        self.inner.spin
    }

    /// Runs `f(i)` for every `i` in `0..n_tasks`, spread over the context's
    /// threads, in one fork/join region; inline on the calling thread when
    /// there is one task or one thread.
    ///
    /// On the context's own pool the partition is static: with `P` =
    /// min(threads, tasks) participants, task `i` runs on participant
    /// `i mod P`, in increasing `i` (the calling thread is participant 0
    /// unless the workers are pinned). Called from inside a task, or while
    /// another thread's region holds the pool, it runs its tasks inline on
    /// the calling thread instead of waiting. A borrowed rayon pool
    /// ([`ContextBuilder::pool`]) runs the tasks with rayon's work stealing
    /// (slower to fork and join). A panic in a task reaches the caller
    /// once every task has stopped.
    pub fn run_parallel<F>(&self, n_tasks: usize, f: F)
    where
        F: Fn(usize) + Sync + Send,
    {
        self.run_on(n_tasks, usize::MAX, f);
    }

    /// [`Context::run_parallel`] for a call of about `work_s` seconds of
    /// one-thread work: on no more threads than the fork/join cost makes
    /// worth it (a model of the measured fork/join latency against the
    /// time saved), so more threads are never slower than fewer.
    pub fn run_parallel_sized<F>(&self, n_tasks: usize, work_s: f64, f: F)
    where
        F: Fn(usize) + Sync + Send,
    {
        let threads = cost::useful_threads(work_s, 1.0, self.fork_join_s(), self.inner.n_threads);
        self.run_on(n_tasks, threads, f);
    }

    /// How many threads an `m × n × k` GEMM whose A and B elements take
    /// `a_bytes` and `b_bytes` bytes deserves here: [`cost::useful_threads`]
    /// for its one-thread time ([`cost::gemm_serial_s`]), so a small product
    /// stays on fewer threads than a fork/join would cost. Results do not
    /// depend on it (the driver never splits K).
    pub(crate) fn gemm_threads(&self, m: usize, n: usize, k: usize, a_bytes: usize, b_bytes: usize) -> usize {
        let serial_s = cost::gemm_serial_s(self.inner.isa, [m, n, k], a_bytes, b_bytes);
        cost::useful_threads(serial_s, 1.0, self.fork_join_s(), self.inner.n_threads)
    }

    /// The modelled cost of a two-thread fork/join region here, in seconds.
    pub(crate) fn fork_join_s(&self) -> f64 {
        match &self.inner.pool {
            Pool::Owned(_) | Pool::Inline => cost::FORK_JOIN_TEAM_S,
            Pool::Borrowed(_) => cost::FORK_JOIN_RAYON_S,
        }
    }

    /// `f(i)` for `i` in `0..n_tasks` on at most `max_threads` threads.
    fn run_on<F>(&self, n_tasks: usize, max_threads: usize, f: F)
    where
        F: Fn(usize) + Sync + Send,
    {
        use rayon::prelude::*;
        if n_tasks <= 1 || self.inner.n_threads <= 1 || max_threads <= 1 {
            return (0..n_tasks).for_each(f);
        }
        match &self.inner.pool {
            Pool::Inline => (0..n_tasks).for_each(f),
            Pool::Owned(team) => team.run(n_tasks, max_threads, &f),
            Pool::Borrowed(p) => p.install(|| (0..n_tasks).into_par_iter().for_each(f)),
        }
    }
}

impl Default for Context {
    /// [`Context::from_env`]; if the environment is invalid, says so on
    /// stderr (once per process) and uses the best level with the default
    /// threads instead.
    fn default() -> Self {
        Context::from_env().unwrap_or_else(|e| {
            static WARNED: std::sync::Once = std::sync::Once::new();
            WARNED.call_once(|| eprintln!("lowp: {e}; ignoring the environment"));
            Context::builder().ignore_env().build().unwrap_or_else(|_| {
                Context::builder()
                    .ignore_env()
                    .threads(1)
                    .build()
                    .expect("inline context")
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (found writing the fuzz spec): a thread count above rayon's
    /// maximum used to build a smaller pool (or spawn 65,535 threads) while
    /// `num_threads()` reported the count asked for. Refused now, before any
    /// thread is spawned.
    #[test]
    fn thread_counts_above_rayons_maximum_are_refused() {
        for n in [rayon::max_num_threads() + 1, usize::MAX] {
            let e = Context::builder().ignore_env().threads(n).build().unwrap_err();
            assert!(matches!(e, Error::InvalidParameter { arg: "threads", .. }), "{e}");
            assert!(e.to_string().contains(&n.to_string()), "{e}");
        }
        let e = Context::builder().ignore_env().threads(0).build().unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { arg: "threads", .. }), "{e}");
        assert_eq!(
            Context::builder()
                .ignore_env()
                .threads(2)
                .build()
                .unwrap()
                .num_threads(),
            2
        );
    }
}
