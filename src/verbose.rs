//! Per-call log in the style of `ONEDNN_VERBOSE`: with `LOWP_VERBOSE=1` (or
//! [`ContextBuilder::verbose`](crate::ContextBuilder::verbose), or
//! [`set_enabled`]) every public GEMM call prints one line to stderr (or to
//! the [`set_sink`] callback):
//!
//! ```text
//! lowp_verbose,exec,sgemm,avx512vnni,m8k512n512,path:small_m,kernel:sgemm_f32_8x32_bstream_avx512,threads:2,0.103ms
//! lowp_verbose,exec,igemm_u8,avx2,m64k256n512,path:chain:0/exact:32,kernel:igemm_u8s8s32_chain_4x16_avx2+igemm_u8s8s32_exact_2x16_avx2,threads:2,0.159ms
//! ```
//!
//! Fields: op, ISA level of the context, shape, path taken (sgemm: `gemv`,
//! `small_m`, `unpacked` (the strided rows kernels, B in
//! place; `gemv` up to 4 rows), `tiles`, or `scale_c`/`empty` for the trivial
//! calls; igemm: how many packed weight panels ran the level's main kernel
//! — `vnni`, or the `vpmaddubsw` `chain` — and how many the `exact` s16
//! path), the kernel(s), the context's threads and the wall time.
//!
//! `LOWP_VERBOSE=1 cargo run --release --example verbose_calls` shows a few.
//! Off, it costs the entry point one relaxed atomic load and a flag read.

use crate::Context;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Instant;

/// 0: not yet read from the environment; 1: off; 2: on.
static GLOBAL: AtomicU8 = AtomicU8::new(0);

/// A callback receiving each log line (without the newline).
pub type Sink = Arc<dyn Fn(&str) + Send + Sync>;

static SINK: RwLock<Option<Sink>> = RwLock::new(None);

/// Whether `LOWP_VERBOSE` asks for the log (`1`, `true`, `yes`, `on`).
fn env_enabled() -> bool {
    std::env::var("LOWP_VERBOSE").is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

/// Whether every call logs (the environment or [`set_enabled`]), whatever
/// its context says.
pub fn enabled() -> bool {
    match GLOBAL.load(Ordering::Relaxed) {
        0 => {
            let on = env_enabled();
            // A concurrent set_enabled wins over the environment.
            let _ = GLOBAL.compare_exchange(0, 1 + on as u8, Ordering::Relaxed, Ordering::Relaxed);
            GLOBAL.load(Ordering::Relaxed) == 2
        }
        s => s == 2,
    }
}

/// Turns the log on or off for every call in the process (overrides
/// `LOWP_VERBOSE`; a context built with `verbose(true)` logs regardless).
pub fn set_enabled(on: bool) {
    GLOBAL.store(1 + on as u8, Ordering::Relaxed);
}

/// Sends the log lines to `sink` instead of stderr (`None`: back to
/// stderr). For tests, or a service's own logger.
pub fn set_sink(sink: Option<Sink>) {
    *SINK.write().unwrap_or_else(|e| e.into_inner()) = sink;
}

/// One call being logged: started by an entry point, told the path it
/// takes, printed when dropped. Inert (no clock read) when the log is off.
pub(crate) struct Call {
    live: Option<Live>,
}

struct Live {
    op: &'static str,
    ctx: Context,
    shape: String,
    path: String,
    kernel: String,
    start: Instant,
}

impl Call {
    /// Starts logging `op` on `ctx` if the log is on for it; `shape` is
    /// only formatted then.
    #[inline]
    pub(crate) fn start(ctx: &Context, op: &'static str, m: usize, k: usize, n: usize) -> Call {
        if !(ctx.verbose() || enabled()) {
            return Call { live: None };
        }
        Call {
            live: Some(Live {
                op,
                ctx: ctx.clone(),
                shape: format!("m{m}k{k}n{n}"),
                path: "empty".into(),
                kernel: "none".into(),
                start: Instant::now(),
            }),
        }
    }

    /// Records the path and kernel the call takes (the last one wins).
    #[inline]
    pub(crate) fn path(&mut self, path: &str, kernel: &str) {
        if let Some(l) = &mut self.live {
            l.path.clear();
            l.path.push_str(path);
            l.kernel.clear();
            l.kernel.push_str(kernel);
        }
    }

    /// Records an INT8 GEMM's path: its panels' split over the main and
    /// exact kernels and the kernels that serve them.
    pub(crate) fn igemm(&mut self, ctx: &Context, m: usize, b: &crate::igemm::PackedI8Weights) {
        if self.live.is_none() {
            return;
        }
        let ks = &ctx.kernels().igemm;
        let (main_panels, exact_panels) = b.panel_paths();
        let main = ks.main_for(b.preference, m);
        let label = if main.saturates {
            "chain"
        } else if ks.exact.is_none() && ctx.isa() != crate::Isa::Scalar {
            "vnni"
        } else {
            "main"
        };
        let mut kernel = main.name.to_string();
        if let (Some(exact), true) = (ks.exact, exact_panels > 0) {
            let _ = write!(kernel, "+{}", exact.name);
        }
        self.path(&format!("{label}:{main_panels}/exact:{exact_panels}"), &kernel);
    }
}

impl Call {
    /// Drops the line: the call returned an error, and did nothing.
    pub(crate) fn cancel(&mut self) {
        self.live = None;
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        let Some(l) = self.live.take() else { return };
        let ms = l.start.elapsed().as_secs_f64() * 1e3;
        let line = format!(
            "lowp_verbose,exec,{},{},{},path:{},kernel:{},threads:{},{ms:.3}ms",
            l.op,
            l.ctx.isa(),
            l.shape,
            l.path,
            l.kernel,
            l.ctx.num_threads()
        );
        match &*SINK.read().unwrap_or_else(|e| e.into_inner()) {
            Some(sink) => sink(&line),
            None => eprintln!("{line}"),
        }
    }
}
