//! Pair dot products, vectors in L1, many calls: lowp's public function,
//! the same AVX-512 kernel called directly (no Context, no checks), and
//! simsimd, alternated in 9 rounds of 1,000,000 calls each, at 5 placements
//! of the vectors (offsets 0, 1, 5, 16, 100 elements into their buffers).
//!
//! Prints, per placement and as the median over placements, ns per call
//! from this thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`): on a shared
//! machine other processes time-slice onto the same core, and wall clock
//! counts their slices too, differently for each back-to-back measurement.
//! The placement matters as much: at d = 128 the same code runs up to 2×
//! slower or faster when the vectors move (store-forwarding / 4K-aliasing
//! between the harness's stack traffic and the vector loads), for lowp and
//! simsimd alike, so one placement proves little.
//!
//! `cargo run --release --example dot_pair_perf` (pin it: `taskset -c 1`).

#[path = "../benches/common/mod.rs"]
mod common;

use common::{median, thread_cpu};
use lowp::Context;
use simsimd::SpatialSimilarity;
use std::hint::black_box;

const CALLS: usize = 1_000_000;
const OFFSETS: [usize; 5] = [0, 1, 5, 16, 100];

/// Median CPU ns per call of each runner, rounds alternating.
fn measure(runs: &[&dyn Fn()]) -> Vec<f64> {
    let mut c = vec![Vec::new(); runs.len()];
    for _ in 0..9 {
        for (i, f) in runs.iter().enumerate() {
            let p = thread_cpu();
            for _ in 0..CALLS {
                f();
            }
            c[i].push((thread_cpu() - p) * 1e9 / CALLS as f64);
        }
    }
    c.into_iter().map(median).collect()
}

/// Runs `f(offset)` at every placement; prints each and the medians.
fn sweep(op: &str, d: usize, names: &[&str], f: impl Fn(usize) -> Vec<f64>) {
    let all: Vec<Vec<f64>> = OFFSETS.iter().map(|&o| f(o)).collect();
    for (o, r) in OFFSETS.iter().zip(&all) {
        let row: Vec<String> = names.iter().zip(r).map(|(n, x)| format!("{n} {x:6.2}")).collect();
        println!("{op:>7} d={d:<5} offset {o:>3}: {}", row.join("  "));
    }
    let med: Vec<f64> = (0..names.len())
        .map(|i| median(all.iter().map(|r| r[i]).collect()))
        .collect();
    let s = med[names.len() - 1];
    let row: Vec<String> = names
        .iter()
        .zip(&med)
        .map(|(n, x)| format!("{n} {x:6.2} ns ({:.2}x simsimd)", s / x))
        .collect();
    println!("{op:>7} d={d:<5} MEDIAN    : {}", row.join("  "));
}

fn main() -> Result<(), lowp::Error> {
    let ctx = Context::builder().threads(1).build()?;
    let direct = cfg!(target_arch = "x86_64")
        && lowp::Isa::Avx512Vnni.is_available()
        && ctx.isa() == lowp::Isa::Avx512Vnni;
    println!("isa {}; ns per call from thread CPU time", ctx.isa());
    let names: &[&str] = if direct {
        &["lowp", "kernel", "simsimd"]
    } else {
        &["lowp", "simsimd"]
    };
    for d in [128usize, 768, 1536] {
        sweep("dot_f32", d, names, |off| {
            let af: Vec<f32> = (0..d + off).map(|i| (i % 13) as f32 * 0.1 - 0.6).collect();
            let bf: Vec<f32> = (0..d + off).map(|i| (i % 7) as f32 * 0.2 - 0.5).collect();
            let (a, b) = (&af[off..], &bf[off..]);
            let l = || {
                black_box(lowp::dot::dot_f32(&ctx, black_box(a), black_box(b)).unwrap());
            };
            let s = || {
                black_box(<f32 as SpatialSimilarity>::dot(black_box(a), black_box(b)).unwrap());
            };
            #[cfg(target_arch = "x86_64")]
            if direct {
                let k = || {
                    let (x, y) = (black_box(a), black_box(b));
                    // SAFETY: both hold d elements; AVX-512 VNNI (so F/BW/VL/DQ) was detected.
                    black_box(unsafe {
                        lowp_kernels::x86_64::avx512::dot_f32::dot_f32_avx512(x.as_ptr(), y.as_ptr(), x.len())
                    });
                };
                return measure(&[&l, &k, &s]);
            }
            measure(&[&l, &s])
        });
        sweep("dot_s8", d, names, |off| {
            let a8: Vec<i8> = (0..d + off).map(|i| (i * 37 % 255) as i8).collect();
            let b8: Vec<i8> = (0..d + off).map(|i| (i * 91 % 253) as i8).collect();
            let (a, b) = (&a8[off..], &b8[off..]);
            let l = || {
                black_box(lowp::dot::dot_s8(&ctx, black_box(a), black_box(b)).unwrap());
            };
            let s = || {
                black_box(<i8 as SpatialSimilarity>::dot(black_box(a), black_box(b)).unwrap());
            };
            #[cfg(target_arch = "x86_64")]
            if direct {
                let k = || {
                    let (x, y) = (black_box(a), black_box(b));
                    // SAFETY: both hold d elements; AVX-512 VNNI was detected.
                    black_box(unsafe {
                        lowp_kernels::x86_64::avx512vnni::dot_s8::dot_s8_avx512vnni(
                            x.as_ptr(),
                            y.as_ptr(),
                            x.len(),
                        )
                    });
                };
                return measure(&[&l, &k, &s]);
            }
            measure(&[&l, &s])
        });
    }
    Ok(())
}
