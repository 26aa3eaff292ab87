//! sgemm: lowp against the `gemm` and `matrixmultiply` crates, same shapes,
//! same groups, 1 thread and all threads. Throughput is reported as
//! elements/s with one element = one flop (a multiply-add counts 2), so
//! criterion's "Gelem/s" reads as GFLOP/s.
//!
//! `cargo bench --bench sgemm -- <filter>`, e.g. `-- 'sgemm/1024'` or
//! `-- '1t'`. matrixmultiply is built without its `threading` feature, so it
//! appears in the 1-thread rows only. `lowp_packed` multiplies by a B packed
//! beforehand (`PackedB`, the inference case).

mod common;

use common::{gemm_crate_sgemm, matrixmultiply_sgemm, thread_counts, GEMM_SHAPES};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lowp::{sgemm, sgemm_packed, AlignedBuffer, Context, MatMut, MatRef, PackedB};
use std::hint::black_box;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let threads = thread_counts();
    for &(m, n, k) in &GEMM_SHAPES {
        let a: Vec<f32> = (0..m * k)
            .map(|i| ((i * 7 + 3) % 13) as f32 * 0.1 - 0.6)
            .collect();
        let b: Vec<f32> = (0..k * n)
            .map(|i| ((i * 5 + 1) % 11) as f32 * 0.1 - 0.5)
            .collect();
        // The operands of every implementation in `AlignedBuffer`s, as
        // lowp's docs advise allocating them: line-aligned, and large ones
        // on huge pages.
        let (a, b) = (AlignedBuffer::from_slice(&a), AlignedBuffer::from_slice(&b));
        let (a, b) = (&a[..], &b[..]);
        let mut out = AlignedBuffer::<f32>::zeroed(m * n);
        let flops = 2 * (m * n * k) as u64;
        let mut g = c.benchmark_group(format!("sgemm/{m}x{n}x{k}"));
        g.throughput(Throughput::Elements(flops));
        if flops > 1 << 30 {
            g.sample_size(10);
            g.measurement_time(Duration::from_secs(8));
        } else {
            g.measurement_time(Duration::from_secs(3));
        }
        for &t in &threads {
            let ctx = Context::builder().threads(t).build().expect("context");
            let packed = PackedB::<f32>::new(&ctx, MatRef::row_major(b, k, n).unwrap()).unwrap();
            g.bench_function(BenchmarkId::new("lowp", format!("{t}t")), |bch| {
                bch.iter(|| {
                    sgemm(
                        &ctx,
                        1.0,
                        MatRef::row_major(black_box(a), m, k).unwrap(),
                        MatRef::row_major(black_box(b), k, n).unwrap(),
                        0.0,
                        MatMut::row_major(&mut out, m, n).unwrap(),
                    )
                    .unwrap()
                })
            });
            g.bench_function(BenchmarkId::new("lowp_packed", format!("{t}t")), |bch| {
                bch.iter(|| {
                    sgemm_packed(
                        &ctx,
                        1.0,
                        MatRef::row_major(black_box(a), m, k).unwrap(),
                        &packed,
                        0.0,
                        MatMut::row_major(&mut out, m, n).unwrap(),
                    )
                    .unwrap()
                })
            });
            g.bench_function(BenchmarkId::new("gemm", format!("{t}t")), |bch| {
                bch.iter(|| gemm_crate_sgemm(m, n, k, black_box(a), black_box(b), &mut out, t))
            });
            if t == 1 {
                g.bench_function(BenchmarkId::new("matrixmultiply", "1t"), |bch| {
                    bch.iter(|| matrixmultiply_sgemm(m, n, k, black_box(a), black_box(b), &mut out))
                });
            }
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
