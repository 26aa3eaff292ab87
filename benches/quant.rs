//! Quantization toolkit: conversions at 64 Ki elements (L2) and 16 Mi
//! elements (beyond the LLC), and the histogram observer over 10⁷ values
//! next to one plain read pass over the same values (`read_pass`: the
//! min-max scan, which reads every byte once). Criterion's throughput is
//! bytes read + written.
//!
//! `cargo bench --bench quant -- <group>`: `quantize`, `dequantize`,
//! `requantize`, `histogram`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lowp::igemm::{Requantize, Scale};
use lowp::quant::{
    dequantize, quantize, requantize, HistogramObserver, MinMaxObserver, Observer, QuantDtype, QuantParams,
};
use lowp::Context;
use std::hint::black_box;

const SIZES: [usize; 2] = [64 << 10, 16 << 20];

fn values(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 7919 % 1000) as f32 - 500.0) * 0.01)
        .collect()
}

fn conversions(c: &mut Criterion) {
    let ctx = Context::builder().threads(1).build().unwrap();
    let p = QuantParams::per_tensor(QuantDtype::U8, 0.02, 128).unwrap();
    let mut g = c.benchmark_group("quantize");
    for n in SIZES {
        let (x, mut q) = (values(n), vec![0u8; n]);
        g.throughput(Throughput::Bytes(5 * n as u64));
        g.bench_function(BenchmarkId::new("f32_u8", n), |b| {
            b.iter(|| quantize(&ctx, black_box(&x), &mut q, &p))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("dequantize");
    for n in SIZES {
        let (q, mut y) = (vec![7u8; n], vec![0f32; n]);
        g.throughput(Throughput::Bytes(5 * n as u64));
        g.bench_function(BenchmarkId::new("u8_f32", n), |b| {
            b.iter(|| dequantize(&ctx, black_box(&q), &mut y, &p))
        });
    }
    g.finish();
    let mut g = c.benchmark_group("requantize");
    let rp = Requantize::new(Scale::PerTensor(0.01), 0);
    for n in SIZES {
        let (v, mut q) = (vec![1234i32; n], vec![0u8; n]);
        g.throughput(Throughput::Bytes(5 * n as u64));
        g.bench_function(BenchmarkId::new("s32_u8", n), |b| {
            b.iter(|| requantize(&ctx, black_box(&v), &mut q, &rp))
        });
    }
    g.finish();
}

fn histogram(c: &mut Criterion) {
    let n = 10_000_000;
    let x = values(n);
    let mut g = c.benchmark_group("histogram");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(4 * n as u64));
    g.bench_function("read_pass", |b| {
        b.iter(|| {
            let mut o = MinMaxObserver::default();
            o.observe(black_box(&x));
            o
        })
    });
    g.bench_function("histogram_observe", |b| {
        b.iter(|| {
            let mut o = HistogramObserver::default();
            o.observe(black_box(&x));
            o
        })
    });
    g.finish();
}

criterion_group!(benches, conversions, histogram);
criterion_main!(benches);
