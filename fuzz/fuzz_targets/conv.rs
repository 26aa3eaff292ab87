//! Differential fuzzing of the convolution plans: a small random layer (2-D
//! or 3-D; stride, dilation, asymmetric padding, groups, depthwise with
//! multipliers, batch, OHWI or OIHW weights), run by `ConvI8` (u8 or s8 input × s8 weights, zero points
//! per tensor or per channel, raw s32) and `ConvF32` on EVERY available ISA
//! level at 1, 2 or 3 threads, against `lowp_reference::conv`: INT8 bit for
//! bit, f32 within `(depth + 2)·(ε·Σ|x||w| + the smallest subnormal)`.
//! Invalid layers must be `Err` from both the parameters and the plans,
//! never a panic. With `grouped`, 2–4 groups of 4–16 input channels and
//! weight zero point 0: the grouped kernels' layers (`ConvAlgorithm::Grouped`).
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::{contexts, Bytes};
use libfuzzer_sys::fuzz_target;
use lowp::conv::{Conv3dParams, ConvF32, ConvI8, ConvOutput, ConvWeights, Padding3d, WeightLayout};
use lowp::igemm::{Activation, PackOptions, WeightZeroPoint};
use lowp_reference::conv as oracle;

#[derive(Arbitrary, Debug)]
struct Case {
    /// n, d, h, w, c/groups, k/groups, t, r, s (each taken modulo a small bound).
    sizes: [u8; 9],
    stride: [u8; 3],
    /// front, top, left, back, bottom, right.
    pad: [u8; 6],
    dilation: [u8; 3],
    groups: u8,
    /// A depthwise layer (groups = C, up to 40 channels, multiplier 1–3):
    /// the depthwise algorithm's path, drawn often.
    depthwise: bool,
    grouped: bool,
    three_d: bool,
    oihw: bool,
    signed_input: bool,
    per_channel: bool,
    za: u8,
    threads: u8,
    data: Vec<u8>,
}

/// OHWI weights (`taps·cg` per output channel) in `layout`.
fn to_layout<T: Copy>(v: &[T], taps: usize, cg: usize, layout: WeightLayout) -> Vec<T> {
    match layout {
        WeightLayout::Ohwi => v.to_vec(),
        WeightLayout::Oihw => v
            .chunks_exact(taps * cg)
            .flat_map(|k| (0..cg * taps).map(move |q| k[(q % taps) * cg + q / taps]))
            .collect(),
    }
}

fuzz_target!(|case: Case| {
    let s = case.sizes;
    let small = |v: u8, m: u8| usize::from(v % m);
    // Depthwise: C = groups up to 40 (vector blocks and their tails), one
    // channel per group in, 1–3 out. Grouped: 2-4 groups of 4-16 channels
    // (the grouped kernels' multiples of 4).
    let groups = if case.depthwise {
        1 + small(case.groups, 40)
    } else {
        1 + small(case.groups, 3) + usize::from(case.grouped)
    };
    let (cg, kg_max) = if case.depthwise {
        (1, 3)
    } else if case.grouped {
        (4 * (1 + small(s[4], 4)), 5)
    } else {
        (1 + small(s[4], 5), 5)
    };
    let depth_axis = |v: usize| if case.three_d { v } else { 1 };
    let p = Conv3dParams {
        stride: (
            depth_axis(1 + small(case.stride[0], 3)),
            1 + small(case.stride[1], 3),
            1 + small(case.stride[2], 3),
        ),
        padding: Padding3d {
            front: if case.three_d { small(case.pad[0], 4) } else { 0 },
            top: small(case.pad[1], 4),
            left: small(case.pad[2], 4),
            back: if case.three_d { small(case.pad[3], 4) } else { 0 },
            bottom: small(case.pad[4], 4),
            right: small(case.pad[5], 4),
        },
        dilation: (
            depth_axis(1 + small(case.dilation[0], 3)),
            1 + small(case.dilation[1], 3),
            1 + small(case.dilation[2], 3),
        ),
        groups,
        ..Conv3dParams::new(
            1 + small(s[0], 2),
            depth_axis(1 + small(s[1], 4)),
            1 + small(s[2], 7),
            1 + small(s[3], 7),
            groups * cg,
            // Now and then 52–64 output channels a group: the FP32
            // indirect kernel's 64-column panels (AVX-512).
            groups * if s[5] >= 224 { 52 + small(s[5], 13) } else { 1 + small(s[5], kg_max) },
            depth_axis(1 + small(s[6], 3)),
            1 + small(s[7], 4),
            1 + small(s[8], 4),
        )
    };
    let ctxs = contexts(case.threads);
    let Ok(in_len) = p.input_len() else {
        // Invalid: every plan refuses it.
        let w = [0f32; 1];
        assert!(ConvF32::new_3d(&ctxs[0], &p, ConvWeights::ohwi(&w)).is_err());
        return;
    };
    let (w_len, out_len) = (p.weights_len().unwrap(), p.output_len().unwrap());
    let depth = p.t * p.r * p.s * (p.c / groups);
    let mut src = Bytes::new(&case.data);
    let x: Vec<u8> = (0..in_len).map(|_| src.byte()).collect();
    let w: Vec<i8> = (0..w_len).map(|_| src.byte() as i8).collect();
    let zbs: Vec<i8> = (0..p.k).map(|_| src.byte() as i8 * i8::from(!case.grouped)).collect();
    let xf: Vec<f32> = (0..in_len).map(|_| src.f32_small()).collect();
    let wf: Vec<f32> = (0..w_len).map(|_| src.f32_small()).collect();

    // The weights as given to the plans (OIHW moves the channel axis first).
    let layout = if case.oihw {
        WeightLayout::Oihw
    } else {
        WeightLayout::Ohwi
    };
    let (wl, wfl) = (
        to_layout(&w, depth / cg, cg, layout),
        to_layout(&wf, depth / cg, cg, layout),
    );

    let zb32: Vec<i32> = zbs.iter().map(|&z| i32::from(z)).collect();
    let (zb, zo) = if case.per_channel {
        (
            WeightZeroPoint::PerColumn(&zb32),
            oracle::WeightZeroPoint::PerChannel(&zbs),
        )
    } else {
        (
            WeightZeroPoint::PerTensor(zb32[0]),
            oracle::WeightZeroPoint::PerTensor(zbs[0]),
        )
    };
    let mut want = vec![0i32; out_len];
    let xs: Vec<i8> = x.iter().map(|&b| b as i8).collect();
    let za = if case.signed_input {
        i32::from(case.za as i8)
    } else {
        i32::from(case.za)
    };
    if case.signed_input {
        oracle::conv3d_int8(&p, &xs, case.za as i8, &w, zo, None, &mut want).unwrap();
    } else {
        oracle::conv3d_int8(&p, &x, case.za, &w, zo, None, &mut want).unwrap();
    }
    let (mut fwant, mut mag) = (vec![0f32; out_len], vec![0f32; out_len]);
    oracle::conv3d_f32(&p, &xf, &wf, None, &mut fwant).unwrap();
    oracle::conv3d_f32_magnitude(&p, &xf, &wf, None, &mut mag).unwrap();
    // Each rounding errs by at most ε·|value| or, below the normal range,
    // half a subnormal step: so the bound has an absolute term too.
    let tol = (depth + 2) as f32 * f32::EPSILON;
    let floor = (depth + 2) as f32 * f32::from_bits(1);

    for ctx in ctxs {
        let conv = ConvI8::new_3d(
            ctx,
            &p,
            ConvWeights { data: &wl, layout },
            zb,
            PackOptions::default(),
        )
        .unwrap();
        let mut got = vec![0i32; out_len];
        let out = ConvOutput::S32 {
            output: &mut got,
            accumulate: false,
        };
        if case.signed_input {
            conv.run(ctx, &xs, za, out).unwrap();
        } else {
            conv.run(ctx, &x, za, out).unwrap();
        }
        assert_eq!(got, want, "{} {p:?} ({})", ctx.isa(), conv.algorithm());

        let conv = ConvF32::new_3d(ctx, &p, ConvWeights { data: &wfl, layout }).unwrap();
        let mut y = vec![0f32; out_len];
        conv.run(ctx, &xf, None, Activation::Identity, &mut y).unwrap();
        for (i, ((&g, &v), &m)) in y.iter().zip(&fwant).zip(&mag).enumerate() {
            assert!((g - v).abs() <= tol * m + floor, "{} {p:?} at {i}: {g} vs {v}", ctx.isa());
        }
    }
});
