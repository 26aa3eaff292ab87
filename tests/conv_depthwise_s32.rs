//! Raw s32 sums of 3×3 INT8 depthwise layers (on AVX-512 VNNI the
//! stacked-row path, whole 32-channel pairs laid out two blocks at a time)
//! bit-exactly against the oracle on every ISA level, written in place and
//! accumulated onto earlier values (the tile path), and the same bits on
//! one and three threads: pairs alone, pairs with a whole or a partial
//! block after them, stride 1 and 2, padding rows and columns, batch.

use lowp::conv::{Conv2dParams, ConvI8, ConvOutput, ConvWeights, Padding2d};
use lowp::igemm::{Int8, PackOptions, WeightZeroPoint};
use lowp::Context;
use lowp_reference::conv as oracle;

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

/// The layer's sums with activations `A` on `ctx`, in place and
/// accumulated onto `7·i`, checked against the oracle; returns the sums.
fn check<A: FromByte>(ctx: &Context, spec: &Spec, seed: u64) -> Vec<i32> {
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
    let za32 = Int8::to_i32(za);
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
    let layers: [Spec; 8] = [
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
            assert_eq!(check::<u8>(one, spec, seed), check::<u8>(three, spec, seed));
            assert_eq!(
                check::<i8>(one, spec, seed ^ 1),
                check::<i8>(three, spec, seed ^ 1)
            );
        }
    }
}
