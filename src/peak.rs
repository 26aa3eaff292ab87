//! Peak probes: what this machine can do at most, per instruction family and
//! per thread count, so every benchmark can say how close it comes.
//!
//! A probe is a short loop in `lowp-kernels` that keeps one instruction (or
//! one short chain) busy on independent accumulators (compute probes), or
//! streams a buffer much larger than the last-level cache (memory probes).
//! Only probes whose CPU features are detected are offered; a probe never
//! runs above its [`Context`]'s ISA level. Timing runs the probe on every
//! thread of the context at once ([`Context::run_parallel`]): warm-up, then
//! the median of the repetitions.
//!
//! ```
//! use lowp::{peak, Context};
//! let ctx = Context::builder().threads(1).build()?;
//! let cfg = peak::PeakConfig { compute_macs: 1 << 16, memory_bytes: 1 << 16, reps: 3, ..Default::default() };
//! let probe = peak::find("peak_read_bw").expect("memory probes exist on every target");
//! let r = peak::measure(&ctx, probe, &cfg)?;
//! assert!(r.gbytes_per_s.unwrap() > 0.0);
//! # Ok::<(), lowp::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::isa::{cpu_features, Isa};
use crate::{AlignedBuffer, Context};
use std::hint::black_box;
#[cfg(target_arch = "x86_64")]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

#[cfg(target_arch = "x86_64")]
use lowp_kernels::x86_64::peak as kp;

/// The operation one step of a compute probe performs on one accumulator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `vfmadd231ps`: f32 lanes, acc += x·y.
    FmaF32,
    /// `vpdpbusd`: s32 lanes, acc += Σ of four u8·s8 products.
    DpbusdU8S8,
    /// `vpmaddubsw` (saturating to s16) + `vpmaddwd` with `z` + `vpaddd`.
    ChainU8S8,
    /// `vpmaddwd` + `vpaddd`: s32 lanes, acc += Σ of two s16·s16 products (exact).
    MaddS16,
    /// `vdpbf16ps`: f32 lanes, acc += Σ of two bf16·bf16 products.
    DpBf16,
}

/// What a probe measures.
#[derive(Clone, Copy, Debug)]
pub enum ProbeKind {
    /// A compute loop over registers.
    Compute {
        /// The step applied to each accumulator.
        step: Step,
        /// Vector width in bytes (32 = ymm, 64 = zmm).
        vbytes: usize,
        #[cfg(target_arch = "x86_64")]
        #[doc(hidden)]
        kernel: kp::PeakProbeFn,
    },
    /// Read bandwidth: a wrapping sum over `u64`s (1 op per element, 8 bytes).
    ReadBw,
    /// The same sum over a buffer of half the context's L3 (split over its
    /// threads), read again and again: the bandwidth an L3-resident scan
    /// can reach (`peak_read_bw` measures memory).
    ReadBwL3,
    /// STREAM triad on f32 (2 ops per element, 12 bytes by STREAM's count).
    Triad,
}

/// One peak probe: its name (as in `lowp bench` and the JSON), the ISA level
/// and any further CPU features it needs, and what it runs.
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    name: &'static str,
    isa: Isa,
    extra_features: &'static [&'static str],
    about: &'static str,
    kind: ProbeKind,
}

#[cfg(target_arch = "x86_64")]
macro_rules! compute {
    ($name:literal, $isa:ident, $extra:expr, $step:ident, $vbytes:literal, $module:ident :: $kernel:ident, $about:literal) => {
        Probe {
            name: $name,
            isa: Isa::$isa,
            extra_features: $extra,
            about: $about,
            kind: ProbeKind::Compute {
                step: Step::$step,
                vbytes: $vbytes,
                kernel: kp::$module::$kernel,
            },
        }
    };
}

#[cfg(target_arch = "x86_64")]
const COMPUTE: &[Probe] = &[
    compute!(
        "peak_fma_f32_zmm",
        Avx512,
        &[],
        FmaF32,
        64,
        peak_fma_f32::peak_fma_f32_zmm_avx512,
        "vfmadd231ps zmm"
    ),
    compute!(
        "peak_fma_f32_ymm",
        Avx2,
        &[],
        FmaF32,
        32,
        peak_fma_f32::peak_fma_f32_ymm_avx2,
        "vfmadd231ps ymm"
    ),
    compute!(
        "peak_vpdpbusd_zmm",
        Avx512Vnni,
        &[],
        DpbusdU8S8,
        64,
        peak_vpdpbusd::peak_vpdpbusd_zmm_avx512vnni,
        "vpdpbusd zmm (EVEX)"
    ),
    compute!(
        "peak_vpdpbusd_ymm",
        Avx512Vnni,
        &[],
        DpbusdU8S8,
        32,
        peak_vpdpbusd::peak_vpdpbusd_ymm_avx512vnni,
        "vpdpbusd ymm (EVEX)"
    ),
    compute!(
        "peak_vpdpbusd_ymm_vex",
        Avx2Vnni,
        &[],
        DpbusdU8S8,
        32,
        peak_vpdpbusd::peak_vpdpbusd_ymm_avxvnni,
        "vpdpbusd ymm (VEX, AVX-VNNI)"
    ),
    compute!(
        "peak_chain_u8s8_zmm",
        Avx512,
        &[],
        ChainU8S8,
        64,
        peak_chain_u8s8::peak_chain_u8s8_zmm_avx512,
        "vpmaddubsw+vpmaddwd+vpaddd zmm"
    ),
    compute!(
        "peak_chain_u8s8_ymm",
        Avx2,
        &[],
        ChainU8S8,
        32,
        peak_chain_u8s8::peak_chain_u8s8_ymm_avx2,
        "vpmaddubsw+vpmaddwd+vpaddd ymm"
    ),
    compute!(
        "peak_vpmaddwd_s16_zmm",
        Avx512,
        &[],
        MaddS16,
        64,
        peak_vpmaddwd_s16::peak_vpmaddwd_s16_zmm_avx512,
        "vpmaddwd+vpaddd zmm (exact s16)"
    ),
    compute!(
        "peak_vpmaddwd_s16_ymm",
        Avx2,
        &[],
        MaddS16,
        32,
        peak_vpmaddwd_s16::peak_vpmaddwd_s16_ymm_avx2,
        "vpmaddwd+vpaddd ymm (exact s16)"
    ),
    compute!(
        "peak_vdpbf16ps_zmm",
        Avx512,
        &["avx512bf16"],
        DpBf16,
        64,
        peak_vdpbf16ps::peak_vdpbf16ps_zmm_avx512bf16,
        "vdpbf16ps zmm"
    ),
    compute!(
        "peak_vdpbf16ps_ymm",
        Avx512,
        &["avx512bf16"],
        DpBf16,
        32,
        peak_vdpbf16ps::peak_vdpbf16ps_ymm_avx512bf16,
        "vdpbf16ps ymm"
    ),
];
#[cfg(not(target_arch = "x86_64"))]
const COMPUTE: &[Probe] = &[];

const MEMORY: &[Probe] = &[
    Probe {
        name: "peak_read_bw",
        isa: Isa::Scalar,
        extra_features: &[],
        about: "read bandwidth (u64 sum over a buffer >> LLC)",
        kind: ProbeKind::ReadBw,
    },
    Probe {
        name: "peak_read_bw_l3",
        isa: Isa::Scalar,
        extra_features: &[],
        about: "L3 read bandwidth (u64 sum over half the L3, repeated)",
        kind: ProbeKind::ReadBwL3,
    },
    Probe {
        name: "peak_triad",
        isa: Isa::Scalar,
        extra_features: &[],
        about: "STREAM triad a = b + s*c (f32, 12 B/element)",
        kind: ProbeKind::Triad,
    },
];

/// Every probe lowp knows on this target (available or not), compute first.
pub fn probes() -> impl Iterator<Item = &'static Probe> {
    COMPUTE.iter().chain(MEMORY)
}

/// The probes this CPU can run, in [`probes`] order.
pub fn available_probes() -> Vec<&'static Probe> {
    probes().filter(|p| p.is_available()).collect()
}

/// The probe called `name`, available or not.
pub fn find(name: &str) -> Option<&'static Probe> {
    probes().find(|p| p.name == name)
}

impl Probe {
    /// Name used by `lowp bench` and the JSON output (`peak_fma_f32_zmm`...).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The ISA level whose registers and instructions the probe uses.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Features needed beyond [`Probe::isa`] (e.g. `avx512bf16`).
    pub fn extra_features(&self) -> &'static [&'static str] {
        self.extra_features
    }

    /// One line saying what the probe runs.
    pub fn about(&self) -> &'static str {
        self.about
    }

    /// What the probe runs.
    pub fn kind(&self) -> ProbeKind {
        self.kind
    }

    /// Whether it is a memory-bandwidth probe (its result is in GB/s).
    pub fn is_memory(&self) -> bool {
        matches!(
            self.kind,
            ProbeKind::ReadBw | ProbeKind::ReadBwL3 | ProbeKind::Triad
        )
    }

    /// Whether this CPU has the probe's ISA level and every extra feature.
    pub fn is_available(&self) -> bool {
        let list = cpu_features().list();
        self.isa.is_available()
            && self
                .extra_features
                .iter()
                .all(|f| list.iter().any(|(name, present)| name == f && *present))
    }

    /// Sets the probe up for `ctx`: checks that it may run (features detected,
    /// level not above `ctx.isa()`), and allocates and first-touches the
    /// buffers of a memory probe on the context's threads.
    pub fn prepare(&'static self, ctx: &Context, cfg: &PeakConfig) -> Result<PreparedProbe> {
        if !self.is_available() {
            return Err(Error::UnsupportedIsa {
                msg: format!(
                    "probe {} needs {} {} which this CPU lacks",
                    self.name,
                    self.isa.name(),
                    self.extra_features.join(" ")
                ),
            });
        }
        if self.isa > ctx.isa() {
            return Err(Error::UnsupportedIsa {
                msg: format!(
                    "probe {} needs ISA level {} but the context is capped at {}",
                    self.name,
                    self.isa,
                    ctx.isa()
                ),
            });
        }
        let tasks = ctx.num_threads();
        let data = match self.kind {
            ProbeKind::Compute { step, .. } => {
                if cfg.compute_macs == 0 {
                    return Err(Error::param("compute_macs", "must be at least 1"));
                }
                let (x, y, z) = timing_operands(step);
                let per_iter = self.macs_per_iteration().max(1);
                let iters = cfg.compute_macs.div_ceil(per_iter) as usize;
                Data::Compute { iters, x, y, z }
            }
            ProbeKind::ReadBw | ProbeKind::ReadBwL3 => {
                let bytes = match self.kind {
                    ProbeKind::ReadBwL3 => ctx.cache_sizes().l3 / 2,
                    _ => cfg.memory_bytes,
                };
                let len = elements(bytes, 8 * tasks, "memory_bytes")?;
                let chunks: Vec<Mutex<AlignedBuffer<u64>>> =
                    (0..tasks).map(|_| Mutex::new(AlignedBuffer::zeroed(0))).collect();
                ctx.run_parallel(tasks, |i| {
                    let mut buf = AlignedBuffer::zeroed(len);
                    buf.iter_mut()
                        .zip(0..)
                        .for_each(|(x, v): (&mut u64, u64)| *x = v ^ i as u64);
                    *lock(&chunks[i]) = buf;
                });
                Data::Read(chunks)
            }
            ProbeKind::Triad => {
                let len = elements(cfg.memory_bytes, 12 * tasks, "memory_bytes")?;
                let chunks: Vec<Mutex<Triad>> = (0..tasks)
                    .map(|_| {
                        Mutex::new(Triad {
                            a: AlignedBuffer::zeroed(0),
                            b: AlignedBuffer::zeroed(0),
                            c: AlignedBuffer::zeroed(0),
                        })
                    })
                    .collect();
                ctx.run_parallel(tasks, |i| {
                    let mut t = Triad {
                        a: AlignedBuffer::zeroed(len),
                        b: AlignedBuffer::zeroed(len),
                        c: AlignedBuffer::zeroed(len),
                    };
                    t.b.iter_mut()
                        .zip(0..)
                        .for_each(|(x, v): (&mut f32, usize)| *x = (v % 7) as f32);
                    t.c.iter_mut()
                        .zip(0..)
                        .for_each(|(x, v): (&mut f32, usize)| *x = (v % 5) as f32);
                    *lock(&chunks[i]) = t;
                });
                Data::Triad(chunks)
            }
        };
        Ok(PreparedProbe {
            probe: self,
            ctx: ctx.clone(),
            data,
        })
    }
}

impl Probe {
    /// Multiply-adds one iteration of a compute probe does, as the probe
    /// itself reports (it runs one iteration). Callers checked availability.
    #[cfg(target_arch = "x86_64")]
    fn macs_per_iteration(&self) -> u64 {
        let ProbeKind::Compute { kernel, .. } = self.kind else {
            return 0;
        };
        let blob = [0u8; 64];
        let mut acc = [[0u8; 64]; kp::N_ACC];
        // SAFETY: only reached from `prepare` after `is_available`, which
        // covers every feature the kernel was compiled for.
        unsafe { kernel(1, &blob, &blob, &blob, &mut acc) }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn macs_per_iteration(&self) -> u64 {
        0
    }
}

fn elements(bytes: usize, per: usize, arg: &'static str) -> Result<usize> {
    let n = bytes / per;
    if n == 0 {
        return Err(Error::param(
            arg,
            format!("{bytes} bytes leave no element for each of the threads"),
        ));
    }
    Ok(n)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Operands for timing: values that keep every lane busy and never make a
/// denormal (1.0 in f32 or bf16, small integers, ones for the chain's `z`).
fn timing_operands(step: Step) -> ([u8; 64], [u8; 64], [u8; 64]) {
    let mut x = [0u8; 64];
    let mut y = [0u8; 64];
    let mut z = [0u8; 64];
    match step {
        Step::FmaF32 => {
            for i in 0..16 {
                x[4 * i..4 * i + 4].copy_from_slice(&1.0f32.to_le_bytes());
                y[4 * i..4 * i + 4].copy_from_slice(&(1.0f32 / (i + 1) as f32).to_le_bytes());
            }
        }
        Step::DpBf16 => {
            for i in 0..32 {
                x[2 * i..2 * i + 2].copy_from_slice(&0x3f80u16.to_le_bytes());
                y[2 * i..2 * i + 2].copy_from_slice(&0x3f00u16.to_le_bytes());
            }
        }
        Step::DpbusdU8S8 | Step::ChainU8S8 | Step::MaddS16 => {
            for i in 0..64 {
                x[i] = (i as u8) | 1;
                y[i] = (i as u8).wrapping_mul(3) & 0x3f;
            }
            for i in 0..32 {
                z[2 * i..2 * i + 2].copy_from_slice(&1i16.to_le_bytes());
            }
        }
    }
    (x, y, z)
}

/// The triad's arrays: huge-page backed like the operands the ops read
/// ([`AlignedBuffer`]), so the probe and the ops see the same TLB reach.
struct Triad {
    a: AlignedBuffer<f32>,
    b: AlignedBuffer<f32>,
    c: AlignedBuffer<f32>,
}

enum Data {
    Compute {
        iters: usize,
        #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
        x: [u8; 64],
        #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
        y: [u8; 64],
        #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
        z: [u8; 64],
    },
    Read(Vec<Mutex<AlignedBuffer<u64>>>),
    Triad(Vec<Mutex<Triad>>),
}

/// Work done by one run: operations (a multiply-add counts 2) and bytes moved.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Work {
    /// Operations, a multiply-add counting 2.
    pub ops: f64,
    /// Bytes read and written from memory (0 for a compute probe).
    pub bytes: f64,
}

/// A probe ready to run on its context's threads.
pub struct PreparedProbe {
    probe: &'static Probe,
    ctx: Context,
    data: Data,
}

impl std::fmt::Debug for PreparedProbe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedProbe")
            .field("probe", &self.probe.name)
            .field("threads", &self.ctx.num_threads())
            .finish()
    }
}

impl PreparedProbe {
    /// The probe.
    pub fn probe(&self) -> &'static Probe {
        self.probe
    }

    /// Runs the probe once on every thread of the context; returns the work done.
    pub fn run(&self) -> Work {
        let tasks = self.ctx.num_threads();
        match &self.data {
            Data::Compute { iters, x, y, z } => self.run_compute(*iters, x, y, z),
            Data::Read(chunks) => {
                let mut elems = 0;
                for c in chunks {
                    elems += lock(c).len();
                }
                self.ctx.run_parallel(tasks, |i| {
                    let buf = lock(&chunks[i]);
                    black_box(lowp_kernels::scalar::peak_read_bw::peak_read_bw_u64_scalar(&buf));
                });
                Work {
                    ops: elems as f64,
                    bytes: 8.0 * elems as f64,
                }
            }
            Data::Triad(chunks) => {
                let mut elems = 0;
                for c in chunks {
                    elems += lock(c).a.len();
                }
                self.ctx.run_parallel(tasks, |i| {
                    let mut t = lock(&chunks[i]);
                    let Triad { a, b, c } = &mut *t;
                    lowp_kernels::scalar::peak_triad::peak_triad_f32_scalar(a, b, c, 3.0);
                    black_box(&a[..]);
                });
                Work {
                    ops: 2.0 * elems as f64,
                    bytes: 12.0 * elems as f64,
                }
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    fn run_compute(&self, iters: usize, x: &[u8; 64], y: &[u8; 64], z: &[u8; 64]) -> Work {
        let ProbeKind::Compute { kernel, .. } = self.probe.kind else {
            return Work::default();
        };
        let tasks = self.ctx.num_threads();
        let macs = AtomicU64::new(0);
        self.ctx.run_parallel(tasks, |_| {
            let mut acc = [[0u8; 64]; kp::N_ACC];
            // SAFETY: `prepare` checked that the CPU has the probe's ISA level
            // and extra features, which include every feature of `kernel`.
            let done = unsafe { kernel(iters, x, y, z, &mut acc) };
            black_box(&acc);
            macs.fetch_add(done, Ordering::Relaxed);
        });
        Work {
            ops: 2.0 * macs.into_inner() as f64,
            bytes: 0.0,
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn run_compute(&self, _iters: usize, _x: &[u8; 64], _y: &[u8; 64], _z: &[u8; 64]) -> Work {
        Work::default()
    }
}

/// Sizes and repetitions for measuring probes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeakConfig {
    /// Multiply-adds per thread per run of a compute probe (rounded up to whole iterations).
    pub compute_macs: u64,
    /// Bytes per run of a memory probe, all threads together (triad: the three arrays).
    pub memory_bytes: usize,
    /// Untimed runs first.
    pub warmup: usize,
    /// Timed runs; the median is reported.
    pub reps: usize,
}

impl Default for PeakConfig {
    /// 2³⁰ multiply-adds per thread, 256 MiB of memory traffic, 1 warm-up, median of 5.
    fn default() -> Self {
        PeakConfig {
            compute_macs: 1 << 30,
            memory_bytes: 256 << 20,
            warmup: 1,
            reps: 5,
        }
    }
}

impl PeakConfig {
    /// The defaults, with the memory buffer at least 8× the context's L3.
    pub fn for_context(ctx: &Context) -> Self {
        let d = PeakConfig::default();
        PeakConfig {
            memory_bytes: d.memory_bytes.max(ctx.cache_sizes().l3.saturating_mul(8)),
            ..d
        }
    }
}

/// Median and spread of repeated runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timing {
    /// Median seconds per run.
    pub median_s: f64,
    /// Fastest run, seconds.
    pub min_s: f64,
    /// Slowest run, seconds.
    pub max_s: f64,
    /// Timed samples.
    pub samples: usize,
    /// Runs per sample (more than 1 when one run is shorter than `min_sample_s`).
    pub runs_per_sample: usize,
}

/// Times `f`: `warmup` untimed runs, then `reps` samples (at least 1), each of
/// enough runs to last `min_sample_s` (judged from the last warm-up run).
/// Returns the timing per run and the work of the last run.
pub fn time_median<F: FnMut() -> Work>(
    warmup: usize,
    reps: usize,
    min_sample_s: f64,
    mut f: F,
) -> (Timing, Work) {
    let (runs, mut work) = calibrate(warmup, min_sample_s, &mut f);
    let times: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let (t, w) = sample(runs, &mut f);
            work = w;
            t
        })
        .collect();
    (Timing::from_samples(times, runs), work)
}

/// Runs `f` `warmup` times (at least once) untimed and returns how many runs
/// one sample needs to last `min_sample_s`, and the work of the last run.
/// With [`sample`], lets a harness interleave the samples of several cases.
pub fn calibrate<F: FnMut() -> Work>(warmup: usize, min_sample_s: f64, mut f: F) -> (usize, Work) {
    let mut work = Work::default();
    let mut one = f64::INFINITY;
    for _ in 0..warmup.max(1) {
        let t = Instant::now();
        work = f();
        one = t.elapsed().as_secs_f64();
    }
    let runs = if one > 0.0 && one < min_sample_s {
        ((min_sample_s / one).ceil() as usize).clamp(1, 1_000_000)
    } else {
        1
    };
    (runs, work)
}

/// One timed sample of `runs` runs (at least 1): seconds per run and the
/// work of the last run.
pub fn sample<F: FnMut() -> Work>(runs: usize, mut f: F) -> (f64, Work) {
    let runs = runs.max(1);
    let mut work = Work::default();
    let t = Instant::now();
    for _ in 0..runs {
        work = f();
    }
    (t.elapsed().as_secs_f64() / runs as f64, work)
}

impl Timing {
    /// Median, minimum and maximum of per-run `samples` (seconds); an empty
    /// list gives zeros.
    pub fn from_samples(mut samples: Vec<f64>, runs_per_sample: usize) -> Timing {
        samples.sort_by(f64::total_cmp);
        let n = samples.len();
        if n == 0 {
            return Timing {
                median_s: 0.0,
                min_s: 0.0,
                max_s: 0.0,
                samples: 0,
                runs_per_sample,
            };
        }
        let median_s = if n % 2 == 1 {
            samples[n / 2]
        } else {
            0.5 * (samples[n / 2 - 1] + samples[n / 2])
        };
        Timing {
            median_s,
            min_s: samples[0],
            max_s: samples[n - 1],
            samples: n,
            runs_per_sample,
        }
    }
}

/// One measured peak.
#[derive(Clone, Debug, PartialEq)]
pub struct PeakResult {
    /// The probe's name.
    pub probe: &'static str,
    /// The probe's ISA level.
    pub isa: Isa,
    /// Threads it ran on.
    pub threads: usize,
    /// Median seconds per run.
    pub seconds: f64,
    /// Giga-operations per second (a multiply-add counts 2).
    pub gops: f64,
    /// GB/s for a memory probe.
    pub gbytes_per_s: Option<f64>,
}

/// Measures one probe on all of `ctx`'s threads.
pub fn measure(ctx: &Context, probe: &'static Probe, cfg: &PeakConfig) -> Result<PeakResult> {
    let prepared = probe.prepare(ctx, cfg)?;
    let (t, work) = time_median(cfg.warmup, cfg.reps, 0.0, || prepared.run());
    Ok(PeakResult {
        probe: probe.name,
        isa: probe.isa,
        threads: ctx.num_threads(),
        seconds: t.median_s,
        gops: work.ops / t.median_s / 1e9,
        gbytes_per_s: probe.is_memory().then(|| work.bytes / t.median_s / 1e9),
    })
}

/// Measures every probe this CPU and `ctx`'s ISA level allow.
pub fn measure_all(ctx: &Context, cfg: &PeakConfig) -> Result<Vec<PeakResult>> {
    available_probes()
        .into_iter()
        .filter(|p| p.isa <= ctx.isa())
        .map(|p| measure(ctx, p, cfg))
        .collect()
}

#[cfg(test)]
mod tests;
