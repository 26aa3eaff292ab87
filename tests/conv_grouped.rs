//! Grouped convolution with few channels per group (the grouped kernels,
//! `ConvAlgorithm::Grouped`) against the oracle crate on every ISA level:
//! f32 within a stated bound, INT8 bit-exact through every output pipeline;
//! thread invariance; random grouped layers.

use lowp::conv::{Conv2dParams, ConvAlgorithm, ConvF32, ConvI8, ConvOutput, ConvWeights, Padding2d};
use lowp::igemm::{Activation, Int8, PackOptions, Requantize, Scale, WeightZeroPoint};
use lowp::{Context, Isa};
use lowp_reference::conv as oracle;
use proptest::prelude::*;

mod common;
use common::{check_conv_pipelines, contexts, ctx, SplitMix};

/// `(n, h, w, groups, cg, kg, (r, s), stride, (top, left, bottom, right), dilation)`.
type Spec = (
    usize,
    usize,
    usize,
    usize,
    usize,
    usize,
    (usize, usize),
    (usize, usize),
    [usize; 4],
    (usize, usize),
);

fn params(&(n, h, w, groups, cg, kg, (r, s), stride, pad, dilation): &Spec) -> Conv2dParams {
    Conv2dParams {
        stride,
        padding: Padding2d {
            top: pad[0],
            left: pad[1],
            bottom: pad[2],
            right: pad[3],
        },
        dilation,
        groups,
        ..Conv2dParams::new(n, h, w, groups * cg, groups * kg, r, s)
    }
}

/// Hand-picked grouped layers: ResNeXt's 4 channels a group, 8 and 16,
/// one and two outputs a group (the f32 gather), K not a multiple of 16,
/// stride, dilation, asymmetric padding wider than the kernel, batch, 1×1.
fn layers() -> Vec<Spec> {
    vec![
        (1, 9, 11, 32, 4, 4, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1)),
        (2, 7, 6, 3, 4, 3, (3, 3), (2, 1), [2, 0, 1, 3], (1, 2)),
        (1, 6, 20, 4, 8, 8, (3, 3), (1, 2), [1, 1, 1, 1], (2, 1)),
        (1, 5, 5, 2, 16, 16, (3, 2), (1, 1), [0, 1, 0, 1], (1, 1)),
        (1, 6, 7, 20, 4, 1, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1)),
        (1, 4, 9, 5, 4, 2, (1, 3), (1, 1), [0, 1, 0, 1], (1, 1)),
        (2, 4, 5, 6, 8, 5, (1, 1), (1, 1), [0, 0, 0, 0], (1, 1)),
        (1, 3, 40, 2, 12, 7, (5, 5), (1, 1), [2, 2, 2, 2], (1, 1)),
        // The 3×3 kernels for 4 channels a group (C a multiple of 16 floats,
        // 64 bytes for INT8): two strips, runs of 16 + 16 + 4 + 1 pixels;
        // asymmetric and no padding, a 1-pixel row, batch.
        (1, 20, 37, 4, 4, 4, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1)),
        (2, 5, 3, 16, 4, 4, (3, 3), (1, 1), [0, 2, 2, 1], (1, 1)),
        (1, 6, 19, 16, 4, 4, (3, 3), (1, 1), [0, 0, 0, 0], (1, 1)),
        (1, 3, 1, 32, 4, 4, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1)),
    ]
}

/// The f32 layer on `ctx` against the oracle, with bias and ReLU.
fn check_f32(ctx: &Context, spec: &Spec, seed: u64) {
    let p = params(spec);
    let (x_len, w_len, y_len) = (
        p.input_len().unwrap(),
        p.weights_len().unwrap(),
        p.output_len().unwrap(),
    );
    let mut g = SplitMix(seed);
    let x: Vec<f32> = (0..x_len).map(|_| g.f32()).collect();
    let w: Vec<f32> = (0..w_len).map(|_| g.f32()).collect();
    let bias: Vec<f32> = (0..p.k).map(|_| g.f32()).collect();
    let (mut want, mut mag) = (vec![0f32; y_len], vec![0f32; y_len]);
    oracle::conv2d_f32(&p, &x, &w, Some(&bias), &mut want).unwrap();
    oracle::conv2d_f32_magnitude(&p, &x, &w, Some(&bias), &mut mag).unwrap();
    let conv = ConvF32::new(ctx, &p, ConvWeights::ohwi(&w)).unwrap();
    let grouped = ctx.isa() >= Isa::Avx512;
    assert_eq!(
        conv.algorithm() == ConvAlgorithm::Grouped,
        grouped,
        "{} {spec:?}",
        ctx.isa()
    );
    let mut got = vec![f32::NAN; y_len];
    conv.run(ctx, &x, Some(&bias), Activation::Relu, &mut got)
        .unwrap();
    // Each output sums R·S·cg products and the bias in f32.
    let tol = (spec.6 .0 * spec.6 .1 * spec.4 + 2) as f32 * f32::EPSILON;
    for (i, ((&y, &v), &m)) in got.iter().zip(&want).zip(&mag).enumerate() {
        let v = v.max(0.0);
        assert!(
            (y - v).abs() <= tol * m,
            "{} {spec:?} at {i}: got {y}, want {v}",
            ctx.isa()
        );
    }
}

/// Draws `n` weights of type `W` whose `w − zb` fits s8 (the grouped
/// kernels' condition) for zero points `zb`.
fn weights<W: FromI32>(g: &mut SplitMix, n: usize, per_k: usize, zb: &[i32]) -> Vec<W> {
    (0..n)
        .map(|i| {
            let v = zb[i / per_k] + (g.next() as u8 as i8) as i32;
            W::from_i32(v.clamp(W::MIN, W::MAX))
        })
        .collect()
}

/// 8-bit types from an i32 in range.
trait FromI32: Int8 + oracle::Int8 {
    fn from_i32(v: i32) -> Self;
}
impl FromI32 for u8 {
    fn from_i32(v: i32) -> u8 {
        v as u8
    }
}
impl FromI32 for i8 {
    fn from_i32(v: i32) -> i8 {
        v as i8
    }
}

/// The INT8 layer on `ctx` bit-exactly against the oracle through every
/// output (s32 and accumulate, f32 with bias and clamp, u8 with bias and
/// ReLU, s8 per-channel), zero points per tensor and per channel.
fn check_int8<A: FromI32, W: FromI32 + Int8>(ctx: &Context, spec: &Spec, seed: u64, zb_base: i32) {
    let p = params(spec);
    let (x_len, w_len, y_len) = (
        p.input_len().unwrap(),
        p.weights_len().unwrap(),
        p.output_len().unwrap(),
    );
    let mut g = SplitMix(seed);
    let x: Vec<A> = (0..x_len)
        .map(|_| A::from_i32(A::MIN + (g.next() % 256) as i32))
        .collect();
    let za = A::MIN + (g.next() % 256) as i32;
    for per_channel in [false, true] {
        let zbs: Vec<i32> = (0..p.k)
            .map(|j| zb_base + if per_channel { (j % 5) as i32 - 2 } else { 0 })
            .collect();
        let w: Vec<W> = weights(&mut g, w_len, w_len / p.k, &zbs);
        let zw: Vec<W> = zbs.iter().map(|&z| W::from_i32(z)).collect();
        let (zb, zo) = match per_channel {
            true => (
                WeightZeroPoint::PerColumn(&zbs),
                oracle::WeightZeroPoint::PerChannel(&zw),
            ),
            false => (
                WeightZeroPoint::PerTensor(zbs[0]),
                oracle::WeightZeroPoint::PerTensor(zw[0]),
            ),
        };
        let mut want = vec![0i32; y_len];
        oracle::conv2d_int8(&p, &x, A::from_i32(za), &w, zo, None, &mut want).unwrap();
        let conv = ConvI8::new(ctx, &p, ConvWeights::ohwi(&w), zb, PackOptions::default()).unwrap();
        let what = format!("{} {spec:?} za {za} zb {zbs:?}", ctx.isa());
        let grouped = ctx.isa() >= Isa::Avx512Vnni;
        assert_eq!(conv.algorithm() == ConvAlgorithm::Grouped, grouped, "{what}");

        let mut got = vec![7i32; y_len];
        conv.run(
            ctx,
            &x,
            za,
            ConvOutput::S32 {
                output: &mut got,
                accumulate: false,
            },
        )
        .unwrap();
        assert_eq!(got, want, "s32 {what}");
        conv.run(
            ctx,
            &x,
            za,
            ConvOutput::S32 {
                output: &mut got,
                accumulate: true,
            },
        )
        .unwrap();
        let twice: Vec<i32> = want.iter().map(|v| v.wrapping_mul(2)).collect();
        assert_eq!(got, twice, "s32 accumulate {what}");

        check_conv_pipelines(p.k, &want, &what, |out| conv.run(ctx, &x, za, out).unwrap());
    }
}

#[test]
fn grouped_layers_match_the_oracle_on_every_isa() {
    for ctx in contexts(2) {
        for (i, spec) in layers().iter().enumerate() {
            let i = i as u64;
            assert_eq!(
                ConvAlgorithm::of_2d(&params(spec)).unwrap(),
                ConvAlgorithm::Grouped,
                "{spec:?}"
            );
            check_f32(&ctx, spec, i);
            check_int8::<u8, i8>(&ctx, spec, 100 + i, 0);
            check_int8::<i8, i8>(&ctx, spec, 200 + i, 3);
            check_int8::<u8, u8>(&ctx, spec, 300 + i, 128);
        }
    }
}

/// Weights whose `w − zb` leaves s8 run the general path, with the same
/// results.
#[test]
fn weights_past_s8_take_the_general_path() {
    let spec = layers()[0];
    let p = params(&spec);
    let w = vec![100i8; p.weights_len().unwrap()];
    for ctx in contexts(1) {
        let conv = ConvI8::new(
            &ctx,
            &p,
            ConvWeights::ohwi(&w),
            WeightZeroPoint::PerTensor(-100),
            PackOptions::default(),
        )
        .unwrap();
        assert_ne!(conv.algorithm(), ConvAlgorithm::Grouped);
        let x = vec![3u8; p.input_len().unwrap()];
        let mut want = vec![0i32; p.output_len().unwrap()];
        oracle::conv2d_int8(
            &p,
            &x,
            1u8,
            &w,
            oracle::WeightZeroPoint::PerTensor(-100i8),
            None,
            &mut want,
        )
        .unwrap();
        let mut got = vec![0i32; want.len()];
        conv.run(
            &ctx,
            &x,
            1,
            ConvOutput::S32 {
                output: &mut got,
                accumulate: false,
            },
        )
        .unwrap();
        assert_eq!(got, want);
    }
}

/// Tasks split batch × row strips (× channel blocks for the expansion):
/// 1, 2 and 3 threads give the same bits, on the 3×3 kernels for 4
/// channels a group and on the expansion (8 a group).
#[test]
fn grouped_results_do_not_depend_on_the_thread_count() {
    for spec in [
        (2, 19, 13, 16, 4, 4, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1)),
        (2, 19, 13, 8, 8, 4, (3, 3), (1, 1), [1, 1, 1, 1], (1, 1)),
    ] {
        thread_invariance(&spec);
    }
}

fn thread_invariance(spec: &Spec) {
    let p = params(spec);
    let mut g = SplitMix(9);
    let x: Vec<f32> = (0..p.input_len().unwrap()).map(|_| g.f32()).collect();
    let w: Vec<f32> = (0..p.weights_len().unwrap()).map(|_| g.f32()).collect();
    let xq: Vec<u8> = x.iter().map(|v| (v.to_bits() >> 7) as u8).collect();
    let wq: Vec<i8> = w.iter().map(|v| (v.to_bits() >> 9) as i8).collect();
    for isa in Isa::available() {
        let run = |threads| {
            let c = ctx(isa, threads);
            let mut f = vec![0f32; p.output_len().unwrap()];
            let conv = ConvF32::new(&c, &p, ConvWeights::ohwi(&w)).unwrap();
            conv.run(&c, &x, None, Activation::Identity, &mut f).unwrap();
            let conv = ConvI8::new(
                &c,
                &p,
                ConvWeights::ohwi(&wq),
                WeightZeroPoint::PerTensor(0),
                PackOptions::default(),
            )
            .unwrap();
            let mut q = vec![0u8; f.len()];
            let rq = Requantize::new(Scale::PerTensor(1.0 / 1000.0), 9);
            conv.run(
                &c,
                &xq,
                17,
                ConvOutput::U8 {
                    output: &mut q,
                    requantize: rq,
                },
            )
            .unwrap();
            (f.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), q)
        };
        let one = run(1);
        assert_eq!(run(2), one, "{isa}: 2 threads");
        assert_eq!(run(3), one, "{isa}: 3 threads");
    }
}

/// Random grouped layers: groups, 4–16 channels a group in, 1–16 out
/// (`K/groups ≠ C/groups`), stride, padding, dilation, batch.
fn grouped_layer() -> impl Strategy<Value = Spec> {
    (
        (1usize..3, 1usize..8, 1usize..12, 2usize..6, 1usize..5, 1usize..17),
        (
            (1usize..4, 1usize..4),
            (1usize..3, 1usize..3),
            [0usize..3, 0..3, 0..3, 0..3],
            (1usize..3, 1usize..3),
        ),
    )
        .prop_map(|((n, h, w, groups, cg4, kg), (rs, stride, pad, dil))| {
            (n, h, w, groups, 4 * cg4, kg, rs, stride, pad, dil)
        })
        .prop_filter("the dilated kernel fits the padded input", |s| {
            params(s).validate().is_ok()
        })
}

/// Random layers of the 3×3 kernels for 4 channels a group in and out
/// (`gconv_*_3x3g4`): 4, 8 or 16 groups (C = 16, 32, 64: only 64 is a
/// whole 64 bytes for INT8, the others run the expansion), any padding,
/// widths around the 16-pixel runs, heights across strips, batch.
fn g4_layer() -> impl Strategy<Value = Spec> {
    (
        (1usize..3, 1usize..20, 1usize..40, 0usize..3),
        [0usize..3, 0..3, 0..3, 0..3],
    )
        .prop_map(|((n, h, w, g), pad)| (n, h, w, 4 << g, 4, 4, (3, 3), (1, 1), pad, (1, 1)))
        .prop_filter("the kernel fits the padded input", |s| {
            params(s).validate().is_ok()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_3x3_layers_of_4_channels_a_group_match_the_oracle(spec in g4_layer(), seed in any::<u64>()) {
        for ctx in contexts(1) {
            check_f32(&ctx, &spec, seed);
            check_int8::<u8, i8>(&ctx, &spec, seed, 0);
            check_int8::<i8, i8>(&ctx, &spec, seed ^ 1, -3);
        }
    }

    #[test]
    fn random_grouped_layers_match_the_oracle(spec in grouped_layer(), seed in any::<u64>()) {
        for ctx in contexts(1) {
            check_f32(&ctx, &spec, seed);
            check_int8::<u8, i8>(&ctx, &spec, seed, 0);
            check_int8::<i8, u8>(&ctx, &spec, seed ^ 1, 100);
        }
    }
}
