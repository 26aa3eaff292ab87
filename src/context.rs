//! `Context`: the ISA level and its kernel table, the threads, and the cache
//! sizes used for blocking. Cheap to clone (an `Arc`).

use crate::dispatch::Kernels;
use crate::error::{Error, Result};
use crate::isa::{env_max_isa, Isa, IsaChoice};
use std::sync::Arc;

/// Cache sizes used to derive block sizes, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheSizes {
    /// L1 data cache per core.
    pub l1d: usize,
    /// L2 per core.
    pub l2: usize,
    /// L3 visible to this CPU (the slice shared by its core complex).
    pub l3: usize,
}

impl Default for CacheSizes {
    /// Conservative sizes for when nothing can be read: 32 KiB, 1 MiB, 8 MiB.
    fn default() -> Self {
        CacheSizes {
            l1d: 32 << 10,
            l2: 1 << 20,
            l3: 8 << 20,
        }
    }
}

/// How work is spread over threads.
#[derive(Debug)]
enum Pool {
    /// Everything runs on the calling thread.
    Inline,
    /// A pool this context built (and owns, shared among its clones).
    Owned(rayon::ThreadPool),
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
/// (`LOWP_MAX_ISA`, `LOWP_NUM_THREADS`) and then from the machine.
#[derive(Debug, Default)]
pub struct ContextBuilder {
    max_isa: Option<Isa>,
    threads: Option<usize>,
    pool: Option<Arc<rayon::ThreadPool>>,
    caches: Option<CacheSizes>,
    ignore_env: bool,
}

impl ContextBuilder {
    /// Caps the ISA level (like `ONEDNN_MAX_CPU_ISA`). A level this CPU cannot
    /// run makes [`ContextBuilder::build`] fail. Overrides `LOWP_MAX_ISA`.
    pub fn max_isa(mut self, isa: Isa) -> Self {
        self.max_isa = Some(isa);
        self
    }

    /// Number of worker threads (1 = run on the calling thread). Overrides
    /// `LOWP_NUM_THREADS`.
    pub fn threads(mut self, n: usize) -> Self {
        self.threads = Some(n);
        self
    }

    /// Runs parallel work on the caller's own rayon pool instead of one
    /// lowp builds; the thread count is the pool's.
    pub fn pool(mut self, pool: Arc<rayon::ThreadPool>) -> Self {
        self.pool = Some(pool);
        self
    }

    /// Overrides the cache sizes used for blocking (tests, tuning).
    pub fn cache_sizes(mut self, caches: CacheSizes) -> Self {
        self.caches = Some(caches);
        self
    }

    /// Ignores `LOWP_MAX_ISA` and `LOWP_NUM_THREADS`.
    pub fn ignore_env(mut self) -> Self {
        self.ignore_env = true;
        self
    }

    /// Builds the context: detects (cached) features, applies caps, builds the pool.
    pub fn build(self) -> Result<Context> {
        let (isa, isa_choice) = match (self.max_isa, self.ignore_env) {
            (Some(cap), _) => (Isa::best_up_to(cap)?, IsaChoice::Builder),
            (None, false) => match env_max_isa()? {
                Some((cap, raw)) => (Isa::best_up_to(cap).map_err(prefix_env)?, IsaChoice::Env(raw)),
                None => (Isa::best(), IsaChoice::Best),
            },
            (None, true) => (Isa::best(), IsaChoice::Best),
        };
        let caches = self.caches.unwrap_or_else(detect_caches);
        let (n_threads, pool) = match self.pool {
            Some(p) => (p.current_num_threads().max(1), Pool::Borrowed(p)),
            None => {
                let n = match self.threads {
                    Some(0) => return Err(Error::param("threads", "the thread count must be at least 1")),
                    Some(n) => n,
                    None if !self.ignore_env => env_threads()?.unwrap_or_else(default_threads),
                    None => default_threads(),
                };
                if n == 1 {
                    (1, Pool::Inline)
                } else {
                    let pool = rayon::ThreadPoolBuilder::new()
                        .num_threads(n)
                        .thread_name(|i| format!("lowp-worker-{i}"))
                        .build()
                        .map_err(|e| Error::Threading {
                            msg: format!("could not build a pool of {n} threads: {e}"),
                        })?;
                    (n, Pool::Owned(pool))
                }
            }
        };
        Ok(Context {
            inner: Arc::new(Inner {
                isa,
                isa_choice,
                kernels: Kernels::for_isa(isa),
                n_threads,
                pool,
                caches,
            }),
        })
    }
}

fn prefix_env(e: Error) -> Error {
    match e {
        Error::UnsupportedIsa { msg } => Error::UnsupportedIsa {
            msg: format!("LOWP_MAX_ISA: {msg}"),
        },
        e => e,
    }
}

fn env_threads() -> Result<Option<usize>> {
    match std::env::var("LOWP_NUM_THREADS") {
        Ok(v) if !v.trim().is_empty() => match v.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(Some(n)),
            _ => Err(Error::param(
                "LOWP_NUM_THREADS",
                format!("{v:?} is not a thread count (a whole number >= 1)"),
            )),
        },
        _ => Ok(None),
    }
}

fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

fn detect_caches() -> CacheSizes {
    CacheSizes::default()
}

impl Context {
    /// A builder; see [`ContextBuilder`].
    pub fn builder() -> ContextBuilder {
        ContextBuilder::default()
    }

    /// The context the environment describes. `Err` (naming the variable)
    /// for an unknown or unavailable `LOWP_MAX_ISA` or a bad `LOWP_NUM_THREADS`.
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

    /// Runs `f(i)` for every `i` in `0..n_tasks`, spread over the context's
    /// threads; inline on the calling thread when there is one task or one thread.
    pub fn run_parallel<F>(&self, n_tasks: usize, f: F)
    where
        F: Fn(usize) + Sync + Send,
    {
        use rayon::prelude::*;
        let pool = match &self.inner.pool {
            _ if n_tasks <= 1 || self.inner.n_threads <= 1 => None,
            Pool::Inline => None,
            Pool::Owned(p) => Some(p),
            Pool::Borrowed(p) => Some(&**p),
        };
        match pool {
            None => (0..n_tasks).for_each(f),
            Some(p) => p.install(|| (0..n_tasks).into_par_iter().for_each(f)),
        }
    }
}

impl Default for Context {
    /// [`Context::from_env`]; if the environment is invalid, says so on
    /// stderr and uses the best level with the default threads instead.
    fn default() -> Self {
        Context::from_env().unwrap_or_else(|e| {
            eprintln!("lowp: {e}; ignoring the environment");
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
