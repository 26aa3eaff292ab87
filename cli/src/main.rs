//! `lowp`: what this machine offers lowp (`lowp info`) and how fast lowp runs
//! on it (`lowp bench`). `cargo run --release` from the workspace root runs
//! `lowp info`.

use clap::{Parser, Subcommand};
use lowp_cli::{bench, info};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "lowp",
    version,
    about = "lowp: CPU kernels for INT8/FP32 deep-learning math"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// CPU, features, ISA levels (and which one is selected, and why), threads,
    /// caches, build facts and the kernel table of every level (the default).
    Info(info::InfoArgs),
    /// Benchmarks: peak probes and ops, as a table, JSON lines and an SVG plot.
    Bench(Box<bench::BenchArgs>),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        None => info::run(&info::InfoArgs::default()),
        Some(Cmd::Info(args)) => info::run(&args),
        Some(Cmd::Bench(args)) => bench::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lowp: {e}");
            ExitCode::FAILURE
        }
    }
}
