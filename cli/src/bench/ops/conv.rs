//! Convolution, batch 1, NHWC, the issues' layers (3×3 with padding 1, one
//! 1×1, MobileNet-v2's depthwise 3×3, one 3-D 3×3×3): `conv2d_f32` / `conv3d_f32` ([`ConvF32`], bias +
//! ReLU), `conv2d_u8s8s32` / `conv3d_u8s8s32` ([`ConvI8`], raw s32) and
//! `conv2d_u8s8u8` (requantized u8 with ReLU). Plans (packed weights,
//! indirection buffer) are built in the untimed set-up. GOP/s count every
//! tap, padding included (`2·OH·OW·K·C·R·S`); the label names the plan's
//! algorithm ([`ConvAlgorithm`]), as does the JSON field `algorithm`.
//! `--shapes` entries in the syntax of [`conv_shape`] replace the layers.

use super::conv_shape::{self, layer_2d, ConvShape};
use super::data::{checked_runner, f32s, s8s, u8s};
use crate::bench::case::{peak_fma_f32, peak_u8s8, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use lowp::conv::{ConvAlgorithm, ConvF32, ConvI8, ConvOutput, ConvWeights, Padding3d};
use lowp::igemm::{Activation, PackOptions, Requantize, Scale, WeightZeroPoint};
use lowp::peak::Work;
use lowp::quant::{quantize_multiplier, FixedPointRequantize};
use lowp::{AlignedBuffer, Context, Isa};
use serde_json::json;

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "conv",
    about: "NHWC convolution, batch 1: conv2d_f32, conv2d_u8s8s32, conv2d_u8s8u8 (requantize + ReLU), conv2d_u8s8u8_fixed (fixed-point requantize + ReLU), conv3d_f32, conv3d_u8s8s32",
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

/// MobileNet-v2's depthwise 3×3 layers `(H = W, C, stride)`, padding 1,
/// `groups = K = C`.
const DEPTHWISE: &[(usize, usize, usize)] = &[
    (112, 32, 1),
    (112, 96, 2),
    (56, 144, 1),
    (28, 192, 1),
    (14, 576, 1),
    (7, 960, 1),
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
    /// The fixed-point (gemmlowp / TFLite) requantizing output.
    U8Fixed,
}

fn cases(opts: &CaseOpts) -> Vec<Case> {
    let layers: Vec<ConvShape> = match &opts.specs {
        // Checked when the options were parsed.
        Some(specs) => specs.iter().filter_map(|s| conv_shape::parse(s).ok()).collect(),
        None => {
            let (d, h, w, c, k) = LAYER_3D;
            let mut v: Vec<ConvShape> = LAYERS_2D
                .iter()
                .map(|&(h, w, c, k, r)| layer_2d(h, w, c, k, r))
                .collect();
            v.push(conv_shape::parse(&format!("{d}x{h}x{w}x{c}:{k}x3x3x3")).expect("the 3-D bench layer"));
            for &(h, c, stride) in DEPTHWISE {
                v.push(
                    conv_shape::parse(&format!("{h}x{h}x{c}:{c}x3x3:s{stride}:g{c}"))
                        .expect("a depthwise bench layer"),
                );
            }
            for &(h, w, c, k, r, g) in GROUPED_2D {
                v.push(
                    conv_shape::parse(&format!("{h}x{w}x{c}:{k}x{r}x{r}:g{g}"))
                        .expect("a grouped bench layer"),
                );
            }
            v
        }
    };
    let mut out = Vec::new();
    for kind in [Kind::F32, Kind::S32, Kind::U8, Kind::U8Fixed] {
        for l in &layers {
            // No requantized 3-D op.
            if l.three_d && matches!(kind, Kind::U8 | Kind::U8Fixed) {
                continue;
            }
            // A plan's algorithm depends on the level (the indirect
            // kernels): one case per level, named by what its plan runs.
            for isa in Isa::available() {
                let ctx = Context::builder()
                    .max_isa(isa)
                    .threads(1)
                    .ignore_env()
                    .build()
                    .expect("an available level");
                let algorithm = match kind {
                    Kind::F32 => ConvF32::algorithm_for(&ctx, &l.params),
                    _ => ConvI8::algorithm_for(&ctx, &l.params),
                };
                let algorithm = algorithm.expect("a valid bench layer");
                out.push(case(kind, *l, algorithm, IsaSel::Only(isa)));
            }
        }
    }
    out
}

fn case(kind: Kind, layer: ConvShape, algorithm: ConvAlgorithm, isas: IsaSel) -> Case {
    let ConvShape { params: p, three_d } = layer;
    let (od, oh, ow) = p.output_dims().expect("a valid bench layer");
    let mut extra = vec![
        ("h", json!(p.h)),
        ("w", json!(p.w)),
        ("c", json!(p.c)),
        ("k", json!(p.k)),
        ("r", json!(p.r)),
        ("s", json!(p.s)),
        ("stride", json!(p.stride.1)),
        ("pad", json!(p.padding.top)),
        ("groups", json!(p.groups)),
    ];
    if three_d {
        extra.extend([("d", json!(p.d)), ("t", json!(p.t))]);
    }
    extra.push(("algorithm", json!(algorithm.to_string())));
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
        Kind::U8Fixed => format!("conv{dims}_u8s8u8_fixed"),
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
    let mut label = format!("{depth}{}x{}x{}->{} {taps}", p.h, p.w, p.c, p.k);
    let same = Padding3d::symmetric(if three_d { p.t / 2 } else { 0 }, p.r / 2, p.s / 2);
    for (name, v, default) in [
        ("s", p.stride.1, 1),
        ("p", p.padding.top, same.top),
        ("g", p.groups, 1),
    ] {
        if v != default || (name == "p" && p.padding != same) {
            label.push_str(&format!(" {name}{v}"));
        }
    }
    label.push_str(&format!(" {algorithm}"));
    Case {
        op,
        impl_name: "lowp",
        shape,
        label: Some(label),
        isas,
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
            let u8_len = if kind == Kind::S32 { 0 } else { out_len };
            let mut yu = AlignedBuffer::<u8>::zeroed(u8_len);
            // 1/65536 as a Q31 multiplier and shift.
            let (mult, shift) = quantize_multiplier(1.0 / 65536.0)?;
            checked_runner(work, move || {
                let output = match kind {
                    Kind::S32 => ConvOutput::S32 {
                        output: &mut y32,
                        accumulate: false,
                    },
                    Kind::U8Fixed => ConvOutput::U8Fixed {
                        output: &mut yu,
                        requantize: FixedPointRequantize {
                            relu: true,
                            ..FixedPointRequantize::new(mult, shift, 128)
                        },
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
