//! Times many-query top-10 scans (s8, inner product): the one-off GEMM path
//! (`scan_many_top_k`) and a `PackedDatabase`, at the best ISA level.
//!
//! `cargo run --release --example scan_many_perf -- [queries] [rows] [dim] [threads] [reps]`
//! (defaults 64 1000000 128 1 5). Prints the median ms per call and GOP/s
//! (2·queries·rows·dim per call), and how many cores the calls kept busy
//! (process CPU time ÷ wall time; unix).

#[path = "../benches/common/mod.rs"]
mod common;

use common::{median, process_cpu};
use lowp::dot::{scan_many_top_k, Metric, PackedDatabase};
use lowp::{Context, MatRef};
use std::time::Instant;

fn main() -> Result<(), lowp::Error> {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let arg = |i: usize, d: usize| args.get(i).copied().unwrap_or(d);
    let (nq, rows, dim, threads, reps) = (arg(0, 64), arg(1, 1_000_000), arg(2, 128), arg(3, 1), arg(4, 5));
    let ctx = Context::builder().threads(threads).build()?;
    let gen = |n: usize, seed: u32| -> Vec<i8> {
        (0..n)
            .map(|i| ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 13) as i8)
            .collect()
    };
    let (db, qs) = (gen(rows * dim, 3), gen(nq * dim, 4));
    let (dv, qv) = (
        MatRef::row_major(&db, rows, dim)?,
        MatRef::row_major(&qs, nq, dim)?,
    );
    let index = PackedDatabase::new(&ctx, dv)?;
    let ops = 2.0 * (nq * rows * dim) as f64;
    let time = |f: &dyn Fn() -> Result<(), lowp::Error>| -> Result<(f64, f64), lowp::Error> {
        f()?;
        let mut t = Vec::new();
        let (w0, c0) = (Instant::now(), process_cpu());
        for _ in 0..reps {
            let x = Instant::now();
            f()?;
            t.push(x.elapsed().as_secs_f64());
        }
        let busy = (process_cpu() - c0) / w0.elapsed().as_secs_f64();
        Ok((median(t), busy))
    };
    let one = time(&|| scan_many_top_k(&ctx, qv, dv, Metric::InnerProduct, 10).map(drop))?;
    let packed = time(&|| index.top_k(&ctx, qv, Metric::InnerProduct, 10).map(drop))?;
    for (name, (s, busy)) in [("scan_many_top_k", one), ("PackedDatabase::top_k", packed)] {
        println!(
            "{name:>22}: {nq}x{rows}x{dim} {} {threads}t  {:8.3} ms  {:6.1} GOP/s  (cores busy {busy:.2})",
            ctx.isa(),
            s * 1e3,
            ops / s / 1e9
        );
    }
    Ok(())
}
