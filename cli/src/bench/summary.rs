//! The quick benchmark `lowp` (no subcommand) prints after the info: the
//! selected level's main kernels at one thread, each with its % of the
//! matching peak probe measured in the same run. A few seconds in all.

use super::{collect, table, BenchArgs, Measurement};
use crate::CliResult;
use lowp::Context;

/// (op or case name, `--shapes` entry)
const ITEMS: &[(&str, &str)] = &[
    ("sgemm", "512x512x512"),
    ("igemm_u8s8s32", "512x512x512"),
    ("dot_f32", "1x1x768"),
    ("dot_s8", "1x1x768"),
    ("scan_s8_ip", "1x100000x128"),
];

/// Runs the quick benchmark at the environment's level, one thread.
pub fn measure() -> CliResult<Vec<Measurement>> {
    let ctx = Context::from_env()?;
    let mut results = Vec::new();
    for (op, shape) in ITEMS {
        let args = BenchArgs {
            isa: ctx.isa().name().to_string(),
            threads: vec![1],
            op: vec![op.to_string()],
            shapes: vec![shape.to_string()],
            quick: true,
            reps: Some(3),
            probe_macs: Some(1 << 26),
            probe_bytes: Some(64 << 20),
            ..BenchArgs::default()
        };
        results.extend(collect(&args, super::ops::OPS)?);
    }
    Ok(results)
}

/// Prints the quick benchmark under a heading.
pub fn run() -> CliResult<()> {
    let ctx = Context::from_env()?;
    outln!(
        "Quick benchmark ({}, 1 thread; `lowp bench --quick` for every op, level and thread count)",
        ctx.isa()
    );
    let results = measure()?;
    for line in table::render(&results).lines() {
        outln!("  {line}");
    }
    Ok(())
}
