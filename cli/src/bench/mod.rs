//! `lowp bench`: runs the registered benchmark cases (see [`case`] and
//! [`ops`]) at every selected ISA level and thread count, then prints a table
//! (with % of the matching peak), writes ARCHITECTURE.md §8 JSON lines, draws a plot
//! and prints `--compare` tables.

pub mod case;
pub mod compare;
pub mod json;
pub mod ops;
pub mod plot;
pub mod summary;
pub mod table;
pub mod timing;

use crate::CliResult;
use case::{Case, CaseOpts, IsaSel, OpEntry, Shape, COMPARISONS};
use lowp::peak::PeakConfig;
use lowp::{Context, Isa};
use std::collections::HashMap;
use std::path::PathBuf;
use timing::{fill_peaks, time_in_turn, time_interleaved};

/// Options of `lowp bench`.
#[derive(clap::Args, Debug, Default)]
pub struct BenchArgs {
    /// ISA levels: `all` (every available level up to LOWP_MAX_ISA) or a
    /// comma-separated list (scalar, avx2, avx2vnni, avx512, avx512vnni).
    #[arg(long, default_value = "all")]
    pub isa: String,
    /// Thread counts, comma-separated (default: 1 and all of the context's threads).
    #[arg(long, value_delimiter = ',')]
    pub threads: Vec<usize>,
    /// Ops or single cases, comma-separated (default: every op; see --list).
    #[arg(long, value_delimiter = ',')]
    pub op: Vec<String>,
    /// Shapes `MxNxK`, comma-separated, replacing the ops' default shapes
    /// (peak probes have no shapes and ignore it; dots use K as d; scans
    /// use N as the vector count and K as the dim). Convolution layers
    /// (batch 1) are written `HxWxC:KxRxS[:sSTRIDE][:pPAD][:gGROUPS]`, 3-D
    /// `DxHxWxC:KxTxRxS[...]` (default stride 1, padding R/2); the conv ops
    /// run only those entries, the other ops only the `MxNxK` ones.
    #[arg(long, value_delimiter = ',')]
    pub shapes: Vec<String>,
    /// Quick run: 3 repetitions (1 for a run over 0.2 s, the warm-up itself
    /// over 1 s), shorter compute probes; every listed shape still runs.
    #[arg(long)]
    pub quick: bool,
    /// Timed repetitions per measurement (median reported); default 5, 3 with --quick.
    #[arg(long)]
    pub reps: Option<usize>,
    /// Write one JSON object per measurement to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Draw GOP/s per shape for each ISA level (with peak lines) as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Print a comparison table (chain-vs-vnni); runs the ops it needs, interleaved.
    #[arg(long, value_name = "NAME")]
    pub compare: Option<String>,
    /// Time the repetitions round-robin over all cases (every case set up at
    /// once): ratios between cases stay comparable when the load drifts.
    /// On by default with --compare.
    #[arg(long)]
    pub interleave: bool,
    /// List the registered ops and cases, then exit.
    #[arg(long)]
    pub list: bool,
    /// Multiply-adds per thread per run of a compute peak probe (default 2^30, 2^28 with --quick).
    #[arg(long, value_name = "N")]
    pub probe_macs: Option<u64>,
    /// Bytes per run of a memory peak probe (default max(256 MiB, 8 × L3)).
    #[arg(long, value_name = "BYTES")]
    pub probe_bytes: Option<usize>,
}

/// One measured case at one level and thread count.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// JSON `op`.
    pub op: String,
    /// The table's shape column.
    pub label: String,
    /// The shape.
    pub shape: Shape,
    /// Threads of the context.
    pub threads: usize,
    /// The level (the context's, or the probe's).
    pub isa: Isa,
    /// JSON `impl`.
    pub impl_name: &'static str,
    /// Median seconds per run.
    pub seconds: f64,
    /// Fastest run, seconds (the table's spread column).
    pub min_seconds: f64,
    /// Slowest run, seconds (the table's spread column).
    pub max_seconds: f64,
    /// Giga-operations per second (a multiply-add counts 2).
    pub gops: f64,
    /// GB/s, for memory-bound cases.
    pub gbytes_per_s: Option<f64>,
    /// Whether the case is a peak probe.
    pub is_peak: bool,
    /// The matching peak: probe name and its GOP/s (GB/s for memory probes).
    pub peak: Option<(&'static str, f64)>,
}

impl Measurement {
    /// Percent of the matching peak (GB/s against GB/s for memory-bound cases).
    pub fn percent_of_peak(&self) -> Option<f64> {
        let (_, peak) = self.peak?;
        let v = self.gbytes_per_s.unwrap_or(self.gops);
        (peak > 0.0).then(|| 100.0 * v / peak)
    }
}

/// Runs `lowp bench`.
pub fn run(args: &BenchArgs) -> CliResult<()> {
    if args.list {
        let env_ctx = Context::from_env()?;
        return list(&case_opts(args, &env_ctx)?, ops::OPS);
    }
    let results = collect(args, ops::OPS)?;
    let json_to_stdout = args.json.as_deref().is_some_and(|p| p.as_os_str() == "-");
    let table = table::render(&results);
    if json_to_stdout {
        eprint!("{table}");
    } else {
        out!("{table}");
    }
    if let Some(path) = &args.json {
        json::write(path, &results)?;
    }
    if let Some(name) = &args.compare {
        let groups: Vec<_> = ops::OPS.iter().map(|e| (e.compare)(name)).collect();
        let text = compare::render_groups(name, &groups, &results);
        if json_to_stdout {
            eprint!("{text}");
        } else {
            out!("{text}");
        }
    }
    if let Some(path) = &args.plot {
        plot::draw(path, &results)?;
        eprintln!("lowp: wrote {}", path.display());
    }
    Ok(())
}

fn case_opts(args: &BenchArgs, env_ctx: &Context) -> CliResult<CaseOpts> {
    Ok(CaseOpts {
        shapes: parse_shapes(&args.shapes)?,
        specs: parse_conv_specs(&args.shapes)?,
        quick: args.quick,
        peak: peak_config(args, env_ctx),
    })
}

/// Runs every case of `registry` that `args` selects, at every selected
/// level and thread count, and fills in each result's matching peak.
pub fn collect(args: &BenchArgs, registry: &[&OpEntry]) -> CliResult<Vec<Measurement>> {
    let env_ctx = Context::from_env()?;
    let opts = case_opts(args, &env_ctx)?;
    let isas = parse_isas(&args.isa, env_ctx.isa())?;
    let threads = thread_counts(&args.threads, env_ctx.num_threads())?;
    if let Some(name) = &args.compare {
        if !COMPARISONS.iter().any(|(n, _)| n == name) {
            let known: Vec<&str> = COMPARISONS.iter().map(|(n, _)| *n).collect();
            return Err(format!(
                "--compare: unknown comparison {name:?}; known: {}",
                known.join(", ")
            )
            .into());
        }
    }
    let cases = select_cases(args, &opts, registry)?;
    let reps = args.reps.unwrap_or(if args.quick { 3 } else { 5 }).max(1);
    let min_sample_s = if args.quick { 0.01 } else { 0.05 };

    let mut contexts: HashMap<(Isa, usize), Context> = HashMap::new();
    let mut plan = Vec::new();
    for (ci, case) in cases.iter().enumerate() {
        for &t in &threads {
            match case.isas {
                IsaSel::Each => plan.extend(isas.iter().map(|&isa| (ci, isa, isa, t))),
                IsaSel::Only(isa) if isas.contains(&isa) => plan.push((ci, isa, isa, t)),
                IsaSel::Only(_) => {}
                IsaSel::Once(label) => plan.push((ci, *isas.last().unwrap_or(&Isa::Scalar), label, t)),
            }
        }
    }
    if plan.is_empty() && args.compare.is_none() {
        return Err("nothing to run: no selected case runs at the selected ISA levels".into());
    }

    // A comparison is about ratios: interleave its samples.
    let timings = if args.interleave || args.compare.is_some() {
        time_interleaved(&plan, &cases, &mut contexts, reps, min_sample_s)?
    } else {
        time_in_turn(&plan, &cases, &mut contexts, reps, min_sample_s, args.quick)?
    };
    let mut results = Vec::with_capacity(plan.len());
    for (&(ci, _, label_isa, t), (timing, work)) in plan.iter().zip(timings) {
        let case = &cases[ci];
        if work.ops.is_nan() {
            return Err(format!(
                "{} {} at {label_isa}, {t} threads failed (error above)",
                case.op,
                case.shape_label()
            )
            .into());
        }
        results.push(Measurement {
            op: case.op.clone(),
            label: case.shape_label(),
            shape: case.shape.clone(),
            threads: t,
            isa: label_isa,
            impl_name: case.impl_name,
            seconds: timing.median_s,
            min_seconds: timing.min_s,
            max_seconds: timing.max_s,
            gops: work.ops / timing.median_s / 1e9,
            gbytes_per_s: case.memory_bound.then(|| work.bytes / timing.median_s / 1e9),
            is_peak: case.is_peak,
            peak: (case.peak_for)(label_isa).map(|p| (p, f64::NAN)),
        });
    }
    fill_peaks(&mut results, &mut contexts, &opts.peak)?;
    Ok(results)
}

fn peak_config(args: &BenchArgs, ctx: &Context) -> PeakConfig {
    let base = PeakConfig::for_context(ctx);
    PeakConfig {
        compute_macs: args.probe_macs.unwrap_or(if args.quick {
            base.compute_macs / 4
        } else {
            base.compute_macs
        }),
        memory_bytes: args.probe_bytes.unwrap_or(base.memory_bytes),
        ..base
    }
}

fn parse_shapes(list: &[String]) -> CliResult<Option<Vec<Shape>>> {
    if list.is_empty() {
        return Ok(None);
    }
    Ok(Some(
        list.iter()
            .filter(|s| !ops::conv_shape::is_conv_spec(s))
            .map(|s| Shape::parse(s))
            .collect::<CliResult<_>>()?,
    ))
}

/// The convolution entries of `--shapes` (each checked), when it is given.
fn parse_conv_specs(list: &[String]) -> CliResult<Option<Vec<String>>> {
    if list.is_empty() {
        return Ok(None);
    }
    let specs: Vec<String> = list
        .iter()
        .filter(|s| ops::conv_shape::is_conv_spec(s))
        .cloned()
        .collect();
    for s in &specs {
        ops::conv_shape::parse(s)?;
    }
    Ok(Some(specs))
}

/// `all` = every available level up to the environment's cap; otherwise each
/// named level, which must be available.
fn parse_isas(spec: &str, cap: Isa) -> CliResult<Vec<Isa>> {
    if spec.trim().eq_ignore_ascii_case("all") {
        return Ok(Isa::available().into_iter().filter(|i| *i <= cap).collect());
    }
    let mut out = Vec::new();
    for name in spec.split(',') {
        let isa: Isa = name.parse().map_err(|e| format!("--isa: {e}"))?;
        isa.ensure_available().map_err(|e| format!("--isa: {e}"))?;
        if !out.contains(&isa) {
            out.push(isa);
        }
    }
    out.sort();
    Ok(out)
}

fn thread_counts(list: &[usize], all: usize) -> CliResult<Vec<usize>> {
    if list.contains(&0) {
        return Err("--threads: a thread count must be at least 1".into());
    }
    let mut v = if list.is_empty() {
        vec![1, all]
    } else {
        list.to_vec()
    };
    v.dedup();
    Ok(v)
}

fn select_cases(args: &BenchArgs, opts: &CaseOpts, registry: &[&OpEntry]) -> CliResult<Vec<Case>> {
    let mut wanted: Vec<String> = args.op.iter().map(|s| s.trim().to_string()).collect();
    if let Some(name) = &args.compare {
        let rows = registry.iter().flat_map(|e| (e.compare)(name));
        wanted.extend(rows.map(|r| r.op));
    }
    let mut out = Vec::new();
    let mut matched = vec![false; wanted.len()];
    let take_all = args.op.is_empty() && args.compare.is_none();
    for entry in registry {
        let whole = mark(&wanted, &mut matched, entry.name);
        for case in (entry.cases)(opts) {
            let hit = mark(&wanted, &mut matched, &case.op);
            if take_all || whole || hit {
                out.push(case);
            }
        }
    }
    // Ops named by --compare rows may not exist on this CPU (a VEX probe on
    // Zen 4): only names the user typed must match.
    for (i, w) in wanted.iter().enumerate().take(args.op.len()) {
        if !matched[i] {
            return Err(
                format!("--op: no op or case named {w:?} on this CPU (see lowp bench --list)").into(),
            );
        }
    }
    Ok(out)
}

/// Whether `name` is wanted; marks every wanted entry equal to it.
fn mark(wanted: &[String], matched: &mut [bool], name: &str) -> bool {
    let mut hit = false;
    for (w, m) in wanted.iter().zip(matched.iter_mut()) {
        if w == name {
            *m = true;
            hit = true;
        }
    }
    hit
}

fn list(opts: &CaseOpts, registry: &[&OpEntry]) -> CliResult<()> {
    for entry in registry {
        outln!("{:<12} {}", entry.name, entry.about);
        for case in (entry.cases)(opts) {
            outln!("  {:<26} {:<12} {}", case.op, case.impl_name, case.shape_label());
        }
    }
    outln!("comparisons (--compare):");
    for (name, about) in COMPARISONS {
        outln!("  {name:<26} {about}");
    }
    Ok(())
}
