//! Convolution plans (`ConvF32`, `ConvI8`), batch 1, the layers of issue 16,
//! 1 thread and all threads. Throughput is elements/s with one element = one
//! operation (a multiply-add counts 2, padding taps included), so
//! criterion's "Gelem/s" reads as GOP/s. Plans (packed weights, indirection
//! buffer) are built outside the timed loop.
//!
//! `cargo bench --bench conv -- <filter>`, e.g. `-- 'conv/56x56x64'` or `-- '1t'`.

mod common;

use common::thread_counts;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use lowp::conv::{Conv3dParams, ConvF32, ConvI8, ConvOutput, ConvWeights, Padding3d};
use lowp::igemm::{Activation, PackOptions, WeightZeroPoint};
use lowp::{AlignedBuffer, Context};
use std::hint::black_box;
use std::time::Duration;

/// `(D, H, W, C, K, T, R)` (`S = R`), padding `(T/2, R/2, R/2)`, stride 1.
const LAYERS: &[(usize, usize, usize, usize, usize, usize, usize)] = &[
    (1, 56, 56, 64, 64, 1, 3),
    (1, 28, 28, 128, 128, 1, 3),
    (1, 14, 14, 256, 256, 1, 3),
    (1, 7, 7, 512, 512, 1, 3),
    (1, 56, 56, 64, 256, 1, 1),
    (32, 32, 32, 32, 32, 3, 3),
];

fn bench(c: &mut Criterion) {
    let threads = thread_counts();
    for &(d, h, w, ch, k, t, r) in LAYERS {
        let p = Conv3dParams::new(1, d, h, w, ch, k, t, r, r).with_padding(Padding3d::symmetric(
            t / 2,
            r / 2,
            r / 2,
        ));
        let (in_len, w_len, out_len) = (
            p.input_len().unwrap(),
            p.weights_len().unwrap(),
            p.output_len().unwrap(),
        );
        let xf = AlignedBuffer::from_slice(
            &(0..in_len)
                .map(|i| ((i * 7 + 3) % 13) as f32 * 0.1 - 0.6)
                .collect::<Vec<_>>(),
        );
        let wf: Vec<f32> = (0..w_len)
            .map(|i| ((i * 5 + 1) % 11) as f32 * 0.1 - 0.5)
            .collect();
        let xq = AlignedBuffer::from_slice(&(0..in_len).map(|i| (i * 7 % 251) as u8).collect::<Vec<_>>());
        let wq: Vec<i8> = (0..w_len).map(|i| (i * 5 % 255) as u8 as i8).collect();
        let mut yf = AlignedBuffer::<f32>::zeroed(out_len);
        let mut yq = AlignedBuffer::<i32>::zeroed(out_len);
        let mut g = c.benchmark_group(format!("conv/{d}x{h}x{w}x{ch}->{k} {t}x{r}x{r}"));
        g.throughput(Throughput::Elements(p.ops().unwrap()));
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(3));
        for &n in &threads {
            let ctx = Context::builder().threads(n).build().expect("context");
            let f = ConvF32::new_3d(&ctx, &p, ConvWeights::ohwi(&wf)).unwrap();
            g.bench_function(BenchmarkId::new("f32", format!("{n}t")), |b| {
                b.iter(|| {
                    f.run(&ctx, black_box(&xf), None, Activation::Identity, &mut yf)
                        .unwrap()
                })
            });
            let q = ConvI8::new_3d(
                &ctx,
                &p,
                ConvWeights::ohwi(&wq),
                WeightZeroPoint::PerTensor(0),
                PackOptions::default(),
            )
            .unwrap();
            g.bench_function(BenchmarkId::new("u8s8s32", format!("{n}t")), |b| {
                b.iter(|| {
                    let output = ConvOutput::S32 {
                        output: &mut yq,
                        accumulate: false,
                    };
                    q.run(&ctx, black_box(&xq), 128, output).unwrap()
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
