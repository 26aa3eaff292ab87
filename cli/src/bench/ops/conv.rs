//! Convolution, batch 1, NHWC, the issue's layers (3×3 with padding 1, one
//! 1×1, one 3-D 3×3×3): `conv2d_f32` / `conv3d_f32` ([`ConvF32`], bias +
//! ReLU), `conv2d_u8s8s32` / `conv3d_u8s8s32` ([`ConvI8`], raw s32) and
//! `conv2d_u8s8u8` (requantized u8 with ReLU). Plans (packed weights,
//! indirection buffer) are built in the untimed set-up. GOP/s count every
//! tap, padding included (`2·OH·OW·K·C·R·S`); the label names the plan's
//! algorithm ([`ConvAlgorithm`]).

use super::data::{checked_runner, f32s, s8s, u8s};
use crate::bench::case::{peak_fma_f32, peak_u8s8, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use lowp::conv::{Conv3dParams, ConvAlgorithm, ConvF32, ConvI8, ConvOutput, ConvWeights, Padding3d};
use lowp::igemm::{Activation, PackOptions, Requantize, Scale, WeightZeroPoint};
use lowp::peak::Work;
use lowp::AlignedBuffer;
use serde_json::json;

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "conv",
    about: "NHWC convolution, batch 1: conv2d_f32, conv2d_u8s8s32, conv2d_u8s8u8 (requantize + ReLU), conv3d_f32, conv3d_u8s8s32",
    cases,
    compare: |_| Vec::<CompareRow>::new(),
};

/// 2-D layers `(H, W, C, K, R = S)`, padding `R/2`, stride 1.
const LAYERS_2D: &[(usize, usize, usize, usize, usize)] = &[
    (56, 56, 64, 64, 3),
    (28, 28, 128, 128, 3),
    (14, 14, 256, 256, 3),
    (7, 7, 512, 512, 3),
    (56, 56, 64, 256, 1),
];

/// Grouped 2-D layers `(H, W, C, K, R = S, groups)` (ResNeXt: 32 groups of 4).
const GROUPED_2D: &[(usize, usize, usize, usize, usize, usize)] = &[(56, 56, 128, 128, 3, 32)];

/// The 3-D layer: 32×32×32×32 → 32, 3×3×3.
const LAYER_3D: (usize, usize, usize, usize, usize) = (32, 32, 32, 32, 32);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    F32,
    S32,
    U8,
}

fn cases(_: &CaseOpts) -> Vec<Case> {
    let mut out = Vec::new();
    for kind in [Kind::F32, Kind::S32, Kind::U8] {
        for &(h, w, c, k, r) in LAYERS_2D {
            out.push(case(kind, Conv3dParams::new(1, 1, h, w, c, k, 1, r, r), false));
        }
        for &(h, w, c, k, r, groups) in GROUPED_2D {
            let p = Conv3dParams::new(1, 1, h, w, c, k, 1, r, r);
            out.push(case(kind, Conv3dParams { groups, ..p }, false));
        }
    }
    for kind in [Kind::F32, Kind::S32] {
        let (d, h, w, c, k) = LAYER_3D;
        out.push(case(kind, Conv3dParams::new(1, d, h, w, c, k, 3, 3, 3), true));
    }
    out
}

fn case(kind: Kind, p: Conv3dParams, three_d: bool) -> Case {
    let p = p.with_padding(Padding3d::symmetric(p.t / 2, p.r / 2, p.s / 2));
    let (od, oh, ow) = p.output_dims().expect("a valid bench layer");
    let mut extra = vec![
        ("h", json!(p.h)),
        ("w", json!(p.w)),
        ("c", json!(p.c)),
        ("k", json!(p.k)),
        ("r", json!(p.r)),
        ("s", json!(p.s)),
        ("stride", json!(1)),
        ("pad", json!(p.r / 2)),
        ("groups", json!(p.groups)),
    ];
    if three_d {
        extra.extend([("d", json!(p.d)), ("t", json!(p.t))]);
    }
    let shape = Shape {
        m: od * oh * ow,
        n: p.k,
        k: p.c / p.groups * p.t * p.r * p.s,
        extra,
    };
    let dims = if three_d { "3d" } else { "2d" };
    let op = match kind {
        Kind::F32 => format!("conv{dims}_f32"),
        Kind::S32 => format!("conv{dims}_u8s8s32"),
        Kind::U8 => format!("conv{dims}_u8s8u8"),
    };
    let taps = if three_d {
        format!("{}x{}x{}", p.t, p.r, p.s)
    } else {
        format!("{}x{}", p.r, p.s)
    };
    let depth = if three_d {
        format!("{}x", p.d)
    } else {
        String::new()
    };
    let algorithm = ConvAlgorithm::of_3d(&p).expect("a valid bench layer");
    let groups = if p.groups > 1 {
        format!(" g{}", p.groups)
    } else {
        String::new()
    };
    let label = format!(
        "{depth}{}x{}x{}->{} {taps}{groups} {algorithm}",
        p.h, p.w, p.c, p.k
    );
    Case {
        op,
        impl_name: "lowp",
        shape,
        label: Some(label),
        isas: IsaSel::Each,
        memory_bound: false,
        is_peak: false,
        peak_for: if kind == Kind::F32 {
            peak_fma_f32
        } else {
            peak_u8s8
        },
        setup: Box::new(move |ctx| {
            let (in_len, w_len, out_len) = (p.input_len()?, p.weights_len()?, p.output_len()?);
            let work = Work {
                ops: p.ops()? as f64,
                bytes: 0.0,
            };
            let ctx = ctx.clone();
            if kind == Kind::F32 {
                let conv = ConvF32::new_3d(&ctx, &p, ConvWeights::ohwi(&f32s(w_len, 2)))?;
                let x = AlignedBuffer::from_slice(&f32s(in_len, 1));
                let bias = f32s(p.k, 3);
                let mut y = AlignedBuffer::<f32>::zeroed(out_len);
                return checked_runner(work, move || {
                    conv.run(&ctx, &x, Some(&bias), Activation::Relu, &mut y)
                });
            }
            let w = s8s(w_len, 4);
            let conv = ConvI8::new_3d(
                &ctx,
                &p,
                ConvWeights::ohwi(&w),
                WeightZeroPoint::PerTensor(0),
                PackOptions::default(),
            )?;
            let x = AlignedBuffer::from_slice(&u8s(in_len, 3));
            let mut y32 = AlignedBuffer::<i32>::zeroed(if kind == Kind::S32 { out_len } else { 0 });
            let mut yu = AlignedBuffer::<u8>::zeroed(if kind == Kind::U8 { out_len } else { 0 });
            checked_runner(work, move || {
                let output = match kind {
                    Kind::S32 => ConvOutput::S32 {
                        output: &mut y32,
                        accumulate: false,
                    },
                    _ => ConvOutput::U8 {
                        output: &mut yu,
                        requantize: Requantize {
                            relu: true,
                            ..Requantize::new(Scale::PerTensor(1.0 / 65536.0), 128)
                        },
                    },
                };
                conv.run(&ctx, &x, 128, output)
            })
        }),
    }
}
