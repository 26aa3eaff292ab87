//! sgemm: lowp against the `gemm` and `matrixmultiply` crates, same shapes,
//! same groups, 1 thread and all threads. Throughput is reported as
//! elements/s with one element = one flop (a multiply-add counts 2), so
//! criterion's "Gelem/s" reads as GFLOP/s.
//!
//! `cargo bench --bench sgemm -- <filter>`, e.g. `-- 'sgemm/1024'` or
//! `-- '1t'`. matrixmultiply is built without its `threading` feature, so it
//! appears in the 1-thread rows only. `lowp_packed` multiplies by a B packed
//! beforehand (`PackedB`, the inference case).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lowp::{sgemm, sgemm_packed, Context, MatMut, MatRef, PackedB};
use std::hint::black_box;
use std::time::Duration;

const SHAPES: &[(usize, usize, usize)] = &[
    (64, 64, 64),
    (256, 256, 256),
    (1024, 1024, 1024),
    (2048, 2048, 2048),
    (1, 4096, 4096),
    (16, 4096, 4096),
    (128, 4096, 1024),
];

fn bench(c: &mut Criterion) {
    let all = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut threads = vec![1];
    if all > 1 {
        threads.push(all);
    }
    for &(m, n, k) in SHAPES {
        let a: Vec<f32> = (0..m * k)
            .map(|i| ((i * 7 + 3) % 13) as f32 * 0.1 - 0.6)
            .collect();
        let b: Vec<f32> = (0..k * n)
            .map(|i| ((i * 5 + 1) % 11) as f32 * 0.1 - 0.5)
            .collect();
        let mut out = vec![0.0f32; m * n];
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
            let packed = PackedB::<f32>::new(&ctx, MatRef::row_major(&b, k, n).unwrap()).unwrap();
            g.bench_function(BenchmarkId::new("lowp", format!("{t}t")), |bch| {
                bch.iter(|| {
                    sgemm(
                        &ctx,
                        1.0,
                        MatRef::row_major(black_box(&a), m, k).unwrap(),
                        MatRef::row_major(black_box(&b), k, n).unwrap(),
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
                        MatRef::row_major(black_box(&a), m, k).unwrap(),
                        &packed,
                        0.0,
                        MatMut::row_major(&mut out, m, n).unwrap(),
                    )
                    .unwrap()
                })
            });
            let par = if t > 1 {
                gemm::Parallelism::Rayon(t)
            } else {
                gemm::Parallelism::None
            };
            g.bench_function(BenchmarkId::new("gemm", format!("{t}t")), |bch| {
                bch.iter(|| {
                    // SAFETY: dense row-major buffers of exactly m×k, k×n, m×n.
                    unsafe {
                        gemm::gemm(
                            m,
                            n,
                            k,
                            out.as_mut_ptr(),
                            1,
                            n as isize,
                            false,
                            black_box(a.as_ptr()),
                            1,
                            k as isize,
                            black_box(b.as_ptr()),
                            1,
                            n as isize,
                            0.0f32,
                            1.0f32,
                            false,
                            false,
                            false,
                            par,
                        )
                    }
                })
            });
            if t == 1 {
                g.bench_function(BenchmarkId::new("matrixmultiply", "1t"), |bch| {
                    bch.iter(|| {
                        // SAFETY: dense row-major buffers of exactly m×k, k×n, m×n.
                        unsafe {
                            matrixmultiply::sgemm(
                                m,
                                k,
                                n,
                                1.0,
                                black_box(a.as_ptr()),
                                k as isize,
                                1,
                                black_box(b.as_ptr()),
                                n as isize,
                                1,
                                0.0,
                                out.as_mut_ptr(),
                                n as isize,
                                1,
                            )
                        }
                    })
                });
            }
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
