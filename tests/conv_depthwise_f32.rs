//! The FP32 depthwise plan's in-place path (depth multiplier 1, 3×3 and
//! 5×5, horizontal stride 1 or 2, no horizontal dilation) against the
//! oracle (`lowp_reference::conv`) on every available ISA level: edges
//! (padding 0 up to past the kernel, asymmetric, rows narrower than a
//! register block), channel counts that are not a multiple of the vector
//! width (the partial block), vertical stride and dilation, batch, bias
//! and clamps; and bit-identical results for every thread count.

use lowp::conv::{Conv2dParams, ConvAlgorithm, ConvF32, ConvWeights, Padding2d};
use lowp::igemm::Activation;
use lowp::{AlignedBuffer, Context};
use lowp_reference::conv as oracle;
use proptest::prelude::*;

mod common;

use common::{contexts, ctx, SplitMix};

/// `(n, h, w, c, r×s, (sh, sw), (dh, dw), (top, left, bottom, right))`.
type Dw = (
    usize,
    usize,
    usize,
    usize,
    usize,
    (usize, usize),
    (usize, usize),
    (usize, usize, usize, usize),
);

fn params(&(n, h, w, c, k, stride, dilation, (top, left, bottom, right)): &Dw) -> Conv2dParams {
    Conv2dParams {
        stride,
        padding: Padding2d {
            top,
            left,
            bottom,
            right,
        },
        dilation,
        groups: c,
        ..Conv2dParams::new(n, h, w, c, c, k, k)
    }
}

/// Runs layer `l` on `ctx` with a bias and `act`; returns the output.
fn run(
    ctx: &Context,
    p: &Conv2dParams,
    x: &[f32],
    w: &[f32],
    bias: Option<&[f32]>,
    act: Activation,
) -> Vec<f32> {
    let conv = ConvF32::new(ctx, p, ConvWeights::ohwi(w)).unwrap();
    assert_eq!(conv.algorithm(), ConvAlgorithm::Depthwise, "{p:?}");
    // Line aligned, so layers past the L2 take the streaming stores.
    let mut got = AlignedBuffer::<f32>::zeroed(p.output_len().unwrap());
    got.fill(f32::NAN);
    conv.run(ctx, x, bias, act, &mut got).unwrap();
    got.to_vec()
}

/// Checks `l` on every level against the oracle, within `(R·S + 2)·ε` of
/// `Σ|x||w| + |bias|` per output, after the clamp.
fn check(l: &Dw, seed: u64, act: Activation, with_bias: bool) {
    let p = params(l);
    let mut g = SplitMix(seed);
    let x: Vec<f32> = (0..p.input_len().unwrap()).map(|_| g.f32()).collect();
    let w: Vec<f32> = (0..p.weights_len().unwrap()).map(|_| g.f32()).collect();
    let bias: Vec<f32> = (0..l.3).map(|_| g.f32()).collect();
    let bias = with_bias.then_some(&bias[..]);
    let out = p.output_len().unwrap();
    let (mut want, mut mag) = (vec![0f32; out], vec![0f32; out]);
    oracle::conv2d_f32(&p, &x, &w, bias, &mut want).unwrap();
    oracle::conv2d_f32_magnitude(&p, &x, &w, bias, &mut mag).unwrap();
    let (lo, hi) = match act {
        Activation::Identity => (f32::NEG_INFINITY, f32::INFINITY),
        Activation::Relu => (0.0, f32::INFINITY),
        Activation::Clamp { min, max } => (min, max),
    };
    let tol = (l.4 * l.4 + 2) as f32 * f32::EPSILON;
    for ctx in contexts(1) {
        let got = run(&ctx, &p, &x, &w, bias, act);
        for (i, ((&y, &v), &m)) in got.iter().zip(&want).zip(&mag).enumerate() {
            let v = v.max(lo).min(hi);
            assert!(
                (y - v).abs() <= tol * m,
                "{} {l:?} at {i}: got {y}, want {v} (bound {})",
                ctx.isa(),
                tol * m
            );
        }
    }
}

/// MobileNet-like layers cut down, and every kind of edge.
fn layers() -> Vec<Dw> {
    vec![
        (1, 14, 14, 32, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
        (1, 15, 16, 48, 3, (2, 2), (1, 1), (1, 1, 1, 1)),
        (2, 7, 7, 64, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
        (1, 9, 30, 16, 3, (1, 1), (1, 1), (0, 0, 0, 0)),
        (1, 9, 23, 37, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
        (1, 6, 5, 5, 3, (1, 2), (2, 1), (2, 0, 1, 3)),
        (1, 3, 3, 20, 3, (1, 1), (1, 1), (4, 4, 4, 4)),
        (1, 1, 1, 17, 3, (2, 2), (1, 1), (1, 1, 1, 1)),
        (1, 2, 2, 16, 3, (1, 1), (1, 1), (2, 2, 2, 2)),
        (1, 11, 17, 33, 5, (1, 1), (1, 1), (2, 2, 2, 2)),
        (2, 13, 21, 24, 5, (2, 2), (1, 1), (2, 1, 3, 2)),
        (1, 12, 40, 8, 5, (3, 1), (2, 1), (0, 5, 3, 0)),
        // The two-row kernels (3×3, stride 1 on rows of at most 7, stride
        // 2): an odd number of rows, whose unstored last second row would
        // read input rows inside the image; padding on one side only; a
        // partial block; vertical dilation keeping the one-row kernel.
        (1, 9, 7, 21, 3, (1, 1), (1, 1), (0, 1, 0, 1)),
        (3, 5, 4, 32, 3, (1, 1), (1, 1), (1, 0, 1, 2)),
        (1, 13, 16, 32, 3, (2, 2), (1, 1), (1, 1, 1, 1)),
        (1, 10, 9, 40, 3, (2, 2), (1, 1), (0, 0, 1, 1)),
        (2, 12, 11, 16, 3, (2, 2), (1, 1), (2, 1, 0, 1)),
        (1, 9, 5, 16, 3, (1, 1), (2, 1), (2, 1, 2, 1)),
        // Rows of 43 KiB in and out: strips of about ten output rows with
        // a 2 MiB L2 (input and output rows within half of it), so one
        // thread runs several strips, at stride 1 and 2.
        (1, 40, 112, 96, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
        (1, 41, 112, 96, 3, (2, 2), (1, 1), (1, 1, 1, 1)),
        // Input and output past a 2 MiB L2 (2.8 MB each): streamed stores
        // (stride 1, the output line aligned).
        (2, 48, 112, 64, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
    ]
}

#[test]
fn in_place_layers_match_the_oracle_on_every_isa() {
    for (i, l) in layers().iter().enumerate() {
        check(l, i as u64, Activation::Relu, true);
        check(l, 100 + i as u64, Activation::Identity, false);
        check(
            l,
            200 + i as u64,
            Activation::Clamp { min: -0.25, max: 0.5 },
            true,
        );
    }
}

#[test]
fn in_place_results_do_not_depend_on_the_thread_count() {
    for l in [
        (2, 21, 19, 40, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
        (1, 23, 30, 96, 3, (2, 2), (1, 1), (1, 1, 1, 1)),
        (1, 7, 7, 200, 5, (1, 1), (1, 1), (2, 2, 2, 2)),
        (1, 9, 7, 48, 3, (1, 1), (1, 1), (0, 1, 0, 1)),
        (1, 13, 16, 40, 3, (2, 2), (1, 1), (1, 1, 1, 1)),
        (1, 40, 112, 96, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
        // Streamed at 1 and 2 threads, stored at 3 and 4 (2 MiB L2s).
        (2, 48, 112, 64, 3, (1, 1), (1, 1), (1, 1, 1, 1)),
    ] {
        let p = params(&l);
        let mut g = SplitMix(7);
        let x: Vec<f32> = (0..p.input_len().unwrap()).map(|_| g.f32()).collect();
        let w: Vec<f32> = (0..p.weights_len().unwrap()).map(|_| g.f32()).collect();
        let bias: Vec<f32> = (0..l.3).map(|_| g.f32()).collect();
        for isa in lowp::Isa::available() {
            let bits = |threads| {
                let got = run(&ctx(isa, threads), &p, &x, &w, Some(&bias), Activation::Relu);
                got.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            };
            let one = bits(1);
            for t in [2, 3, 4] {
                assert_eq!(bits(t), one, "{isa} {l:?}: {t} threads");
            }
        }
    }
}

/// Random in-place layers: channels 2–40, 3×3 or 5×5, strides 1–2,
/// vertical dilation 1–2, asymmetric padding up to 4, batch 1–2.
fn in_place_layer() -> impl Strategy<Value = Dw> {
    (
        (
            1usize..3,
            1usize..16,
            1usize..24,
            2usize..41,
            prop_oneof![Just(3usize), Just(5)],
        ),
        ((1usize..3, 1usize..3), 1usize..3),
        (0usize..5, 0usize..5, 0usize..5, 0usize..5),
    )
        .prop_map(|((n, h, w, c, k), (stride, dh), pad)| (n, h, w, c, k, stride, (dh, 1), pad))
        .prop_filter("the kernel fits the padded input", |l| {
            params(l).validate().is_ok()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_in_place_layers_match_the_oracle(l in in_place_layer(), seed in any::<u64>()) {
        check(&l, seed, Activation::Relu, true);
    }
}
