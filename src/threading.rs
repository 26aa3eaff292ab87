//! Threads: how many, on which CPUs, and the rayon pool that runs them.
//!
//! A [`ThreadPlan`] turns a [`Topology`], a thread count, an [`Affinity`]
//! and a [`NumaHint`] into one CPU per worker; [`ThreadPlan::build_pool`]
//! builds a rayon pool whose workers pin themselves there
//! (`sched_setaffinity`, Linux only). [`split_cores`] cuts the cores into
//! disjoint sets for multi-instance serving (see `Context::instances`).
//!
//! ```
//! use lowp::threading::{Affinity, NumaHint, ThreadPlan};
//! use lowp::topology::Topology;
//! // A 4-CPU machine about which nothing else is known.
//! let topo = Topology::flat(&[0, 1, 2, 3])?;
//! let plan = ThreadPlan::new(&topo, Some(2), &Affinity::Scatter, &NumaHint::Any)?;
//! assert_eq!(plan.threads(), 2);
//! assert_eq!(plan.worker_cpus(), Some(&[0, 1][..]));
//! # Ok::<(), lowp::Error>(())
//! ```

pub(crate) mod cost;
pub(crate) mod os;
#[cfg(test)]
mod placement_tests;

pub use os::DEBUG_WORKER_ON_CALLER_CPU_ENV;

use crate::error::{Error, Result};
use crate::topology::{format_cpu_list, parse_cpu_list, Topology};
use lowp_kernels::team::Team;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The environment variable that sets the default thread count.
pub const NUM_THREADS_ENV: &str = "LOWP_NUM_THREADS";

/// Where worker threads run.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Affinity {
    /// No pinning: the OS places the workers (unless a [`NumaHint::Node`] is given).
    #[default]
    None,
    /// Pack the workers: the first thread of each physical core, package by
    /// package (node by node) in CPU order; SMT siblings only once every
    /// allowed physical core has a worker.
    Compact,
    /// Spread the workers: round-robin over the (NUMA node, package) domains,
    /// first threads of physical cores before SMT siblings.
    Scatter,
    /// Exactly these CPUs, in this order (worker `i` on entry `i` modulo the
    /// length). Each must be online and in the process affinity mask.
    Cores(Vec<usize>),
}

impl fmt::Display for Affinity {
    /// `none`, `compact`, `scatter` or `cores:0-3,8` (the form [`FromStr`] reads).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Affinity::None => f.write_str("none"),
            Affinity::Compact => f.write_str("compact"),
            Affinity::Scatter => f.write_str("scatter"),
            Affinity::Cores(c) => {
                // Keep the given order when it is not ascending.
                let sorted = c.windows(2).all(|w| w[0] < w[1]);
                if sorted {
                    write!(f, "cores:{}", format_cpu_list(c))
                } else {
                    let items: Vec<String> = c.iter().map(|x| x.to_string()).collect();
                    write!(f, "cores:{}", items.join(","))
                }
            }
        }
    }
}

impl FromStr for Affinity {
    type Err = Error;
    /// Reads `none`, `compact`, `scatter` or `cores:LIST` (a CPU list such as
    /// `0-3,8`; the order of single items is kept). `Err` names `affinity`.
    fn from_str(s: &str) -> Result<Affinity> {
        let t = s.trim();
        match t.to_ascii_lowercase().as_str() {
            "none" => Ok(Affinity::None),
            "compact" => Ok(Affinity::Compact),
            "scatter" => Ok(Affinity::Scatter),
            _ => match t.split_once(':') {
                Some((k, list)) if k.trim().eq_ignore_ascii_case("cores") => {
                    let mut cpus = Vec::new();
                    for item in list.split(',') {
                        cpus.extend(parse_cpu_list("affinity", item)?);
                    }
                    if cpus.is_empty() {
                        return Err(Error::param("affinity", format!("{s:?} lists no CPU")));
                    }
                    Ok(Affinity::Cores(cpus))
                }
                _ => Err(Error::param(
                    "affinity",
                    format!("{s:?} is not none, compact, scatter or cores:LIST"),
                )),
            },
        }
    }
}

/// The environment variable that sets how long idle workers spin before
/// sleeping, in microseconds (like `KMP_BLOCKTIME`); see [`DEFAULT_SPIN`].
pub const SPIN_ENV: &str = "LOWP_SPIN_US";

/// How long a worker of a context's own pool spins, after each parallel
/// region, waiting for the next one before it sleeps (and how long a caller
/// spins waiting for the workers to finish). A region that starts within
/// this window needs no wake-up system call. The price: each idle worker
/// burns up to this much CPU after every parallel call — at most
/// `(threads - 1)` × 100 µs per call, nothing once the caller goes quiet. A
/// spin that loses its CPU (more runnable threads than cores) parks at once,
/// so an oversubscribed machine pays little for it. `0` sleeps at once (`OMP_WAIT_POLICY=passive`). Measured
/// figures: `docs/tuning.md`, section Threads.
pub const DEFAULT_SPIN: Duration = Duration::from_micros(100);

/// The longest spin accepted (one second).
pub const MAX_SPIN: Duration = Duration::from_secs(1);

/// Parses a `LOWP_SPIN_US` value: empty or blank means unset (`None`),
/// otherwise whole microseconds from 0 to 1,000,000. `Err` names `LOWP_SPIN_US`.
///
/// ```
/// use lowp::threading::parse_spin_us;
/// use std::time::Duration;
/// assert_eq!(parse_spin_us(" 50 ")?, Some(Duration::from_micros(50)));
/// assert_eq!(parse_spin_us("")?, None);
/// assert!(parse_spin_us("-1").is_err());
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn parse_spin_us(raw: &str) -> Result<Option<Duration>> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<u64>().map(Duration::from_micros) {
        Ok(d) if d <= MAX_SPIN => Ok(Some(d)),
        _ => Err(Error::param(
            SPIN_ENV,
            format!(
                "{raw:?} is not a spin time (whole microseconds from 0 to {})",
                MAX_SPIN.as_micros()
            ),
        )),
    }
}

/// Reads `LOWP_SPIN_US` ([`parse_spin_us`]); `None` when unset.
pub fn env_spin() -> Result<Option<Duration>> {
    match std::env::var(SPIN_ENV) {
        Ok(v) => parse_spin_us(&v),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(v)) => Err(Error::param(
            SPIN_ENV,
            format!("{v:?} is not a spin time (whole microseconds)"),
        )),
    }
}

/// Which NUMA node the workers run on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum NumaHint {
    /// Any node.
    #[default]
    Any,
    /// Only this node's CPUs: the workers are pinned there (compactly, unless
    /// the [`Affinity`] says otherwise), so buffers they first touch live there.
    Node(usize),
}

impl fmt::Display for NumaHint {
    /// `any` or `node:N` (the form [`FromStr`] reads).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NumaHint::Any => f.write_str("any"),
            NumaHint::Node(n) => write!(f, "node:{n}"),
        }
    }
}

impl FromStr for NumaHint {
    type Err = Error;
    /// Reads `any` or `node:N` (or a bare `N`). `Err` names `numa`.
    fn from_str(s: &str) -> Result<NumaHint> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("any") {
            return Ok(NumaHint::Any);
        }
        let num = match t.split_once(':') {
            Some((k, n)) if k.trim().eq_ignore_ascii_case("node") => n.trim(),
            Some(_) => "",
            None => t,
        };
        num.parse::<usize>()
            .map(NumaHint::Node)
            .map_err(|_| Error::param("numa", format!("{s:?} is not any or node:N")))
    }
}

/// Parses a `LOWP_NUM_THREADS` value: empty or blank means unset (`None`),
/// otherwise a whole number >= 1. `Err` names `LOWP_NUM_THREADS`.
///
/// ```
/// use lowp::threading::parse_num_threads;
/// assert_eq!(parse_num_threads(" 4 ")?, Some(4));
/// assert_eq!(parse_num_threads("")?, None);
/// assert!(parse_num_threads("0").is_err());
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn parse_num_threads(raw: &str) -> Result<Option<usize>> {
    let v = raw.trim();
    if v.is_empty() {
        return Ok(None);
    }
    match v.parse::<usize>() {
        Ok(n) if (1..=rayon::max_num_threads()).contains(&n) => Ok(Some(n)),
        _ => Err(Error::param(
            NUM_THREADS_ENV,
            format!(
                "{raw:?} is not a thread count (a whole number from 1 to {})",
                rayon::max_num_threads()
            ),
        )),
    }
}

/// Reads `LOWP_NUM_THREADS` ([`parse_num_threads`]); `None` when unset.
pub fn env_num_threads() -> Result<Option<usize>> {
    match std::env::var(NUM_THREADS_ENV) {
        Ok(v) => parse_num_threads(&v),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(v)) => Err(Error::param(
            NUM_THREADS_ENV,
            format!("{v:?} is not a thread count (a whole number >= 1)"),
        )),
    }
}

/// The number of threads and, when pinned, the CPU of each worker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadPlan {
    threads: usize,
    cpus: Option<Vec<usize>>,
}

impl ThreadPlan {
    /// Plans `threads` workers (`None`: one per allowed physical core — of
    /// the node when `numa` names one — or one per CPU of
    /// [`Affinity::Cores`]) on `topo`.
    ///
    /// Workers are pinned, one CPU each, unless `affinity` is
    /// [`Affinity::None`] and `numa` is [`NumaHint::Any`]. With more workers
    /// than candidate CPUs the assignment wraps around.
    ///
    /// `Err(InvalidParameter)` naming `threads` for 0, `numa` for a node that
    /// does not exist or has no allowed CPU, `affinity` for an empty,
    /// duplicated, offline, disallowed or off-node CPU in a core list.
    pub fn new(
        topo: &Topology,
        threads: Option<usize>,
        affinity: &Affinity,
        numa: &NumaHint,
    ) -> Result<Self> {
        if threads == Some(0) {
            return Err(Error::param("threads", "the thread count must be at least 1"));
        }
        let candidates = candidates(topo, numa)?;
        let order: Option<Vec<usize>> = match (affinity, numa) {
            (Affinity::None, NumaHint::Any) => None,
            (Affinity::None | Affinity::Compact, _) => Some(compact_order(topo, &candidates)),
            (Affinity::Scatter, _) => Some(scatter_order(topo, &candidates)),
            (Affinity::Cores(list), _) => Some(check_cores(topo, list, numa, &candidates)?),
        };
        let threads = match (threads, affinity) {
            (Some(n), _) => n,
            (None, Affinity::Cores(list)) => list.len(),
            (None, _) => topo.first_threads(&candidates).len().max(1),
        };
        let cpus = order.map(|o| (0..threads).map(|i| o[i % o.len()]).collect());
        Ok(ThreadPlan { threads, cpus })
    }

    /// Number of workers.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// The CPU of each worker (`[i]` for worker `i`), `None` when unpinned.
    pub fn worker_cpus(&self) -> Option<&[usize]> {
        self.cpus.as_deref()
    }

    /// Builds lowp's own fork/join team for this plan (what a context runs
    /// its parallel regions on): unpinned, `threads - 1` workers and the
    /// calling thread as the first participant; pinned, one worker per
    /// planned CPU (worker `i` on CPU `i`) and the caller only waits.
    /// Idle workers spin for `spin` before sleeping.
    /// `Err(Error::Threading)` when a worker cannot be spawned or pinned.
    pub(crate) fn build_team(&self, spin: Duration) -> Result<Team> {
        let fail = |msg: String| Error::Threading {
            msg: format!("could not start a team of {} threads: {msg}", self.threads),
        };
        match self.cpus.clone() {
            None => {
                // Debug: every worker starts on this thread's CPU (see the knob).
                let on_caller = os::debug_worker_on_caller_cpu()
                    .then(|| os::current_cpu().zip(os::affinity()))
                    .flatten();
                let start = move |_| match &on_caller {
                    Some((cpu, mask)) => os::start_on_cpu_then_widen(*cpu, mask.clone()),
                    None => Ok(()),
                };
                Team::spawn(self.threads - 1, true, spin, start, Some(os::PLACEMENT)).map_err(fail)
            }
            Some(cpus) => Team::spawn(
                self.threads,
                false,
                spin,
                move |i| {
                    let cpu = cpus[i];
                    os::set_affinity(&[cpu]).map_err(|e| format!("worker {i} on CPU {cpu}: {e}"))
                },
                None,
            )
            .map_err(fail),
        }
    }

    /// Builds a rayon pool of [`ThreadPlan::threads`] workers named
    /// `lowp-worker-{i}`; when the plan is pinned, worker `i`'s start handler
    /// pins it to its CPU, and the call returns only once every worker has.
    /// `Err(Error::Threading)` when the pool cannot be built or a worker
    /// cannot be pinned (e.g. not Linux, or the CPU left the cpuset).
    pub fn build_pool(&self) -> Result<rayon::ThreadPool> {
        let n = self.threads;
        let errors: Arc<Mutex<Vec<String>>> = Arc::default();
        let mut builder = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .thread_name(|i| format!("lowp-worker-{i}"));
        if let Some(cpus) = self.cpus.clone() {
            let errs = Arc::clone(&errors);
            builder = builder.start_handler(move |i| {
                let Some(&cpu) = cpus.get(i) else { return };
                if let Err(e) = os::set_affinity(&[cpu]) {
                    errs.lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(format!("worker {i} on CPU {cpu}: {e}"));
                }
            });
        }
        let pool = builder.build().map_err(|e| Error::Threading {
            msg: format!("could not build a pool of {n} threads: {e}"),
        })?;
        if self.cpus.is_some() {
            // Every worker runs its start handler before any job, so once each
            // has run this broadcast, every pinning has happened.
            pool.broadcast(|_| ());
            let errs = errors.lock().unwrap_or_else(PoisonError::into_inner);
            if !errs.is_empty() {
                return Err(Error::Threading {
                    msg: format!("could not pin the pool's workers: {}", errs.join("; ")),
                });
            }
        }
        Ok(pool)
    }
}

/// Splits the cores into `n` disjoint sets of sizes differing by at most
/// one, contiguous in compact order (so a set straddles nodes or packages
/// only when it must): the allowed physical cores (of the node `numa` names),
/// or the CPUs of an [`Affinity::Cores`] list. Other affinities are ignored.
///
/// `Err(InvalidParameter)` naming `instances` when `n` is 0 or exceeds the
/// cores, or the errors of [`ThreadPlan::new`] for `numa` and `affinity`.
pub fn split_cores(
    topo: &Topology,
    n: usize,
    affinity: &Affinity,
    numa: &NumaHint,
) -> Result<Vec<Vec<usize>>> {
    let candidates = candidates(topo, numa)?;
    let cores = match affinity {
        Affinity::Cores(list) => check_cores(topo, list, numa, &candidates)?,
        _ => compact_order(topo, &topo.first_threads(&candidates)),
    };
    if n == 0 {
        return Err(Error::param(
            "instances",
            "the number of instances must be at least 1",
        ));
    }
    if n > cores.len() {
        return Err(Error::param(
            "instances",
            format!(
                "{n} instances need {n} cores but only {} are available (CPUs {})",
                cores.len(),
                format_cpu_list(&cores)
            ),
        ));
    }
    let (base, extra) = (cores.len() / n, cores.len() % n);
    let mut sets = Vec::with_capacity(n);
    let mut rest = cores.as_slice();
    for i in 0..n {
        let (set, tail) = rest.split_at(base + usize::from(i < extra));
        sets.push(set.to_vec());
        rest = tail;
    }
    Ok(sets)
}

/// Pins the calling thread to `cpus` (`sched_setaffinity`).
/// `Err(InvalidParameter)` naming `cpus` for an empty list;
/// `Err(Error::Threading)` when the OS refuses or this is not Linux.
pub fn pin_current_thread(cpus: &[usize]) -> Result<()> {
    if cpus.is_empty() {
        return Err(Error::param("cpus", "cannot pin a thread to an empty CPU set"));
    }
    os::set_affinity(cpus).map_err(|e| Error::Threading {
        msg: format!("could not pin the thread to CPUs {}: {e}", format_cpu_list(cpus)),
    })
}

/// The CPU the calling thread is running on (`sched_getcpu`); `None` where
/// unknown (not Linux).
pub fn current_cpu() -> Option<usize> {
    os::current_cpu()
}

/// The calling thread's affinity mask (`sched_getaffinity`), ascending;
/// `None` where unknown (not Linux).
pub fn current_affinity() -> Option<Vec<usize>> {
    os::affinity()
}

/// The allowed CPUs, restricted to the node `numa` names.
fn candidates(topo: &Topology, numa: &NumaHint) -> Result<Vec<usize>> {
    match *numa {
        NumaHint::Any => Ok(topo.allowed_cpus().to_vec()),
        NumaHint::Node(n) => {
            let Some(node_cpus) = topo.cpus_of_node(n) else {
                let ids: Vec<usize> = topo.nodes().iter().map(|x| x.id).collect();
                return Err(Error::param(
                    "numa",
                    format!("NUMA node {n} does not exist (nodes: {})", format_cpu_list(&ids)),
                ));
            };
            let c: Vec<usize> = node_cpus
                .iter()
                .copied()
                .filter(|&c| topo.is_allowed(c))
                .collect();
            if c.is_empty() {
                return Err(Error::param(
                    "numa",
                    format!(
                        "NUMA node {n} has no CPU this process may run on (node CPUs: {}, allowed: {})",
                        format_cpu_list(node_cpus),
                        format_cpu_list(topo.allowed_cpus())
                    ),
                ));
            }
            Ok(c)
        }
    }
}

/// Candidates ordered first threads of cores before siblings, then by
/// (node, package, CPU).
fn compact_order(topo: &Topology, candidates: &[usize]) -> Vec<usize> {
    let set: BTreeSet<usize> = candidates.iter().copied().collect();
    let mut v: Vec<(usize, usize, usize, usize)> = set
        .iter()
        .map(|&c| {
            let (node, pkg) = topo.cpu(c).map(|i| (i.node, i.package_id)).unwrap_or((0, 0));
            (topo.smt_rank(c, &set), node, pkg, c)
        })
        .collect();
    v.sort_unstable();
    v.into_iter().map(|t| t.3).collect()
}

/// Candidates round-robin over (node, package) domains, first threads of
/// cores before siblings.
fn scatter_order(topo: &Topology, candidates: &[usize]) -> Vec<usize> {
    let set: BTreeSet<usize> = candidates.iter().copied().collect();
    let mut by_rank: BTreeMap<usize, BTreeMap<(usize, usize), Vec<usize>>> = BTreeMap::new();
    for &c in &set {
        let (node, pkg) = topo.cpu(c).map(|i| (i.node, i.package_id)).unwrap_or((0, 0));
        by_rank
            .entry(topo.smt_rank(c, &set))
            .or_default()
            .entry((node, pkg))
            .or_default()
            .push(c);
    }
    let mut out = Vec::with_capacity(set.len());
    for domains in by_rank.into_values() {
        let lists: Vec<Vec<usize>> = domains.into_values().collect();
        let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
        for i in 0..longest {
            out.extend(lists.iter().filter_map(|l| l.get(i)));
        }
    }
    out
}

/// Validates an explicit core list against the machine, the affinity mask and the node.
fn check_cores(topo: &Topology, list: &[usize], numa: &NumaHint, candidates: &[usize]) -> Result<Vec<usize>> {
    if list.is_empty() {
        return Err(Error::param("affinity", "Affinity::Cores needs at least one CPU"));
    }
    let mut seen = BTreeSet::new();
    for &c in list {
        if !seen.insert(c) {
            return Err(Error::param(
                "affinity",
                format!("Affinity::Cores lists CPU {c} twice"),
            ));
        }
        if topo.cpu(c).is_none() {
            return Err(Error::param(
                "affinity",
                format!(
                    "CPU {c} in Affinity::Cores is not an online CPU (online: {})",
                    format_cpu_list(&topo.online_cpus())
                ),
            ));
        }
        if !topo.is_allowed(c) {
            return Err(Error::param(
                "affinity",
                format!(
                    "CPU {c} in Affinity::Cores is outside the process affinity mask (allowed: {})",
                    format_cpu_list(topo.allowed_cpus())
                ),
            ));
        }
        if let NumaHint::Node(n) = numa {
            if !candidates.contains(&c) {
                return Err(Error::param(
                    "affinity",
                    format!(
                        "CPU {c} in Affinity::Cores is not on NUMA node {n} (its allowed CPUs: {})",
                        format_cpu_list(candidates)
                    ),
                ));
            }
        }
    }
    Ok(list.to_vec())
}
