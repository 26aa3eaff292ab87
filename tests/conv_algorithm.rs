//! `ConvI8::algorithm_for` and `ConvF32::algorithm_for` (no packing) name
//! what a plan of the same layer runs, on every level.

use lowp::conv::{Conv3dParams, ConvAlgorithm, ConvF32, ConvI8, ConvWeights, Padding3d};
use lowp::igemm::{PackOptions, WeightZeroPoint};
use lowp::{Context, Isa};

/// (N, D, H, W, C, K, T, R, S, padding, stride, groups).
type LayerSpec = (
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
);

fn params(&(n, d, h, w, c, k, t, r, s, pad, stride, groups): &LayerSpec) -> Conv3dParams {
    Conv3dParams::new(n, d, h, w, c, k, t, r, s)
        .with_padding(Padding3d::symmetric(pad.min(t / 2), pad, pad))
        .with_stride(1, stride, stride)
        .with_groups(groups)
}

/// A one-thread Context at every available level.
fn levels() -> impl Iterator<Item = (Isa, Context)> {
    Isa::available().into_iter().map(|isa| {
        let ctx = Context::builder()
            .max_isa(isa)
            .threads(1)
            .ignore_env()
            .build()
            .unwrap();
        (isa, ctx)
    })
}

#[test]
fn algorithm_for_matches_the_plans_choice_on_every_level() {
    let layers: [LayerSpec; 10] = [
        (1, 1, 6, 5, 8, 16, 1, 3, 3, 1, 1, 1),
        (1, 1, 6, 5, 6, 16, 1, 3, 3, 1, 1, 1),
        (2, 1, 4, 4, 64, 32, 1, 1, 1, 0, 1, 1),
        (1, 1, 7, 7, 16, 8, 1, 1, 1, 0, 2, 1),
        (1, 1, 5, 5, 16, 16, 1, 1, 1, 1, 1, 1),
        (1, 1, 8, 8, 16, 16, 1, 3, 3, 1, 1, 16),
        (1, 1, 8, 8, 32, 32, 1, 3, 3, 1, 1, 4),
        (1, 1, 8, 8, 32, 32, 1, 3, 3, 1, 1, 2),
        (1, 3, 4, 4, 8, 8, 3, 3, 3, 1, 1, 1),
        (1, 1, 2, 2, 8, 8, 1, 3, 3, 2, 1, 1),
    ];
    for (isa, ctx) in levels() {
        for p in layers.iter().map(params) {
            let weights: Vec<i8> = (0..p.weights_len().unwrap())
                .map(|x| (x * 37 % 255) as i8)
                .collect();
            let plan = |zb| {
                ConvI8::new_3d(&ctx, &p, ConvWeights::ohwi(&weights), zb, PackOptions::default()).unwrap()
            };
            let predicted = ConvI8::algorithm_for(&ctx, &p).unwrap();
            assert_eq!(
                predicted,
                plan(WeightZeroPoint::PerTensor(0)).algorithm(),
                "{isa} {p:?}"
            );
            if predicted == ConvAlgorithm::IndirectKernel {
                // A weight zero point keeps the layer off the indirect kernel.
                let zb = plan(WeightZeroPoint::PerTensor(1));
                assert_eq!(zb.algorithm(), ConvAlgorithm::Indirect, "{isa} {p:?}");
            }
        }
    }
}

#[test]
fn f32_algorithm_for_matches_the_plans_choice_on_every_level() {
    // 64 and 60 output channels fill the FP32 indirect kernel's panels, 16
    // and 40 do not.
    let layers: [LayerSpec; 11] = [
        (1, 1, 6, 5, 8, 64, 1, 3, 3, 1, 1, 1),
        (1, 1, 6, 5, 8, 60, 1, 3, 3, 1, 2, 1),
        (1, 1, 6, 5, 8, 16, 1, 3, 3, 1, 1, 1),
        (1, 1, 6, 5, 8, 40, 1, 3, 3, 1, 1, 1),
        (2, 1, 4, 4, 16, 64, 1, 1, 1, 0, 1, 1),
        (1, 1, 7, 7, 16, 64, 1, 1, 1, 0, 2, 1),
        (1, 1, 8, 8, 16, 16, 1, 3, 3, 1, 1, 16),
        (1, 1, 8, 8, 32, 32, 1, 3, 3, 1, 1, 4),
        (1, 1, 8, 8, 8, 128, 1, 3, 3, 1, 1, 2),
        (1, 3, 4, 4, 8, 64, 3, 3, 3, 1, 1, 1),
        (1, 1, 2, 2, 8, 64, 1, 3, 3, 2, 1, 1),
    ];
    let mut kernel_seen = false;
    for (isa, ctx) in levels() {
        for p in layers.iter().map(params) {
            let weights: Vec<f32> = (0..p.weights_len().unwrap())
                .map(|x| (x % 7) as f32 - 3.0)
                .collect();
            let plan = ConvF32::new_3d(&ctx, &p, ConvWeights::ohwi(&weights)).unwrap();
            let predicted = ConvF32::algorithm_for(&ctx, &p).unwrap();
            assert_eq!(predicted, plan.algorithm(), "{isa} {p:?}");
            kernel_seen |= predicted == ConvAlgorithm::IndirectKernel;
        }
    }
    // Where AVX-512 runs, some layer above takes the indirect kernel.
    if Isa::available().contains(&Isa::Avx512) {
        assert!(kernel_seen);
    }
}
