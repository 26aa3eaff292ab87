//! Timing the plan: each case in turn, or every case's samples round-robin
//! (`--interleave`), with the progress bar; contexts cached per (level,
//! threads); matching peaks filled in afterwards.

use super::case::Case;
use super::Measurement;
use crate::CliResult;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lowp::peak::{calibrate, sample, time_median, PeakConfig, Timing, Work};
use lowp::{Context, Isa};
use std::collections::HashMap;
use std::time::Instant;

/// (case index, level of the context, level reported, threads)
pub type PlanItem = (usize, Isa, Isa, usize);

/// Each case in turn: set up, warm up, all its samples, tear down. With
/// `quick`, slow runs take fewer samples (see [`time_quick`]).
pub fn time_in_turn(
    plan: &[PlanItem],
    cases: &[Case],
    contexts: &mut HashMap<(Isa, usize), Context>,
    reps: usize,
    min_sample_s: f64,
    quick: bool,
) -> CliResult<Vec<(Timing, Work)>> {
    let progress = Progress::new(plan.len());
    let mut out = Vec::with_capacity(plan.len());
    for &(ci, ctx_isa, label_isa, t) in plan {
        progress.step(&cases[ci], label_isa, t);
        let ctx = context(contexts, ctx_isa, t)?;
        let mut runner = (cases[ci].setup)(&ctx)?;
        out.push(if quick {
            time_quick(reps, min_sample_s, &mut runner)
        } else {
            time_median(1, reps, min_sample_s, &mut runner)
        });
    }
    Ok(out)
}

/// A run at least this long gets one timed sample after its warm-up in `--quick`.
pub const QUICK_SLOW_S: f64 = 0.2;
/// A run at least this long is its own (only) sample in `--quick`.
pub const QUICK_VERY_SLOW_S: f64 = 1.0;

/// `--quick` timing: the warm-up run is timed; if it took at least
/// [`QUICK_VERY_SLOW_S`] it is the sample, if at least [`QUICK_SLOW_S`] one
/// more run is, else the median of `reps` samples as usual. Every shape still
/// runs; only the slow ones (scalar level, 2048³) lose repetitions.
pub fn time_quick<F: FnMut() -> Work>(reps: usize, min_sample_s: f64, mut f: F) -> (Timing, Work) {
    let (first, work) = sample(1, &mut f);
    if first >= QUICK_VERY_SLOW_S {
        return (Timing::from_samples(vec![first], 1), work);
    }
    if first >= QUICK_SLOW_S {
        let (t, w) = sample(1, &mut f);
        return (Timing::from_samples(vec![t], 1), w);
    }
    time_median(0, reps, min_sample_s, f)
}

/// Every case set up and warmed up first, then the samples round-robin, so
/// a drift in the machine's load touches every case alike.
pub fn time_interleaved(
    plan: &[PlanItem],
    cases: &[Case],
    contexts: &mut HashMap<(Isa, usize), Context>,
    reps: usize,
    min_sample_s: f64,
) -> CliResult<Vec<(Timing, Work)>> {
    let progress = Progress::new(plan.len() * (reps + 1));
    let mut live = Vec::with_capacity(plan.len());
    for &(ci, ctx_isa, label_isa, t) in plan {
        progress.step(&cases[ci], label_isa, t);
        let ctx = context(contexts, ctx_isa, t)?;
        let mut runner = (cases[ci].setup)(&ctx)?;
        let (runs, work) = calibrate(1, min_sample_s, &mut runner);
        live.push((runner, runs, work, Vec::with_capacity(reps)));
    }
    for _ in 0..reps {
        for ((runner, runs, work, times), &(ci, _, label_isa, t)) in live.iter_mut().zip(plan) {
            progress.step(&cases[ci], label_isa, t);
            let (s, w) = sample(*runs, runner);
            times.push(s);
            *work = w;
        }
    }
    Ok(live
        .into_iter()
        .map(|(_, runs, work, times)| (Timing::from_samples(times, runs), work))
        .collect())
}

/// The progress bar: on stderr once the run has taken more than a second.
struct Progress {
    bar: ProgressBar,
    start: Instant,
}

impl Progress {
    fn new(len: usize) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}") {
            bar.set_style(style);
        }
        Progress {
            bar,
            start: Instant::now(),
        }
    }

    /// Counts the previous step done and names the next.
    fn step(&self, case: &Case, isa: Isa, threads: usize) {
        if self.start.elapsed().as_secs_f64() > 1.0 && self.bar.is_hidden() {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        if self.bar.position() > 0 || !self.bar.message().is_empty() {
            self.bar.inc(1);
        }
        self.bar.set_message(format!("{} {} {}t", case.op, isa, threads));
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// The context for (`isa`, `threads`), built once and cached.
pub fn context(cache: &mut HashMap<(Isa, usize), Context>, isa: Isa, threads: usize) -> CliResult<Context> {
    if let Some(c) = cache.get(&(isa, threads)) {
        return Ok(c.clone());
    }
    let c = Context::builder().max_isa(isa).threads(threads).build()?;
    cache.insert((isa, threads), c.clone());
    Ok(c)
}

/// Fills in each result's matching peak: from a peak probe measured in this
/// run at the same thread count, else by measuring the probe now.
pub fn fill_peaks(
    results: &mut [Measurement],
    contexts: &mut HashMap<(Isa, usize), Context>,
    cfg: &PeakConfig,
) -> CliResult<()> {
    let mut peaks: HashMap<(String, usize), f64> = results
        .iter()
        .filter(|r| r.is_peak)
        .map(|r| ((r.op.clone(), r.threads), r.gbytes_per_s.unwrap_or(r.gops)))
        .collect();
    for r in results.iter_mut() {
        let Some((name, _)) = r.peak else { continue };
        let key = (name.to_string(), r.threads);
        if !peaks.contains_key(&key) {
            let probe = lowp::peak::find(name).filter(|p| p.is_available());
            let Some(probe) = probe else {
                r.peak = None;
                continue;
            };
            let ctx = context(contexts, probe.isa(), r.threads)?;
            let m = lowp::peak::measure(&ctx, probe, &PeakConfig { reps: 3, ..*cfg })?;
            peaks.insert(key.clone(), m.gbytes_per_s.unwrap_or(m.gops));
        }
        r.peak = Some((name, peaks[&key]));
    }
    Ok(())
}
