//! `ConvI8::algorithm_for` (no packing) names what a plan of the same layer
//! runs, on every level.

use lowp::conv::{Conv3dParams, ConvAlgorithm, ConvI8, ConvWeights, Padding3d};
use lowp::igemm::{PackOptions, WeightZeroPoint};
use lowp::{Context, Isa};

#[test]
fn algorithm_for_matches_the_plans_choice_on_every_level() {
    // (N, D, H, W, C, K, T, R, S, padding, stride, groups)
    let layers = [
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
    for isa in Isa::available() {
        let ctx = Context::builder()
            .max_isa(isa)
            .threads(1)
            .ignore_env()
            .build()
            .unwrap();
        for &(n, d, h, w, c, k, t, r, s, pad, stride, groups) in &layers {
            let p = Conv3dParams::new(n, d, h, w, c, k, t, r, s)
                .with_padding(Padding3d::symmetric(pad.min(t / 2), pad, pad))
                .with_stride(1, stride, stride)
                .with_groups(groups);
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
