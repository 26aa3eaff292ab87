//! INT8 GEMM benchmarks: lowp (prepacked weights; raw s32 and requantize to
//! u8) against rten-gemm (u8 × i8 → i32, prepacked), 1 thread and all
//! threads; and `chain_vs_vnni`: one problem through every kernel family.
//!
//! Throughput is in "elements" = operations (2·M·N·K): criterion's
//! `Kelem/s`·1e-6 reads as GOP/s.
//!
//! `cargo bench -p lowp --bench igemm -- 'igemm/1t/1024'` selects a subset.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lowp::igemm::{
    igemm, KernelPreference, Output, PackOptions, PackedI8Weights, Requantize, Scale, WeightZeroPoint,
};
use lowp::{Context, Isa, MatMut, MatRef};
use rten_gemm::{GemmExecutor, GemmInputA, GemmInputB};
use rten_tensor::NdTensorView;
use std::hint::black_box;
use std::time::Duration;

const SHAPES: [(usize, usize, usize); 6] = [
    (256, 256, 256),
    (1024, 1024, 1024),
    (2048, 2048, 2048),
    (1, 4096, 4096),
    (16, 4096, 4096),
    (128, 4096, 1024),
];

fn data(m: usize, n: usize, k: usize, small_weights: bool) -> (Vec<u8>, Vec<i8>) {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 24) as u8
    };
    let a = (0..m * k).map(|_| next()).collect();
    let b = (0..k * n)
        .map(|_| {
            let v = next() as i8;
            if small_weights {
                v / 3
            } else {
                v
            }
        })
        .collect();
    (a, b)
}

fn lowp_run(ctx: &Context, a: &[u8], m: usize, k: usize, p: &PackedI8Weights, c: &mut [i32]) {
    let a = MatRef::row_major(a, m, k).unwrap();
    let out = Output::S32 {
        c: MatMut::row_major(c, m, p.n()).unwrap(),
        accumulate: false,
    };
    igemm(ctx, a, 0, p, out).unwrap();
}

fn bench_shapes(cr: &mut Criterion) {
    let all = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut thread_counts = vec![1];
    if all > 1 {
        thread_counts.push(all);
    }
    for &t in &thread_counts {
        let mut g = cr.benchmark_group(format!("igemm/{t}t"));
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2));
        let ctx = Context::builder().threads(t).ignore_env().build().unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap();
        for &(m, n, k) in &SHAPES {
            let shape = format!("{m}x{n}x{k}");
            g.throughput(Throughput::Elements((2 * m * n * k) as u64));
            let (a, b) = data(m, n, k, false);
            let bm = MatRef::row_major(&b, k, n).unwrap();
            let p = PackedI8Weights::pack(&ctx, bm, WeightZeroPoint::PerTensor(0), PackOptions::default())
                .unwrap();
            let mut c = vec![0i32; m * n];
            g.bench_function(
                BenchmarkId::new(format!("lowp_s32_{}", ctx.isa()), &shape),
                |bch| bch.iter(|| lowp_run(&ctx, black_box(&a), m, k, &p, &mut c)),
            );
            let mut q = vec![0u8; m * n];
            g.bench_function(
                BenchmarkId::new(format!("lowp_requant_u8_{}", ctx.isa()), &shape),
                |bch| {
                    bch.iter(|| {
                        let am = MatRef::row_major(black_box(&a), m, k).unwrap();
                        let out = Output::U8 {
                            c: MatMut::row_major(&mut q, m, n).unwrap(),
                            requantize: Requantize {
                                relu: true,
                                ..Requantize::new(Scale::PerTensor(1e-4), 3)
                            },
                        };
                        igemm(&ctx, am, 0, &p, out).unwrap();
                    })
                },
            );
            let ex = GemmExecutor::<u8, i8, i32>::default();
            let rb = ex.prepack_b(NdTensorView::from_data([k, n], &b[..]));
            let mut rc = vec![0i32; m * n];
            g.bench_function(
                BenchmarkId::new(format!("rten_{}", ex.kernel_name()), &shape),
                |bch| {
                    bch.iter(|| {
                        pool.install(|| {
                            let av = NdTensorView::from_data([m, k], black_box(&a[..]));
                            ex.gemm(
                                &mut rc,
                                GemmInputA::Unpacked(av),
                                GemmInputB::Packed(&rb),
                                Default::default(),
                            )
                            .unwrap()
                        })
                    })
                },
            );
        }
        g.finish();
    }
}

/// The same problem through every kernel family this CPU runs, 1 thread.
/// Weights are small (|w| ≤ 42) so every chain panel is safe.
fn chain_vs_vnni(cr: &mut Criterion) {
    let mut g = cr.benchmark_group("chain_vs_vnni");
    for (m, n, k) in [(256, 1024, 1024), (252, 512, 256)] {
        chain_vs_vnni_shape(&mut g, m, n, k);
    }
    g.finish();
}

fn chain_vs_vnni_shape(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    m: usize,
    n: usize,
    k: usize,
) {
    let (a, b) = data(m, n, k, true);
    let bm = MatRef::row_major(&b, k, n).unwrap();
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    g.throughput(Throughput::Elements((2 * m * n * k) as u64));
    let mut c = vec![0i32; m * n];
    for isa in Isa::available() {
        let ctx = Context::builder()
            .max_isa(isa)
            .threads(1)
            .ignore_env()
            .build()
            .unwrap();
        let t = ctx.kernels().igemm;
        let mut variants = vec![(KernelPreference::Auto, t.main.name)];
        if let Some(alt) = t.alt {
            variants.push((KernelPreference::Ymm, alt.name));
        }
        if let Some(ex) = t.exact {
            if isa != Isa::Scalar {
                variants.push((KernelPreference::ExactS16, ex.name));
            }
        }
        if isa == Isa::Scalar {
            continue;
        }
        for (pref, name) in variants {
            let opts = PackOptions {
                preference: pref,
                ..Default::default()
            };
            let p = PackedI8Weights::pack(&ctx, bm, WeightZeroPoint::PerTensor(0), opts).unwrap();
            g.bench_function(BenchmarkId::new(name, format!("{m}x{n}x{k}")), |bch| {
                bch.iter(|| lowp_run(&ctx, black_box(&a), m, k, &p, &mut c))
            });
        }
    }
}

criterion_group!(benches, bench_shapes, chain_vs_vnni);
criterion_main!(benches);
