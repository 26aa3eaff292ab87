//! INT8 GEMM benchmarks: lowp (prepacked weights; raw s32 and requantize to
//! u8) against rten-gemm (u8 × i8 → i32, prepacked), 1 thread and all
//! threads; and `chain_vs_vnni`: one problem through every kernel family.
//!
//! Throughput is in "elements" = operations (2·M·N·K): criterion's
//! `Kelem/s`·1e-6 reads as GOP/s.
//!
//! `cargo bench -p lowp --bench igemm -- 'igemm/1t/1024'` selects a subset.

mod common;

use common::{kernel_families, lowp_igemm, pack_weights, rten_igemm, thread_counts, GEMM_SHAPES};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lowp::igemm::KernelPreference;
use lowp::{AlignedBuffer, Context, Isa, MatRef};
use rten_gemm::GemmExecutor;
use rten_tensor::NdTensorView;
use std::hint::black_box;
use std::time::Duration;

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

fn bench_shapes(cr: &mut Criterion) {
    for t in thread_counts() {
        let mut g = cr.benchmark_group(format!("igemm/{t}t"));
        g.sample_size(10)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(2));
        let ctx = Context::builder().threads(t).ignore_env().build().unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap();
        // The INT8 shapes skip 64³.
        for &(m, n, k) in &GEMM_SHAPES[1..] {
            let shape = format!("{m}x{n}x{k}");
            g.throughput(Throughput::Elements((2 * m * n * k) as u64));
            let (a, b) = data(m, n, k, false);
            // Activations and outputs in `AlignedBuffer`s for every
            // implementation, as lowp's docs advise (line-aligned rows, large
            // ones on huge pages); the weights are each library's packed form.
            let a = AlignedBuffer::from_slice(&a);
            let a = &a[..];
            let bm = MatRef::row_major(&b, k, n).unwrap();
            let p = pack_weights(&ctx, bm, KernelPreference::Auto);
            let mut cbuf = AlignedBuffer::<i32>::zeroed(m * n);
            let c = &mut cbuf[..];
            g.bench_function(
                BenchmarkId::new(format!("lowp_s32_{}", ctx.isa()), &shape),
                |bch| bch.iter(|| lowp_igemm(&ctx, black_box(a), 0, m, k, &p, c)),
            );
            let mut qbuf = AlignedBuffer::<u8>::zeroed(m * n);
            let q = &mut qbuf[..];
            g.bench_function(
                BenchmarkId::new(format!("lowp_requant_u8_{}", ctx.isa()), &shape),
                |bch| bch.iter(|| lowp_igemm(&ctx, black_box(a), 0, m, k, &p, q)),
            );
            let ex = GemmExecutor::<u8, i8, i32>::default();
            let rb = ex.prepack_b(NdTensorView::from_data([k, n], &b[..]));
            g.bench_function(
                BenchmarkId::new(format!("rten_{}", ex.kernel_name()), &shape),
                |bch| bch.iter(|| rten_igemm(&pool, &ex, &rb, black_box(a), m, k, c)),
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
    for isa in Isa::available().into_iter().filter(|&i| i != Isa::Scalar) {
        let ctx = Context::builder()
            .max_isa(isa)
            .threads(1)
            .ignore_env()
            .build()
            .unwrap();
        for (pref, name) in kernel_families(&ctx) {
            let p = pack_weights(&ctx, bm, pref);
            g.bench_function(BenchmarkId::new(name, format!("{m}x{n}x{k}")), |bch| {
                bch.iter(|| lowp_igemm(&ctx, black_box(&a), 0, m, k, &p, &mut c))
            });
        }
    }
}

criterion_group!(benches, bench_shapes, chain_vs_vnni);
criterion_main!(benches);
