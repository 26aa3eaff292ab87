//! The INT8 convolution's fixed-point outputs (`ConvOutput::U8Fixed` /
//! `S8Fixed`) beyond the oracle checks every conv test makes
//! (`common::check_conv_pipelines`): the same bytes for every thread count
//! on every algorithm, and refusals naming the argument.

use lowp::conv::{Conv2dParams, ConvAlgorithm, ConvI8, ConvOutput, ConvWeights, Padding2d};
use lowp::igemm::{PackOptions, WeightZeroPoint};
use lowp::quant::{quantize_multiplier, FixedPointRequantize, FixedScale};
use lowp::{Context, Error};

mod common;

use common::{contexts, SplitMix};

/// 3×3 (padding 1), 1×1, depthwise and grouped layers.
fn layers() -> Vec<Conv2dParams> {
    let pad = Padding2d {
        top: 1,
        bottom: 1,
        left: 1,
        right: 1,
    };
    vec![
        Conv2dParams::new(1, 9, 13, 16, 40, 3, 3).with_padding(pad),
        Conv2dParams::new(2, 7, 7, 24, 33, 1, 1),
        Conv2dParams::new(1, 10, 11, 32, 32, 3, 3)
            .with_padding(pad)
            .with_groups(32),
        Conv2dParams::new(1, 8, 9, 32, 32, 3, 3)
            .with_padding(pad)
            .with_groups(4),
    ]
}

/// The layer's plan with OHWI weights `w`, no weight zero point (what the
/// indirect kernel takes).
fn plan(ctx: &Context, p: &Conv2dParams, w: &[i8]) -> ConvI8 {
    ConvI8::new(
        ctx,
        p,
        ConvWeights::ohwi(w),
        WeightZeroPoint::PerTensor(0),
        PackOptions::default(),
    )
    .unwrap()
}

fn run(ctx: &Context, p: &Conv2dParams, seed: u64) -> (ConvAlgorithm, Vec<u8>) {
    let mut g = SplitMix(seed);
    let x: Vec<u8> = (0..p.input_len().unwrap()).map(|_| g.next() as u8).collect();
    let w: Vec<i8> = (0..p.weights_len().unwrap()).map(|_| g.next() as i8).collect();
    let conv = plan(ctx, p, &w);
    let (m, s) = quantize_multiplier(1.0 / 2000.0).unwrap();
    let mut out = vec![0u8; p.output_len().unwrap()];
    let requantize = FixedPointRequantize {
        relu: true,
        ..FixedPointRequantize::new(m, s, 100)
    };
    conv.run(
        ctx,
        &x,
        128,
        ConvOutput::U8Fixed {
            output: &mut out,
            requantize,
        },
    )
    .unwrap();
    (conv.algorithm(), out)
}

#[test]
fn fixed_outputs_do_not_depend_on_the_thread_count() {
    let mut seen = Vec::new();
    for p in layers() {
        for (one, two) in contexts(1).iter().zip(&contexts(2)) {
            let (alg, a) = run(one, &p, 7);
            seen.push(alg);
            let (_, b) = run(two, &p, 7);
            assert_eq!(a, b, "{} {alg} {p:?}", one.isa());
            // Something else than the clamp's ends.
            assert!(a.iter().any(|&v| v > 100 && v < 255), "{} {alg}", one.isa());
        }
    }
    // Both ways of producing them: igemm's output, and s32 then requantize.
    for alg in [ConvAlgorithm::Gemm1x1, ConvAlgorithm::Depthwise] {
        assert!(seen.contains(&alg), "{alg} not covered");
    }
}

fn arg_of(r: lowp::Result<()>) -> &'static str {
    match r {
        Err(Error::InvalidParameter { arg, .. }) => arg,
        other => panic!("expected a parameter error, got {other:?}"),
    }
}

#[test]
fn bad_fixed_pipelines_are_errors_naming_them() {
    let ctx = Context::builder().threads(1).build().unwrap();
    for p in layers() {
        let w = vec![1i8; p.weights_len().unwrap()];
        let conv = plan(&ctx, &p, &w);
        let x = vec![0u8; p.input_len().unwrap()];
        let mut out = vec![0i8; p.output_len().unwrap()];
        let mut go = |rq: FixedPointRequantize<'_>| {
            arg_of(conv.run(
                &ctx,
                &x,
                0,
                ConvOutput::S8Fixed {
                    output: &mut out,
                    requantize: rq,
                },
            ))
        };
        assert_eq!(go(FixedPointRequantize::new(1 << 30, 31, 0)), "shift");
        assert_eq!(go(FixedPointRequantize::new(1 << 30, 0, 128)), "zero_point");
        let short = [1 << 30];
        let per = FixedPointRequantize {
            scale: FixedScale::PerColumn(&short, &[0]),
            ..FixedPointRequantize::new(0, 0, 0)
        };
        assert_eq!(go(per), "requantize");
        let bias = [0];
        let biased = FixedPointRequantize {
            bias: Some(&bias),
            ..FixedPointRequantize::new(1 << 30, 0, 0)
        };
        assert_eq!(go(biased), "requantize");
        let clamp = FixedPointRequantize {
            clamp: Some((5, 4)),
            ..FixedPointRequantize::new(1 << 30, 0, 0)
        };
        assert_eq!(go(clamp), "clamp");
    }
}
