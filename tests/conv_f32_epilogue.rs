//! The FP32 convolution's fused output stage (bias, ReLU/clamp applied to
//! each tile as it is stored) against the oracle `lowp_reference::conv` on
//! every ISA level: every activation with and without a bias, on layers
//! whose depth spans several K blocks (the stage must run once, after the
//! last), whose rows and columns leave edge tiles, and on the 1×1 GEMM
//! path; f32 within `(depth + 2)·ε·(Σ|x||w| + |bias|)`.

use lowp::conv::{Conv2dParams, ConvAlgorithm, ConvF32, ConvWeights, Padding2d};
use lowp::igemm::Activation;
use lowp_reference::conv as oracle;

mod common;

use common::{assert_activated_close, contexts, SplitMix};

fn activations() -> [Activation; 4] {
    [
        Activation::Identity,
        Activation::Relu,
        Activation::Clamp { min: -0.5, max: 0.75 },
        Activation::Clamp { min: 0.25, max: 0.25 },
    ]
}

fn check(p: &Conv2dParams, algo: ConvAlgorithm, seed: u64) {
    let (in_len, w_len, out_len) = (
        p.input_len().unwrap(),
        p.weights_len().unwrap(),
        p.output_len().unwrap(),
    );
    let mut g = SplitMix(seed);
    let x: Vec<f32> = (0..in_len).map(|_| g.f32()).collect();
    let w: Vec<f32> = (0..w_len).map(|_| g.f32()).collect();
    let bias: Vec<f32> = (0..p.k).map(|_| g.f32()).collect();
    let depth = p.c / p.groups * p.r * p.s;
    let tol = (depth + 2) as f32 * f32::EPSILON;
    for ctx in contexts(2) {
        let conv = ConvF32::new(&ctx, p, ConvWeights::ohwi(&w)).unwrap();
        assert_eq!(conv.algorithm(), algo, "{p:?}");
        for b in [None, Some(&bias[..])] {
            let (mut want, mut mag) = (vec![0f32; out_len], vec![0f32; out_len]);
            oracle::conv2d_f32(p, &x, &w, b, &mut want).unwrap();
            oracle::conv2d_f32_magnitude(p, &x, &w, b, &mut mag).unwrap();
            for act in activations() {
                let mut got = vec![f32::NAN; out_len];
                conv.run(&ctx, &x, b, act, &mut got).unwrap();
                let what = || format!("{} {p:?} bias {}", ctx.isa(), b.is_some());
                assert_activated_close(&got, &want, &mag, act, tol, &what);
            }
        }
    }
}

#[test]
fn deep_layers_apply_the_stage_once_after_the_last_k_block() {
    // Depth 3·3·300 = 2700: several K blocks on every level; 5×7 = 35 rows
    // and 37 columns leave edge tiles in both directions.
    let p = Conv2dParams::new(1, 5, 7, 300, 37, 3, 3).with_padding(Padding2d::uniform(1));
    check(&p, ConvAlgorithm::Indirect, 1);
    // Grouped: each group's bias slice.
    let p = Conv2dParams::new(1, 4, 6, 64, 36, 3, 3)
        .with_padding(Padding2d::uniform(1))
        .with_groups(2);
    check(&p, ConvAlgorithm::Indirect, 2);
}

#[test]
fn gemm_1x1_layers_apply_the_stage() {
    let p = Conv2dParams::new(2, 9, 7, 700, 45, 1, 1);
    check(&p, ConvAlgorithm::Gemm1x1, 3);
    let p = Conv2dParams::new(1, 9, 7, 24, 40, 1, 1).with_stride(2, 2);
    check(&p, ConvAlgorithm::Gemm1x1Strided, 4);
}
