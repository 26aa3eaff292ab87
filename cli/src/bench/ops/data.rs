//! Deterministic inputs for the ops' cases (a small xorshift generator: the
//! benchmarks need varied values, not good randomness), and the shape
//! helpers the ops share.

use crate::bench::case::{CaseOpts, Runner, Shape};
use lowp::peak::Work;
use serde_json::json;

/// `n` values from a xorshift64 stream seeded with `seed`, mapped by `f`
/// from a 32-bit draw.
fn stream<T>(n: usize, seed: u64, f: impl Fn(u32) -> T) -> Vec<T> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            f((s >> 32) as u32)
        })
        .collect()
}

/// f32 in [-1, 1).
pub fn f32s(n: usize, seed: u64) -> Vec<f32> {
    stream(n, seed, |x| (x >> 8) as f32 / (1u32 << 23) as f32 - 1.0)
}

/// s8 in [-127, 127] (symmetric weights).
pub fn s8s(n: usize, seed: u64) -> Vec<i8> {
    stream(n, seed, |x| ((x % 255) as i32 - 127) as i8)
}

/// Any u8.
pub fn u8s(n: usize, seed: u64) -> Vec<u8> {
    stream(n, seed, |x| (x >> 24) as u8)
}

/// The GEMM ops' default shapes (M, N, K), issues 3 and 4: square 64..2048
/// and the inference shapes. `sgemm` runs them all; `igemm` skips the first,
/// 64³ (see [`GEMM_SHAPES_FROM_256`]).
pub const GEMM_SHAPES: &[(usize, usize, usize)] = &[
    (64, 64, 64),
    (256, 256, 256),
    (1024, 1024, 1024),
    (2048, 2048, 2048),
    (1, 4096, 4096),
    (16, 4096, 4096),
    (128, 4096, 1024),
];

/// [`GEMM_SHAPES`] without 64³: square 256..2048 and the inference shapes.
pub const GEMM_SHAPES_FROM_256: &[(usize, usize, usize)] = GEMM_SHAPES.split_at(1).1;

/// The GEMM shapes: `--shapes` if given, else `default` as (M, N, K).
pub fn gemm_shapes(opts: &CaseOpts, default: &[(usize, usize, usize)]) -> Vec<Shape> {
    opts.shapes
        .clone()
        .unwrap_or_else(|| default.iter().map(|&(m, n, k)| Shape::mnk(m, n, k)).collect())
}

/// The dot lengths: K of each `--shapes` entry if given, else `default`.
pub fn dot_dims(opts: &CaseOpts, default: &[usize]) -> Vec<usize> {
    match &opts.shapes {
        Some(s) => s.iter().map(|s| s.k).collect(),
        None => default.to_vec(),
    }
}

/// A scan's shape: one query (`m = 1`) against `n_vectors` rows of `dim`
/// (`n`, `k`), with the `n_vectors` and `dim` fields of ARCHITECTURE.md §8.
pub fn scan_shape(n_vectors: usize, dim: usize) -> Shape {
    Shape {
        m: 1,
        n: n_vectors,
        k: dim,
        extra: vec![("n_vectors", json!(n_vectors)), ("dim", json!(dim))],
    }
}

/// The scan shapes: (N, K) of each `--shapes` entry if given, else `default`
/// as (n_vectors, dim).
pub fn scan_shapes(opts: &CaseOpts, default: &[(usize, usize)]) -> Vec<Shape> {
    match &opts.shapes {
        Some(s) => s.iter().map(|s| scan_shape(s.n, s.k)).collect(),
        None => default.iter().map(|&(n, d)| scan_shape(n, d)).collect(),
    }
}

/// Work above which the set-up does not make a checked call first (a
/// 2048³ GEMM at the scalar level takes seconds per call).
pub const CHECK_IN_SETUP_OPS: f64 = (1u64 << 28) as f64;

/// The runner of a call that returns a `lowp::Result`: small problems make
/// one checked call in the set-up (its error fails the set-up); every timed
/// call that fails reports its error once on stderr and returns NaN work,
/// which the harness turns into an error.
pub fn checked_runner(
    work: Work,
    mut call: impl FnMut() -> lowp::Result<()> + 'static,
) -> crate::CliResult<Runner> {
    if work.ops <= CHECK_IN_SETUP_OPS {
        call()?;
    }
    let mut reported = false;
    Ok(Box::new(move || match call() {
        Ok(()) => work,
        Err(e) => {
            if !reported {
                eprintln!("lowp: {e}");
                reported = true;
            }
            Work {
                ops: f64::NAN,
                bytes: f64::NAN,
            }
        }
    }))
}
