//! Dot products and scans: lowp against simsimd, and scans against the read
//! bandwidth measured in the same run.
//!
//! Groups (filter with `cargo bench --bench dot -- <group>`):
//! - `dot_pair_f32`, `dot_pair_s8`: one pair at d = 128, 768, 1536, vectors in
//!   L1, many calls (ns per call; GOP/s = 2·d / ns), timed by the thread's
//!   CPU time (see `cpu_time`). At d = 128 a call is ~10 ns and the
//!   placement of the vectors alone moves it by up to 2× for every
//!   implementation: `examples/dot_pair_perf` sweeps placements.
//! - `scan_s8_1Mx128`, `scan_f32_1Mx128`: top-10 inner-product scan of
//!   1,000,000 × 128 rows, 1 thread and all threads, next to `read_bw` (a
//!   plain sum, through lowp's `dot::sum_u64`, over the very bytes the scan
//!   reads) and to a simsimd per-row scan with the same heap.
//!   Criterion prints each as GiB/s; scan ÷ read_bw is the fraction of the
//!   read bandwidth reached. Because the load of a shared machine changes
//!   between criterion's back-to-back measurements, each scan group first
//!   prints one JSON line per thread count with the medians of 9 alternating
//!   probe/scan runs and their ratio (`fraction_of_read_bw`).
//! - `scan_many_s8_64x1Mx128`: 64 s8 queries against 1,000,000 × 128 s8,
//!   top-10 inner product per query, as a GEMM per database chunk:
//!   `lowp_inplace` (`scan_many_top_k`, the database read in place) and
//!   `lowp_packed` (a `PackedDatabase` packed once, outside the timing),
//!   1 thread and all threads. Throughput is in elements = operations
//!   (2·64·1M·128 per call), so criterion's Gelem/s reads as GOP/s.

mod common;

use common::{median, thread_cpu};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lowp::dot::{self, Metric};
use lowp::{Context, MatRef};
use simsimd::SpatialSimilarity;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn elem_f32(i: usize, seed: u32) -> f32 {
    ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 8) as f32 / (1 << 24) as f32 - 0.5
}

fn elem_s8(i: usize, seed: u32) -> i8 {
    ((i as u32).wrapping_mul(2_654_435_761).wrapping_add(seed) >> 13) as i8
}

fn data_f32(n: usize, seed: u32) -> Vec<f32> {
    (0..n).map(|i| elem_f32(i, seed)).collect()
}

fn data_s8(n: usize, seed: u32) -> Vec<i8> {
    (0..n).map(|i| elem_s8(i, seed)).collect()
}

/// Pair-bench vectors are the first `d` elements of buffers `PAD` longer.
/// With plain `d`-element vectors, where the allocator put the two 512-byte
/// vectors of d = 128 f32 made lowp read 17.7 ns/call against 9.4 ns for the
/// same code with the vectors placed anywhere else (offsets 0, 16, 37, 512
/// of a large buffer all gave 9.4–10.5 ns; simsimd moved 13.6 → 11.6 ns):
/// an artefact of placement (an address alias with the harness's stack
/// traffic), not of the code measured.
const PAD: usize = 4096;

/// Whether a criterion filter given on the command line (the first argument
/// that is not a flag) could select benchmarks of `group`: then the data is
/// built and the interleaved preamble runs. No filter selects everything.
fn wanted(group: &str) -> bool {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    match filter {
        None => true,
        Some(f) => {
            let head = f
                .split(['/', '.', '*', '|', '(', '[', '^', '$'])
                .next()
                .unwrap_or("");
            group.contains(head) || head.contains(group)
        }
    }
}

fn ctx(threads: usize) -> Context {
    Context::builder().threads(threads).build().expect("context")
}

fn all_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Alternates lowp and simsimd (200,000 calls each, 9 rounds) and prints
/// the median ns per call (thread CPU time) as one JSON line per (type, d):
/// the same-load comparison criterion's back-to-back groups cannot give on
/// a shared machine.
fn pair_interleaved<T: SpatialSimilarity>(
    op: &str,
    d: usize,
    a: &[T],
    b: &[T],
    lowp: impl Fn(&[T], &[T]) -> f64,
) {
    const CALLS: usize = 200_000;
    let (mut l, mut s) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        let x = thread_cpu();
        for _ in 0..CALLS {
            black_box(lowp(black_box(a), black_box(b)));
        }
        l.push((thread_cpu() - x) * 1e9 / CALLS as f64);
        let x = thread_cpu();
        for _ in 0..CALLS {
            black_box(T::dot(black_box(a), black_box(b)));
        }
        s.push((thread_cpu() - x) * 1e9 / CALLS as f64);
    }
    let (l, s) = (median(l), median(s));
    println!(
        "{{\"op\":\"{op}\",\"dim\":{d},\"threads\":1,\"impl\":\"lowp\",\"clock\":\"thread_cpu\",\"ns_per_call\":{l:.2},\"gops\":{:.2},\"simsimd_ns_per_call\":{s:.2},\"speedup_vs_simsimd\":{:.2}}}",
        2.0 * d as f64 / l,
        s / l
    );
}

/// Times `f` by this thread's CPU time instead of the wall clock: on a
/// shared machine other processes time-slice onto the benchmark's core,
/// and the wall clock counts their slices too, differently for each
/// back-to-back measurement (a 2× swing between groups was seen at d = 128).
fn cpu_time<R>(b: &mut criterion::Bencher<'_>, mut f: impl FnMut() -> R) {
    b.iter_custom(|iters| {
        let t = thread_cpu();
        for _ in 0..iters {
            black_box(f());
        }
        Duration::from_secs_f64(thread_cpu() - t)
    })
}

fn pair(c: &mut Criterion) {
    let one = ctx(1);
    if wanted("dot_pair") {
        for d in [128usize, 768, 1536] {
            let (a, b) = (data_f32(d + PAD, 1), data_f32(d + PAD, 2));
            let (a, b) = (&a[..d], &b[..d]);
            pair_interleaved("dot_f32", d, a, b, |a, b| {
                dot::dot_f32(&one, a, b).unwrap() as f64
            });
            let (a, b) = (data_s8(d + PAD, 1), data_s8(d + PAD, 2));
            let (a, b) = (&a[..d], &b[..d]);
            pair_interleaved("dot_s8", d, a, b, |a, b| dot::dot_s8(&one, a, b).unwrap() as f64);
        }
    }
    pair_group(c, "dot_pair_f32", data_f32, |a, b| {
        dot::dot_f32(&one, a, b).unwrap()
    });
    pair_group(c, "dot_pair_s8", data_s8, |a, b| dot::dot_s8(&one, a, b).unwrap());
}

/// Criterion group `group`: lowp's pair function against simsimd's dot at
/// d = 128, 768, 1536 (inputs from `data` with seeds 1 and 2).
fn pair_group<T: SpatialSimilarity, R>(
    c: &mut Criterion,
    group: &str,
    data: fn(usize, u32) -> Vec<T>,
    lowp: impl Fn(&[T], &[T]) -> R,
) {
    let mut g = c.benchmark_group(group);
    g.warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    for d in [128usize, 768, 1536] {
        let (a, b) = (data(d + PAD, 1), data(d + PAD, 2));
        let (a, b) = (&a[..d], &b[..d]);
        g.throughput(Throughput::Elements(2 * d as u64));
        g.bench_with_input(BenchmarkId::new("lowp", d), &d, |bn, _| {
            cpu_time(bn, || lowp(black_box(a), black_box(b)))
        });
        g.bench_with_input(BenchmarkId::new("simsimd", d), &d, |bn, _| {
            cpu_time(bn, || T::dot(black_box(a), black_box(b)).unwrap())
        });
    }
    g.finish();
}

const ROWS: usize = 1_000_000;
const DIM: usize = 128;

/// Top-10 by inner product with simsimd's pair kernel per row (one thread),
/// same tie rule as lowp: larger score first, then lower index.
fn simsimd_scan<T: SpatialSimilarity>(q: &[T], db: &[T], d: usize) -> Vec<(usize, f64)> {
    let mut top: Vec<(usize, f64)> = Vec::with_capacity(11);
    for (i, row) in db.chunks_exact(d).enumerate() {
        let s = T::dot(q, row).unwrap();
        if top.len() < 10 || s > top[top.len() - 1].1 {
            let at = top.partition_point(|&(_, t)| t >= s);
            top.insert(at, (i, s));
            top.truncate(10);
        }
    }
    top
}

/// The machine is shared, so the load changes between criterion groups. This
/// alternates read-bandwidth probe and scan 9 times and prints, as one JSON
/// line per thread count (ARCHITECTURE.md §8 schema), the medians and their ratio:
/// the "% of read bandwidth measured in the same run" figure.
fn interleaved<T: dot::ScanElem>(op: &str, db: &[T], q: &[T], words: &[u64]) {
    let bytes = std::mem::size_of_val(db) as f64;
    let view = MatRef::row_major(db, ROWS, DIM).unwrap();
    let mut threads = vec![1];
    if all_threads() > 1 {
        threads.push(all_threads());
    }
    for t in threads {
        let cx = ctx(t);
        let (mut bw, mut sc) = (Vec::new(), Vec::new());
        for _ in 0..9 {
            let x = Instant::now();
            black_box(dot::sum_u64(&cx, black_box(words)));
            bw.push(x.elapsed().as_secs_f64());
            let x = Instant::now();
            black_box(dot::scan_top_k(&cx, black_box(q), view, Metric::InnerProduct, 10).unwrap());
            sc.push(x.elapsed().as_secs_f64());
        }
        let (b, s) = (median(bw), median(sc));
        println!(
            "{{\"op\":\"{op}\",\"n_vectors\":{ROWS},\"dim\":{DIM},\"k\":10,\"threads\":{t},\"isa\":\"{}\",\"impl\":\"lowp\",\"seconds\":{s:.6},\"gbytes_per_s\":{:.2},\"read_gbytes_per_s\":{:.2},\"fraction_of_read_bw\":{:.3}}}",
            cx.isa(),
            bytes / s / 1e9,
            bytes / b / 1e9,
            b / s
        );
    }
}

/// `n` elements `f(i)` stored in a u64 buffer, so the read-bandwidth probe
/// can read exactly the bytes the scan reads (same pages, same placement).
fn storage<T: bytemuck::Pod>(n: usize, f: impl Fn(usize) -> T) -> Vec<u64> {
    let mut w = vec![0u64; (n * std::mem::size_of::<T>()).div_ceil(8)];
    for (i, x) in bytemuck::cast_slice_mut::<u64, T>(&mut w)[..n]
        .iter_mut()
        .enumerate()
    {
        *x = f(i);
    }
    w
}

fn scan_group<T, F>(c: &mut Criterion, name: &str, words: &[u64], q: &[T], simsimd: F)
where
    T: dot::ScanElem + SpatialSimilarity + bytemuck::Pod,
    F: Fn(&[T], &[T]) -> Vec<(usize, f64)>,
{
    let db: &[T] = &bytemuck::cast_slice::<u64, T>(words)[..ROWS * DIM];
    let bytes = std::mem::size_of_val(db);
    let words = &words[..bytes / 8];
    let view = MatRef::row_major(db, ROWS, DIM).unwrap();
    interleaved(
        if name.contains("s8") {
            "scan_s8_ip"
        } else {
            "scan_f32_ip"
        },
        db,
        q,
        words,
    );
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Bytes(bytes as u64));
    let threads: Vec<usize> = if all_threads() > 1 {
        vec![1, all_threads()]
    } else {
        vec![1]
    };
    for &t in &threads {
        let cx = ctx(t);
        g.bench_function(BenchmarkId::new("read_bw", format!("{t}t")), |b| {
            b.iter(|| dot::sum_u64(&cx, black_box(words)))
        });
        g.bench_function(BenchmarkId::new("lowp_top10", format!("{t}t")), |b| {
            b.iter(|| dot::scan_top_k(&cx, black_box(q), view, Metric::InnerProduct, 10).unwrap())
        });
    }
    g.bench_function(BenchmarkId::new("simsimd_top10", "1t"), |b| {
        b.iter(|| simsimd(black_box(q), black_box(db)))
    });
    g.finish();
}

fn scans(c: &mut Criterion) {
    if wanted("scan_s8_1Mx128") {
        let w = storage(ROWS * DIM, |i| elem_s8(i, 3));
        let q = data_s8(DIM, 4);
        scan_group(c, "scan_s8_1Mx128", &w, &q, |q, db| simsimd_scan(q, db, DIM));
    }
    if wanted("scan_f32_1Mx128") {
        let w = storage(ROWS * DIM, |i| elem_f32(i, 3));
        let q = data_f32(DIM, 4);
        scan_group(c, "scan_f32_1Mx128", &w, &q, |q, db| simsimd_scan(q, db, DIM));
    }
}

fn many(c: &mut Criterion) {
    if !wanted("scan_many_s8_64x1Mx128") {
        return;
    }
    const NQ: usize = 64;
    let db = data_s8(ROWS * DIM, 3);
    let qs = data_s8(NQ * DIM, 4);
    let (dv, qv) = (
        MatRef::row_major(&db, ROWS, DIM).unwrap(),
        MatRef::row_major(&qs, NQ, DIM).unwrap(),
    );
    let mut g = c.benchmark_group("scan_many_s8_64x1Mx128");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements((2 * NQ * ROWS * DIM) as u64));
    let mut threads = vec![1];
    if all_threads() > 1 {
        threads.push(all_threads());
    }
    for t in threads {
        let cx = ctx(t);
        g.bench_function(BenchmarkId::new("lowp_inplace", format!("{t}t")), |b| {
            b.iter(|| dot::scan_many_top_k(&cx, black_box(qv), dv, Metric::InnerProduct, 10).unwrap())
        });
        let index = dot::PackedDatabase::new(&cx, dv).unwrap();
        g.bench_function(BenchmarkId::new("lowp_packed", format!("{t}t")), |b| {
            b.iter(|| index.top_k(&cx, black_box(qv), Metric::InnerProduct, 10).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, pair, scans, many);
criterion_main!(benches);
