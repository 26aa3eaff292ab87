//! Requantized (u8 / s8) outputs and raw s32 sums of 3×3 INT8 depthwise
//! layers (the stacked-row path's packed requantizing store and its pair
//! layout on AVX-512 VNNI, the tile stores elsewhere) bit-exactly against
//! the oracle on every ISA level:
//! per-channel scales below, at and above 1 (up to products beyond i32's
//! range), biases, ReLU, clamps that fit i8 on a u8
//! output, zero points, odd channel counts, odd heights and widths, one
//! and three threads.

use lowp::conv::{Conv2dParams, ConvI8, ConvOutput, ConvWeights, Padding2d};
use lowp::igemm::{Int8, PackOptions, Requantize, Scale, WeightZeroPoint};
use lowp::Context;
use lowp_reference::conv as oracle;
use lowp_reference::igemm::requantize_one;
use proptest::prelude::*;

mod common;
use common::{contexts, FromByte, SplitMix};

/// `(n, h, w, c, stride, (top, left, bottom, right))` of a 3×3 depthwise layer.
type Spec = (usize, usize, usize, usize, usize, [usize; 4]);

fn params(&(n, h, w, c, stride, pad): &Spec) -> Conv2dParams {
    Conv2dParams {
        stride: (stride, stride),
        padding: Padding2d {
            top: pad[0],
            left: pad[1],
            bottom: pad[2],
            right: pad[3],
        },
        groups: c,
        ..Conv2dParams::new(n, h, w, c, c, 3, 3)
    }
}

/// Per-channel scales by channel: small, 1, above 1, and large enough that `sum·scale` leaves i32's range.
fn scales(k: usize, mix: bool) -> Vec<f32> {
    (0..k)
        .map(|j| match (mix, j % 5) {
            (true, 1) => 1.0 + j as f32,
            (true, 3) => 1.0,
            (true, 4) => 3.0e9,
            _ => 1.0 / (60.0 + 11.0 * j as f32),
        })
        .collect()
}

/// A layer with activations `A` and s8 weights (weight zero point 0: the
/// stacked path's case) from `seed`: its input, input zero point, the
/// oracle's s32 sums and the plan.
fn layer_data<A: FromByte>(ctx: &Context, spec: &Spec, seed: u64) -> (Vec<A>, i32, Vec<i32>, ConvI8) {
    let p = params(spec);
    let (x_len, w_len, y_len) = (
        p.input_len().unwrap(),
        p.weights_len().unwrap(),
        p.output_len().unwrap(),
    );
    let mut g = SplitMix(seed);
    let x: Vec<A> = (0..x_len).map(|_| A::from_byte(g.next() as u8)).collect();
    let w: Vec<i8> = (0..w_len).map(|_| g.next() as i8).collect();
    let za = A::from_byte(g.next() as u8);
    let mut want = vec![0i32; y_len];
    oracle::conv2d_int8(
        &p,
        &x,
        za,
        &w,
        oracle::WeightZeroPoint::PerTensor(0i8),
        None,
        &mut want,
    )
    .unwrap();
    let conv = ConvI8::new(
        ctx,
        &p,
        ConvWeights::ohwi(&w),
        WeightZeroPoint::PerTensor(0),
        PackOptions::default(),
    )
    .unwrap();
    (x, Int8::to_i32(za), want, conv)
}

/// The layer through several requantizing pipelines, u8 and s8, each
/// against the oracle's s32 sums requantized by the oracle.
fn check<A: FromByte>(ctx: &Context, spec: &Spec, seed: u64) {
    let (x, za32, want, conv) = layer_data::<A>(ctx, spec, seed);
    let (k, y_len) = (spec.3, want.len());
    let (mixed, small) = (scales(k, true), scales(k, false));
    let bias: Vec<i32> = (0..k).map(|j| 97 * j as i32 - 1500).collect();
    let with = |scale, bias, zero_point, relu, clamp| Requantize {
        scale,
        bias,
        zero_point,
        relu,
        clamp,
    };
    let u8_pipelines = [
        with(Scale::PerColumn(&mixed), Some(&bias[..]), 37, true, None),
        with(
            Scale::PerColumn(&small),
            Some(&bias[..]),
            40,
            false,
            Some((10, 100)),
        ),
        with(Scale::PerTensor(1.0 / 250.0), None, 200, false, None),
        with(Scale::PerColumn(&mixed), None, 0, false, Some((3, 127))),
        // Small scales, `hi` below the type's maximum and above i8's.
        with(Scale::PerColumn(&small), None, 60, false, Some((20, 200))),
        // `lo = zp` (ReLU; the pair kernel's byte add): small scales with
        // `hi − zp` at 127, 200 and 0, mixed scales with `hi − zp` at 255.
        with(Scale::PerColumn(&small), Some(&bias[..]), 128, true, None),
        with(Scale::PerColumn(&small), None, 0, false, Some((0, 200))),
        with(Scale::PerColumn(&small), Some(&bias[..]), 255, true, None),
        with(Scale::PerColumn(&mixed), Some(&bias[..]), 0, true, None),
    ];
    for rq in u8_pipelines {
        let mut got = vec![0u8; y_len];
        let out = ConvOutput::U8 {
            output: &mut got,
            requantize: rq,
        };
        conv.run(ctx, &x, za32, out).unwrap();
        for (i, (&y, &v)) in got.iter().zip(&want).enumerate() {
            let e = requantize_one(v, i % k, &rq, 0, 255);
            assert_eq!(y as i32, e, "u8 {} {spec:?} {rq:?} at {i} (sum {v})", ctx.isa());
        }
    }
    let s8_pipelines = [
        with(
            Scale::PerColumn(&mixed),
            Some(&bias[..]),
            -5,
            false,
            Some((-100, 90)),
        ),
        with(Scale::PerColumn(&small), None, 3, true, None),
        with(Scale::PerTensor(1.5), Some(&bias[..]), -128, false, None),
        // `lo = zp` on s8: zero points at both ends and below zero.
        with(Scale::PerColumn(&small), Some(&bias[..]), -128, true, None),
        with(Scale::PerColumn(&mixed), None, 127, true, None),
        with(Scale::PerColumn(&small), None, -20, true, Some((-128, 90))),
    ];
    for rq in s8_pipelines {
        let mut got = vec![0i8; y_len];
        let out = ConvOutput::S8 {
            output: &mut got,
            requantize: rq,
        };
        conv.run(ctx, &x, za32, out).unwrap();
        for (i, (&y, &v)) in got.iter().zip(&want).enumerate() {
            let e = requantize_one(v, i % k, &rq, -128, 127);
            assert_eq!(y as i32, e, "s8 {} {spec:?} {rq:?} at {i} (sum {v})", ctx.isa());
        }
    }
}

/// Rows of 1–19 outputs (every run length of the kernel's 8/4/2/1 split,
/// with and without a lower row), whole 16-channel blocks and a partial
/// last one, stride 1 and 2, odd heights, padding past the kernel, batch.
#[test]
fn requantized_depthwise_layers_match_the_oracle() {
    let layers: [Spec; 7] = [
        (1, 9, 23, 37, 1, [1, 1, 1, 1]),
        (1, 7, 7, 96, 1, [1, 1, 1, 1]),
        (2, 12, 19, 64, 1, [1, 1, 1, 1]),
        (1, 5, 10, 48, 2, [1, 1, 1, 1]),
        (1, 6, 17, 16, 1, [0, 0, 0, 0]),
        (1, 3, 5, 33, 1, [3, 2, 0, 1]),
        (1, 4, 3, 160, 1, [1, 1, 1, 1]),
    ];
    check_layers(1, &layers, 17, 71);
}

/// Wider channel counts on the stacked path: 64-channel multiples with a
/// single whole block, a pair or a partial block after them, many pairs to
/// a call and a call's batch split (wide rows), widths 1–3 (pixels that
/// are all padding), odd heights, padding on one side only, batch 2; one
/// and three threads.
#[test]
fn requantized_depthwise_wide_channel_layers_match_the_oracle() {
    let layers: [Spec; 9] = [
        (1, 5, 6, 64, 1, [1, 1, 1, 1]),
        (1, 7, 9, 144, 1, [1, 1, 1, 1]),
        (2, 4, 5, 96, 1, [1, 1, 1, 1]),
        (1, 6, 7, 200, 1, [0, 1, 1, 0]),
        (1, 5, 12, 512, 1, [1, 1, 1, 1]),
        (1, 3, 260, 256, 1, [1, 1, 1, 1]),
        (1, 4, 1, 80, 1, [1, 1, 1, 1]),
        (1, 5, 2, 192, 1, [1, 0, 1, 2]),
        (1, 3, 3, 128, 1, [2, 1, 0, 1]),
    ];
    check_layers(1, &layers, 61, 67);
    check_layers(3, &layers[..4], 73, 79);
}

/// Each layer with u8 and s8 activations (seeds from `su`, `ss`) on every
/// level with `threads` threads.
fn check_layers(threads: usize, layers: &[Spec], su: u64, ss: u64) {
    for ctx in contexts(threads) {
        for (i, spec) in layers.iter().enumerate() {
            check::<u8>(&ctx, spec, su + i as u64);
            check::<i8>(&ctx, spec, ss + i as u64);
        }
    }
}

fn layer() -> impl Strategy<Value = Spec> {
    (
        (1usize..3, 1usize..12, 1usize..22, 1usize..70, 1usize..3),
        [0usize..4, 0..4, 0..4, 0..4],
    )
        .prop_map(|((n, h, w, c, stride), pad)| (n, h, w, c, stride, pad))
        .prop_filter("the kernel fits the padded input", |&(_, h, w, _, _, p)| {
            h + p[0] + p[2] >= 3 && w + p[1] + p[3] >= 3
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_requantized_depthwise_layers_match_the_oracle(spec in layer(), seed in any::<u64>()) {
        for ctx in contexts(1) {
            check::<u8>(&ctx, &spec, seed);
            check::<i8>(&ctx, &spec, seed ^ 1);
        }
    }
}

/// The same pipelines on three threads (row strips split between them):
/// layers of whole 32-channel pairs, a pair with a single block or a
/// partial one after it, stride 1 and 2, padding rows above and below.
#[test]
fn requantized_depthwise_layers_match_the_oracle_on_three_threads() {
    let layers: [Spec; 5] = [
        (1, 13, 11, 64, 1, [1, 1, 1, 1]),
        (2, 9, 6, 96, 1, [2, 1, 0, 1]),
        (1, 11, 9, 80, 2, [1, 1, 1, 1]),
        (1, 7, 5, 40, 1, [1, 0, 1, 2]),
        (1, 10, 4, 128, 2, [0, 1, 1, 0]),
    ];
    check_layers(3, &layers, 29, 83);
}

/// The layer's sums with activations `A` on `ctx`, in place and
/// accumulated onto `7·i`, checked against the oracle; returns the sums.
fn check_s32<A: FromByte>(ctx: &Context, spec: &Spec, seed: u64) -> Vec<i32> {
    let (x, za32, want, conv) = layer_data::<A>(ctx, spec, seed);
    let y_len = want.len();
    let mut got = vec![-1i32; y_len];
    let out = ConvOutput::S32 {
        output: &mut got,
        accumulate: false,
    };
    conv.run(ctx, &x, za32, out).unwrap();
    assert_eq!(
        got,
        want,
        "s32 {} threads {} {spec:?}",
        ctx.isa(),
        ctx.num_threads()
    );
    let mut acc: Vec<i32> = (0..y_len as i32).map(|i| 7 * i).collect();
    let out = ConvOutput::S32 {
        output: &mut acc,
        accumulate: true,
    };
    conv.run(ctx, &x, za32, out).unwrap();
    for (i, (&a, &v)) in acc.iter().zip(&want).enumerate() {
        assert_eq!(
            a,
            v.wrapping_add(7 * i as i32),
            "accumulated {} {spec:?} at {i}",
            ctx.isa()
        );
    }
    got
}

#[test]
fn depthwise_s32_sums_match_the_oracle_on_one_and_three_threads() {
    let layers: [Spec; 11] = [
        // Whole blocks stored pixel by pixel in runs of 8, 4, 2, 1: rows
        // of 27 (8·3 + 2 + 1), of 3 and of 1.
        (1, 6, 27, 32, 1, [1, 1, 1, 1]),
        (1, 5, 3, 64, 1, [1, 1, 1, 1]),
        (2, 3, 1, 48, 1, [1, 1, 1, 1]),
        // MobileNet's last stride-1 layer: 30 pairs.
        (1, 7, 7, 960, 1, [1, 1, 1, 1]),
        // Four pairs and a ninth whole block (56×56×144's split).
        (1, 9, 14, 144, 1, [1, 1, 1, 1]),
        // A pair and a whole block, batch 2.
        (2, 6, 9, 48, 1, [1, 1, 1, 1]),
        // Two pairs and a partial block.
        (1, 5, 8, 72, 1, [1, 1, 1, 1]),
        // Pairs at stride 2.
        (1, 9, 11, 64, 2, [1, 1, 1, 1]),
        // Padding rows wider than the kernel, none on the right.
        (1, 4, 6, 96, 1, [2, 3, 2, 0]),
        // No padding, an odd height (a last single row).
        (1, 7, 10, 32, 1, [0, 0, 0, 0]),
        // A single partial block.
        (1, 5, 5, 13, 1, [1, 1, 1, 1]),
    ];
    for (one, three) in contexts(1).iter().zip(&contexts(3)) {
        for (i, spec) in layers.iter().enumerate() {
            let seed = 101 + i as u64;
            assert_eq!(
                check_s32::<u8>(one, spec, seed),
                check_s32::<u8>(three, spec, seed)
            );
            assert_eq!(
                check_s32::<i8>(one, spec, seed ^ 1),
                check_s32::<i8>(three, spec, seed ^ 1)
            );
        }
    }
}

/// The s32 kernel that prefetches its output lines for writing (stride 1,
/// input and output past 3/4 of the threads' L2): with a 4 KiB L2 every
/// layer here takes it, at its row ends and image ends too (prefetches past
/// the output), beside the tile of a partial block; 112×112×32 and
/// 56×56×144 with the machine's own caches. One, two and three threads.
#[test]
fn depthwise_s32_sums_with_output_prefetch_match_the_oracle() {
    let tiny = lowp::CacheSizes {
        l1d: 4096,
        l2: 4096,
        l3: 65536,
    };
    let small: [Spec; 8] = [
        (1, 6, 27, 32, 1, [1, 1, 1, 1]),
        (2, 5, 3, 64, 1, [1, 1, 1, 1]),
        (2, 7, 2, 48, 1, [0, 1, 1, 0]),
        (1, 9, 1, 144, 1, [1, 1, 1, 1]),
        (2, 6, 9, 48, 1, [1, 1, 1, 1]),
        (1, 5, 8, 72, 1, [1, 1, 1, 1]),
        (1, 4, 6, 96, 1, [2, 3, 2, 0]),
        (1, 7, 10, 37, 1, [0, 0, 0, 0]),
    ];
    let big: [Spec; 2] = [
        (1, 112, 112, 32, 1, [1, 1, 1, 1]),
        (1, 56, 56, 144, 1, [1, 1, 1, 1]),
    ];
    for threads in 1..=3 {
        for isa in lowp::Isa::available() {
            let b = || Context::builder().max_isa(isa).threads(threads).ignore_env();
            let small_l2 = b().cache_sizes(tiny).build().unwrap();
            let own = b().build().unwrap();
            for (i, spec) in small.iter().enumerate() {
                let seed = 211 + i as u64;
                check_s32::<u8>(&small_l2, spec, seed);
                check_s32::<i8>(&small_l2, spec, seed ^ 1);
            }
            for (i, spec) in big.iter().enumerate() {
                check_s32::<u8>(&own, spec, 307 + i as u64);
            }
        }
    }
}

/// Stride 2 (the patch path's requantizing kernel on AVX-512 VNNI): whole
/// 32-channel pairs several to a call and a call's batch split (256
/// channels of wide rows), a pair with a single or partial block after it,
/// odd widths and heights, padding on one side only, one and three threads.
#[test]
fn requantized_stride_2_depthwise_layers_match_the_oracle() {
    let layers: [Spec; 6] = [
        (1, 14, 14, 96, 2, [1, 1, 1, 1]),
        (1, 9, 81, 256, 2, [1, 1, 1, 1]),
        (2, 7, 13, 48, 2, [0, 1, 1, 0]),
        (1, 8, 9, 70, 2, [1, 0, 0, 1]),
        (1, 5, 6, 32, 2, [2, 2, 2, 2]),
        (1, 12, 3, 64, 2, [0, 0, 0, 0]),
    ];
    check_layers(1, &layers, 41, 43);
    check_layers(3, &layers, 47, 53);
}
