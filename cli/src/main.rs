//! `lowp`: what this machine offers lowp (`lowp info`) and how fast lowp runs
//! on it (`lowp bench`). `cargo run --release` from the workspace root runs
//! `lowp info` followed by a quick benchmark of the selected level's main
//! kernels (`--no-bench` skips it).

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
    /// Without a subcommand: print the info only, skip the quick benchmark.
    #[arg(long)]
    no_bench: bool,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// CPU, features, ISA levels (and which one is selected, and why), threads,
    /// caches, topology, build facts and the kernel table of every level
    /// (the default, followed by a quick benchmark).
    Info(info::InfoArgs),
    /// Benchmarks: peak probes and ops, as a table, JSON lines and an SVG plot.
    Bench(Box<bench::BenchArgs>),
}

/// The main job's last two lines: where to read how to use the library.
fn print_usage_pointer() {
    println!(
        "\nUse lowp from your crate (Rust, ndarray, C): README.md, section \"Use lowp from your crate\"."
    );
    println!("Per-call log: LOWP_VERBOSE=1 cargo run --release --example verbose_calls");
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        None => info::run(&info::InfoArgs::default())
            .and_then(|()| {
                if cli.no_bench {
                    Ok(())
                } else {
                    bench::summary::run()
                }
            })
            .map(|()| print_usage_pointer()),
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
