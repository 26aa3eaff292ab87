//! Convolution plans (`ConvF32`, `ConvI8`) against the oracle
//! (`lowp_reference::conv`) on every available ISA level: INT8 bit-exact
//! through every output pipeline, f32 within `(depth + 2)·ε·Σ|x||w|` (the
//! GEMM's rounding bound for a sum of `depth = C·T·R·S/groups` products,
//! plus the bias add), every algorithm, 2-D and 3-D, groups, batch,
//! stride, dilation, asymmetric and oversized padding, both weight layouts,
//! thread invariance and the argument checks.

use lowp::conv::{
    Conv2dParams, Conv3dParams, ConvAlgorithm, ConvF32, ConvI8, ConvOutput, ConvWeights, Padding2d, Padding3d,
};
use lowp::igemm::{Activation, Int8, PackOptions, Requantize, Saturation, Scale, WeightZeroPoint};
use lowp::{Context, Error};
use lowp_reference::conv as oracle;
use proptest::prelude::*;

mod common;

use common::{check_conv_pipelines, contexts, ctx, SplitMix};

/// One layer in 3-D form; `three_d = false` runs it through the 2-D API
/// (then depth, depth kernel, depth stride/dilation/padding are 1/1/1/1/0).
#[derive(Clone, Debug)]
struct Layer {
    n: usize,
    dhw: [usize; 3],
    c: usize,
    k: usize,
    trs: [usize; 3],
    stride: [usize; 3],
    pad_lo: [usize; 3],
    pad_hi: [usize; 3],
    dilation: [usize; 3],
    groups: usize,
    three_d: bool,
}

impl Layer {
    /// A 2-D layer, square stride/dilation, uniform padding.
    #[allow(clippy::too_many_arguments)]
    fn d2(
        n: usize,
        h: usize,
        w: usize,
        c: usize,
        k: usize,
        r: usize,
        s: usize,
        stride: usize,
        pad: usize,
    ) -> Layer {
        Layer {
            n,
            dhw: [1, h, w],
            c,
            k,
            trs: [1, r, s],
            stride: [1, stride, stride],
            pad_lo: [0, pad, pad],
            pad_hi: [0, pad, pad],
            dilation: [1, 1, 1],
            groups: 1,
            three_d: false,
        }
    }

    fn p2(&self) -> Conv2dParams {
        Conv2dParams {
            stride: (self.stride[1], self.stride[2]),
            padding: Padding2d {
                top: self.pad_lo[1],
                left: self.pad_lo[2],
                bottom: self.pad_hi[1],
                right: self.pad_hi[2],
            },
            dilation: (self.dilation[1], self.dilation[2]),
            groups: self.groups,
            ..Conv2dParams::new(
                self.n,
                self.dhw[1],
                self.dhw[2],
                self.c,
                self.k,
                self.trs[1],
                self.trs[2],
            )
        }
    }

    fn p3(&self) -> Conv3dParams {
        let [d, h, w] = self.dhw;
        let [t, r, s] = self.trs;
        Conv3dParams {
            stride: (self.stride[0], self.stride[1], self.stride[2]),
            padding: Padding3d {
                front: self.pad_lo[0],
                top: self.pad_lo[1],
                left: self.pad_lo[2],
                back: self.pad_hi[0],
                bottom: self.pad_hi[1],
                right: self.pad_hi[2],
            },
            dilation: (self.dilation[0], self.dilation[1], self.dilation[2]),
            groups: self.groups,
            ..Conv3dParams::new(self.n, d, h, w, self.c, self.k, t, r, s)
        }
    }

    fn valid(&self) -> bool {
        if self.three_d {
            self.p3().validate().is_ok()
        } else {
            self.p2().validate().is_ok()
        }
    }

    fn lens(&self) -> (usize, usize, usize) {
        let p = self.p3();
        (
            p.input_len().unwrap(),
            p.weights_len().unwrap(),
            p.output_len().unwrap(),
        )
    }

    /// Taps per output channel times channels per group: the GEMM depth.
    fn depth(&self) -> usize {
        self.trs.iter().product::<usize>() * (self.c / self.groups)
    }

    /// OHWI weights moved to OIHW.
    fn to_oihw<T: Copy>(&self, w: &[T]) -> Vec<T> {
        let (taps, cg) = (self.trs.iter().product::<usize>(), self.c / self.groups);
        w.chunks_exact(taps * cg)
            .flat_map(|k| (0..cg * taps).map(move |x| k[(x % taps) * cg + x / taps]))
            .collect()
    }

    fn f32_plan(&self, ctx: &Context, w: ConvWeights<'_, f32>) -> lowp::Result<ConvF32> {
        if self.three_d {
            ConvF32::new_3d(ctx, &self.p3(), w)
        } else {
            ConvF32::new(ctx, &self.p2(), w)
        }
    }

    fn i8_plan<W: Int8>(
        &self,
        ctx: &Context,
        w: ConvWeights<'_, W>,
        zb: WeightZeroPoint<'_>,
    ) -> lowp::Result<ConvI8> {
        self.i8_plan_with(ctx, w, zb, PackOptions::default())
    }

    fn i8_plan_with<W: Int8>(
        &self,
        ctx: &Context,
        w: ConvWeights<'_, W>,
        zb: WeightZeroPoint<'_>,
        options: PackOptions,
    ) -> lowp::Result<ConvI8> {
        if self.three_d {
            ConvI8::new_3d(ctx, &self.p3(), w, zb, options)
        } else {
            ConvI8::new(ctx, &self.p2(), w, zb, options)
        }
    }
}

/// The f32 oracle: values and magnitudes `Σ|x||w| + |bias|`.
fn f32_oracle(l: &Layer, x: &[f32], w: &[f32], bias: Option<&[f32]>) -> (Vec<f32>, Vec<f32>) {
    let (_, _, out) = l.lens();
    let (mut v, mut m) = (vec![0f32; out], vec![0f32; out]);
    if l.three_d {
        let p = l.p3();
        oracle::conv3d_f32(&p, x, w, bias, &mut v).unwrap();
        oracle::conv3d_f32_magnitude(&p, x, w, bias, &mut m).unwrap();
    } else {
        let p = l.p2();
        oracle::conv2d_f32(&p, x, w, bias, &mut v).unwrap();
        oracle::conv2d_f32_magnitude(&p, x, w, bias, &mut m).unwrap();
    }
    (v, m)
}

/// The INT8 oracle (s32, no bias).
fn int8_oracle<A: Int8 + oracle::Int8, W: Int8 + oracle::Int8>(
    l: &Layer,
    x: &[A],
    za: A,
    w: &[W],
    zb: oracle::WeightZeroPoint<'_, W>,
) -> Vec<i32> {
    let mut out = vec![0i32; l.lens().2];
    if l.three_d {
        oracle::conv3d_int8(&l.p3(), x, za, w, zb, None, &mut out).unwrap();
    } else {
        oracle::conv2d_int8(&l.p2(), x, za, w, zb, None, &mut out).unwrap();
    }
    out
}

/// Byte-valued element types for random data.
trait Byte: Int8 + oracle::Int8 + Copy {
    fn of(b: u8) -> Self;
}
impl Byte for u8 {
    fn of(b: u8) -> u8 {
        b
    }
}
impl Byte for i8 {
    fn of(b: u8) -> i8 {
        b as i8
    }
}

/// Checks an f32 layer on `ctx` against the oracle, both weight layouts
/// (bit-identical to each other), with a bias and ReLU.
fn check_f32(ctx: &Context, l: &Layer, seed: u64) {
    let (in_len, w_len, out_len) = l.lens();
    let mut g = SplitMix(seed);
    let x: Vec<f32> = (0..in_len).map(|_| g.f32()).collect();
    let w: Vec<f32> = (0..w_len).map(|_| g.f32()).collect();
    let bias: Vec<f32> = (0..l.k).map(|_| g.f32()).collect();
    let (want, mag) = f32_oracle(l, &x, &w, Some(&bias));
    let conv = l.f32_plan(ctx, ConvWeights::ohwi(&w)).unwrap();
    let mut got = vec![f32::NAN; out_len];
    conv.run(ctx, &x, Some(&bias), Activation::Relu, &mut got)
        .unwrap();
    let tol = (l.depth() + 2) as f32 * f32::EPSILON;
    for (i, ((&y, &v), &m)) in got.iter().zip(&want).zip(&mag).enumerate() {
        let v = v.max(0.0);
        assert!(
            (y - v).abs() <= tol * m,
            "{} {l:?} ({}) at {i}: got {y}, want {v} (bound {})",
            ctx.isa(),
            conv.algorithm(),
            tol * m
        );
    }
    let oihw = l.to_oihw(&w);
    let conv2 = l.f32_plan(ctx, ConvWeights::oihw(&oihw)).unwrap();
    let mut got2 = vec![f32::NAN; out_len];
    conv2
        .run(ctx, &x, Some(&bias), Activation::Relu, &mut got2)
        .unwrap();
    assert_eq!(
        got.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        got2.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
        "OIHW vs OHWI: {l:?}"
    );
}

/// Checks an INT8 layer on `ctx` bit-exactly against the oracle: s32, f32
/// (dequantized, per-channel scale and bias, clamp) and u8/s8
/// (requantized, ReLU), per-tensor and per-channel weight zero points,
/// both weight layouts.
fn check_int8<A: Byte, W: Byte>(ctx: &Context, l: &Layer, seed: u64) {
    let (in_len, w_len, out_len) = l.lens();
    let mut g = SplitMix(seed);
    let x: Vec<A> = (0..in_len).map(|_| A::of(g.next() as u8)).collect();
    let w: Vec<W> = (0..w_len).map(|_| W::of(g.next() as u8)).collect();
    let za = A::of(g.next() as u8);
    let zbs: Vec<W> = (0..l.k).map(|_| W::of(g.next() as u8)).collect();
    let zbs32: Vec<i32> = zbs.iter().map(|z| Int8::to_i32(*z)).collect();
    let oihw = l.to_oihw(&w);
    // Per tensor, per channel, and no weight zero point (what the indirect
    // kernel takes, on the levels that have one).
    for (per_channel, zb0) in [(false, zbs[0]), (true, zbs[0]), (false, W::of(0))] {
        let (zb, zo) = if per_channel {
            (
                WeightZeroPoint::PerColumn(&zbs32),
                oracle::WeightZeroPoint::PerChannel(&zbs),
            )
        } else {
            (
                WeightZeroPoint::PerTensor(Int8::to_i32(zb0)),
                oracle::WeightZeroPoint::PerTensor(zb0),
            )
        };
        let want = int8_oracle(l, &x, za, &w, zo);
        let what = format!("{} {l:?} zb per channel {per_channel}", ctx.isa());
        let conv = l.i8_plan(ctx, ConvWeights::ohwi(&w), zb).unwrap();
        let za32 = Int8::to_i32(za);
        let mut got = vec![7i32; out_len];
        let out = ConvOutput::S32 {
            output: &mut got,
            accumulate: false,
        };
        conv.run(ctx, &x, za32, out).unwrap();
        assert_eq!(got, want, "s32 {what} ({})", conv.algorithm());
        let conv2 = l.i8_plan(ctx, ConvWeights::oihw(&oihw), zb).unwrap();
        let mut got2 = vec![0i32; out_len];
        let out = ConvOutput::S32 {
            output: &mut got2,
            accumulate: false,
        };
        conv2.run(ctx, &x, za32, out).unwrap();
        assert_eq!(got2, want, "s32 OIHW {what}");

        check_conv_pipelines(l.k, &want, &what, |out| conv.run(ctx, &x, za32, out).unwrap());
    }
}

/// Depthwise layers (`groups = C`): 3×3 and 5×5 (the unrolled kernels)
/// and other sizes (the general one), stride 1 and 2, rows wider than a
/// kernel's pixel block, channel counts that are not multiples of 8 or 16,
/// multipliers 1–3, batch, asymmetric padding past the kernel, dilation.
fn depthwise_layers() -> Vec<Layer> {
    let dw = |n, h, w, c, m, r, s, stride, pad| {
        let mut l = Layer::d2(n, h, w, c, c * m, r, s, stride, pad);
        l.groups = c;
        l
    };
    let mut v = vec![
        dw(1, 9, 23, 37, 1, 3, 3, 1, 1),
        dw(2, 12, 19, 20, 1, 3, 3, 2, 1),
        dw(1, 11, 17, 33, 1, 5, 5, 1, 2),
        dw(1, 10, 21, 18, 2, 5, 5, 2, 2),
        dw(2, 6, 13, 7, 3, 2, 3, 1, 0),
        dw(1, 8, 30, 16, 1, 1, 7, 1, 3),
        dw(1, 3, 3, 5, 1, 3, 3, 1, 4),
        // 3×3 stride 2 (the INT8 patch path): odd widths and channel
        // counts, padding 0/1/2, batch.
        dw(2, 13, 27, 37, 1, 3, 3, 2, 1),
        dw(1, 11, 18, 19, 1, 3, 3, 2, 0),
        dw(1, 9, 25, 48, 1, 3, 3, 2, 2),
        // Whole pairs two to a 64-channel patch (the zmm patch kernels),
        // then a last whole pair, a partial one, or none: odd widths,
        // padding 0/1/2.
        dw(1, 9, 23, 96, 1, 3, 3, 2, 1),
        dw(2, 7, 15, 136, 1, 3, 3, 2, 0),
        dw(1, 8, 11, 128, 1, 3, 3, 2, 2),
    ];
    let mut odd = dw(1, 9, 14, 24, 2, 3, 3, 2, 0);
    (odd.pad_lo, odd.pad_hi, odd.dilation) = ([0, 4, 0], [0, 1, 5], [1, 2, 3]);
    v.push(odd);
    v
}

/// Hand-picked layers: one of each algorithm, 2-D and 3-D, groups, batch.
fn layers() -> Vec<(Layer, ConvAlgorithm)> {
    let mut v = vec![
        (Layer::d2(2, 5, 6, 19, 13, 1, 1, 1, 0), ConvAlgorithm::Gemm1x1),
        // Full-width weight panels over many rows: the in-place kernel's
        // strips of sub-tiles (2·9·11 = 198 rows, not a multiple of 14).
        (Layer::d2(2, 9, 11, 64, 72, 1, 1, 1, 0), ConvAlgorithm::Gemm1x1),
        (
            Layer::d2(1, 9, 7, 16, 24, 1, 1, 2, 0),
            ConvAlgorithm::Gemm1x1Strided,
        ),
        (Layer::d2(1, 9, 9, 8, 33, 3, 3, 1, 1), ConvAlgorithm::Indirect),
        (Layer::d2(2, 7, 5, 5, 7, 3, 2, 2, 2), ConvAlgorithm::Indirect),
        (Layer::d2(1, 2, 2, 3, 4, 3, 3, 1, 2), ConvAlgorithm::Indirect),
        (Layer::d2(1, 1, 1, 4, 5, 1, 1, 1, 1), ConvAlgorithm::Indirect),
    ];
    // Output rows wider than a tile's MR: full f32 panels of evenly spaced
    // pixels (the level's row packer).
    v.push((Layer::d2(1, 3, 40, 8, 5, 3, 3, 1, 1), ConvAlgorithm::Indirect));
    v.push((Layer::d2(2, 4, 61, 5, 3, 3, 3, 2, 1), ConvAlgorithm::Indirect));
    // 64 channels per group: runs in whole 64-byte blocks (the 4-row packer).
    v.push((Layer::d2(1, 6, 9, 64, 16, 3, 3, 1, 1), ConvAlgorithm::Indirect));
    let mut wide_groups = Layer::d2(2, 7, 10, 128, 6, 3, 2, 2, 1);
    wide_groups.groups = 2;
    v.push((wide_groups, ConvAlgorithm::Indirect));
    // 3 channels a group: the grouped kernels take multiples of 4.
    let mut grouped = Layer::d2(1, 6, 6, 9, 9, 3, 3, 1, 1);
    grouped.groups = 3;
    v.push((grouped, ConvAlgorithm::Indirect));
    let mut depthwise = Layer::d2(2, 5, 5, 6, 12, 3, 3, 1, 1);
    depthwise.groups = 6;
    depthwise.dilation = [1, 2, 1];
    v.push((depthwise, ConvAlgorithm::Depthwise));
    v.extend(
        depthwise_layers()
            .into_iter()
            .map(|l| (l, ConvAlgorithm::Depthwise)),
    );
    let mut three_dw = Layer::d2(1, 4, 5, 6, 6, 3, 3, 1, 1);
    (
        three_dw.groups,
        three_dw.three_d,
        three_dw.dhw[0],
        three_dw.trs[0],
    ) = (6, true, 3, 2);
    // 3-D depthwise with a depth axis keeps the general path.
    v.push((three_dw, ConvAlgorithm::Indirect));
    let mut grouped_1x1 = Layer::d2(1, 4, 4, 6, 6, 1, 1, 1, 0);
    grouped_1x1.groups = 2;
    v.push((grouped_1x1, ConvAlgorithm::Gemm1x1));
    let three = Layer {
        n: 2,
        dhw: [4, 5, 3],
        c: 5,
        k: 6,
        trs: [3, 2, 3],
        stride: [1, 2, 1],
        pad_lo: [1, 0, 2],
        pad_hi: [2, 1, 0],
        dilation: [2, 1, 1],
        groups: 1,
        three_d: true,
    };
    v.push((three, ConvAlgorithm::Indirect));
    let mut three_1x1 = Layer::d2(1, 5, 4, 7, 9, 1, 1, 1, 0);
    three_1x1.three_d = true;
    three_1x1.dhw[0] = 3;
    three_1x1.stride = [2, 1, 2];
    v.push((three_1x1, ConvAlgorithm::Gemm1x1Strided));
    v
}

#[test]
fn hand_picked_layers_match_the_oracle_on_every_isa() {
    for ctx in contexts(2) {
        for (i, (l, algo)) in layers().into_iter().enumerate() {
            assert!(l.valid(), "{l:?}");
            let w = vec![0f32; l.lens().1];
            assert_eq!(
                l.f32_plan(&ctx, ConvWeights::ohwi(&w)).unwrap().algorithm(),
                algo,
                "{l:?}"
            );
            let of_params = if l.three_d {
                ConvAlgorithm::of_3d(&l.p3())
            } else {
                ConvAlgorithm::of_2d(&l.p2())
            };
            assert_eq!(of_params.unwrap(), algo, "{l:?}");
            check_f32(&ctx, &l, i as u64);
            check_int8::<u8, i8>(&ctx, &l, 100 + i as u64);
            check_int8::<i8, i8>(&ctx, &l, 200 + i as u64);
            check_int8::<u8, u8>(&ctx, &l, 300 + i as u64);
        }
    }
}

/// The opt-in saturating mode (`Saturation::Allow`) on layer `l`: the
/// oracle's saturating model where `ctx`'s main kernel is the `vpmaddubsw`
/// chain, the exact result elsewhere (VNNI), bit for bit. Returns whether
/// the two oracles differ on this layer (the check bites).
fn check_saturating<A: Byte, W: Byte>(ctx: &Context, l: &Layer, seed: u64) -> bool {
    let (in_len, w_len, out_len) = l.lens();
    let mut g = SplitMix(seed);
    let x: Vec<A> = (0..in_len).map(|_| A::of(g.next() as u8)).collect();
    let w: Vec<W> = (0..w_len).map(|_| W::of(g.next() as u8)).collect();
    let (za, zb) = (A::of(g.next() as u8), W::of(g.next() as u8));
    let zo = oracle::WeightZeroPoint::PerTensor(zb);
    let mut model = vec![0i32; out_len];
    if l.three_d {
        oracle::conv3d_int8_saturating(&l.p3(), &x, za, &w, zo, None, &mut model).unwrap();
    } else {
        oracle::conv2d_int8_saturating(&l.p2(), &x, za, &w, zo, None, &mut model).unwrap();
    }
    let exact = int8_oracle(l, &x, za, &w, zo);
    let options = PackOptions {
        saturation: Saturation::Allow,
        ..PackOptions::default()
    };
    let zb32 = WeightZeroPoint::PerTensor(Int8::to_i32(zb));
    let conv = l.i8_plan_with(ctx, ConvWeights::ohwi(&w), zb32, options).unwrap();
    let mut got = vec![7i32; out_len];
    let out = ConvOutput::S32 {
        output: &mut got,
        accumulate: false,
    };
    conv.run(ctx, &x, Int8::to_i32(za), out).unwrap();
    // The depthwise and grouped kernels are always exact (PackOptions do not apply to them).
    let exact_kernels = matches!(
        conv.algorithm(),
        ConvAlgorithm::Depthwise | ConvAlgorithm::Grouped
    );
    let chain = ctx.kernels().igemm.main.saturates && !exact_kernels;
    let want = if chain { &model } else { &exact };
    assert_eq!(
        &got,
        want,
        "{} saturating (chain {chain}) {l:?} ({})",
        ctx.isa(),
        conv.algorithm()
    );
    model != exact
}

#[test]
fn saturating_mode_matches_the_oracles_chain_model_on_every_isa() {
    let mut bites = false;
    for ctx in contexts(2) {
        for (i, (l, _)) in layers().into_iter().enumerate() {
            bites |= check_saturating::<u8, i8>(&ctx, &l, 400 + i as u64);
            bites |= check_saturating::<i8, i8>(&ctx, &l, 500 + i as u64);
            bites |= check_saturating::<u8, u8>(&ctx, &l, 600 + i as u64);
        }
    }
    assert!(bites, "no layer saturates the chain model: the check cannot fail");
}

/// Full-width weight panels, which the indirect kernel runs as strips of
/// whole output rows: rows of 30 pixels (5 tiles of 6), of 17 (tiles of 6,
/// 6 and 5) and of 3 (one tile call each), batch 2, padding in every border
/// tile; INT8 against the oracle on every level, 1 and 2 threads.
#[test]
fn int8_layers_over_full_weight_panels_match_the_oracle_on_every_isa() {
    let layers = [
        Layer::d2(2, 4, 30, 16, 64, 3, 3, 1, 1),
        Layer::d2(1, 5, 17, 8, 32, 3, 3, 1, 1),
        Layer::d2(1, 6, 3, 12, 32, 3, 3, 1, 1),
    ];
    for ctx in contexts(1).into_iter().chain(contexts(2)) {
        for (i, l) in layers.iter().enumerate() {
            check_int8::<u8, i8>(&ctx, l, 400 + i as u64);
            check_int8::<i8, i8>(&ctx, l, 500 + i as u64);
        }
    }
}

/// Output rows cut into 14-pixel tiles whose taps step 64–512 input bytes
/// per pixel (the indirect kernel's constant-step rows, run as strips):
/// interior and border tiles, padding of one row and of two at a tile's
/// end, rows of 28 (two tiles), 27 (14 + 13) and 14 pixels, stride 2,
/// dilation 2, batch 2; INT8 against the oracle on every level, 1 and 2
/// threads.
#[test]
fn int8_layers_of_14_pixel_tiles_match_the_oracle_on_every_isa() {
    let mut dilated = Layer::d2(1, 5, 28, 64, 32, 3, 3, 1, 2);
    dilated.dilation = [1, 2, 2];
    let layers = [
        Layer::d2(2, 4, 28, 64, 32, 3, 3, 1, 1),
        Layer::d2(1, 3, 27, 128, 32, 3, 3, 1, 1),
        Layer::d2(1, 3, 26, 64, 32, 3, 3, 1, 2),
        Layer::d2(1, 5, 28, 64, 32, 3, 3, 2, 1),
        Layer::d2(1, 3, 14, 256, 32, 3, 3, 1, 1),
        Layer::d2(1, 2, 14, 512, 32, 3, 3, 1, 1),
        dilated,
    ];
    for ctx in contexts(1).into_iter().chain(contexts(2)) {
        for (i, l) in layers.iter().enumerate() {
            assert!(l.valid(), "{l:?}");
            check_int8::<u8, i8>(&ctx, l, 600 + i as u64);
            check_int8::<i8, i8>(&ctx, l, 700 + i as u64);
        }
    }
}

/// A layer large enough that threads split it: 1, 2 and 3 threads give the
/// same bits (f32 and every INT8 output).
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let mut grouped = Layer::d2(2, 13, 11, 24, 40, 3, 3, 1, 1);
    grouped.groups = 2;
    let mut depthwise = Layer::d2(2, 21, 19, 40, 40, 3, 3, 1, 1);
    depthwise.groups = 40;
    let one_by_one = Layer::d2(2, 9, 11, 64, 72, 1, 1, 1, 0);
    // The general path (the indirect kernel where the level has it): 2-D,
    // and 3-D with padding on every border.
    let general = Layer::d2(2, 23, 17, 32, 72, 3, 3, 1, 1);
    let mut three_d = Layer::d2(1, 9, 13, 32, 40, 3, 3, 1, 1);
    (
        three_d.dhw[0],
        three_d.trs[0],
        three_d.pad_lo[0],
        three_d.pad_hi[0],
    ) = (6, 3, 1, 1);
    three_d.three_d = true;
    let mut stride2 = Layer::d2(2, 23, 21, 40, 40, 3, 3, 2, 1);
    stride2.groups = 40;
    for l in [grouped, depthwise, stride2, one_by_one, general, three_d] {
        thread_invariance(&l);
    }
}

fn thread_invariance(l: &Layer) {
    let (in_len, w_len, out_len) = l.lens();
    let mut g = SplitMix(5);
    let x: Vec<f32> = (0..in_len).map(|_| g.f32()).collect();
    let w: Vec<f32> = (0..w_len).map(|_| g.f32()).collect();
    let xq: Vec<u8> = (0..in_len).map(|_| g.next() as u8).collect();
    let wq: Vec<i8> = (0..w_len).map(|_| g.next() as i8).collect();
    for isa in lowp::Isa::available() {
        let run = |threads| {
            let c = ctx(isa, threads);
            let mut f = vec![0f32; out_len];
            let conv = l.f32_plan(&c, ConvWeights::ohwi(&w)).unwrap();
            conv.run(&c, &x, None, Activation::Identity, &mut f).unwrap();
            // A weight zero point, and none (the indirect kernel's case).
            let mut int8 = Vec::new();
            for zb in [3, 0] {
                let conv = l
                    .i8_plan(&c, ConvWeights::ohwi(&wq), WeightZeroPoint::PerTensor(zb))
                    .unwrap();
                let general = !matches!(
                    conv.algorithm(),
                    ConvAlgorithm::Depthwise | ConvAlgorithm::Grouped | ConvAlgorithm::Gemm1x1
                );
                if zb == 0 && general && c.kernels().igemm.iconv.is_some() {
                    assert_eq!(conv.algorithm(), ConvAlgorithm::IndirectKernel, "{isa}");
                }
                let mut s = vec![0i32; out_len];
                let out = ConvOutput::S32 {
                    output: &mut s,
                    accumulate: false,
                };
                conv.run(&c, &xq, 17, out).unwrap();
                let mut q = vec![0u8; out_len];
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
                int8.push((s, q));
            }
            (f.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), int8)
        };
        let one = run(1);
        assert_eq!(run(2), one, "{isa}: 2 threads");
        assert_eq!(run(3), one, "{isa}: 3 threads");
    }
}

fn s32(output: &mut [i32]) -> ConvOutput<'_> {
    ConvOutput::S32 {
        output,
        accumulate: false,
    }
}

fn param_err<T: std::fmt::Debug>(r: lowp::Result<T>, arg: &str) {
    match r {
        Err(Error::InvalidParameter { arg: a, .. }) | Err(Error::Overflow { arg: a, .. }) => {
            assert_eq!(a, arg)
        }
        Err(Error::LayoutMismatch { arg: a, .. }) => assert_eq!(a, arg),
        other => panic!("expected an error naming {arg}, got {other:?}"),
    }
}

#[test]
fn bad_arguments_are_errors_naming_them() {
    let ctx = Context::builder().threads(1).build().unwrap();
    let l = Layer::d2(1, 4, 4, 3, 2, 3, 3, 1, 1);
    let (in_len, w_len, out_len) = l.lens();
    let w = vec![1f32; w_len];
    param_err(l.f32_plan(&ctx, ConvWeights::ohwi(&w[1..])), "weights");
    let conv = l.f32_plan(&ctx, ConvWeights::ohwi(&w)).unwrap();
    let x = vec![0f32; in_len];
    let mut out = vec![0f32; out_len];
    param_err(
        conv.run(&ctx, &x[1..], None, Activation::Identity, &mut out),
        "input",
    );
    param_err(
        conv.run(&ctx, &x, None, Activation::Identity, &mut out[1..]),
        "output",
    );
    param_err(
        conv.run(&ctx, &x, Some(&[1.0]), Activation::Identity, &mut out),
        "bias",
    );
    let bad = Activation::Clamp { min: 1.0, max: 0.0 };
    param_err(conv.run(&ctx, &x, None, bad, &mut out), "activation");

    let wq = vec![1i8; w_len];
    let zb = WeightZeroPoint::PerTensor(0);
    param_err(l.i8_plan(&ctx, ConvWeights::ohwi(&wq[2..]), zb), "weights");
    param_err(
        l.i8_plan(&ctx, ConvWeights::ohwi(&wq), WeightZeroPoint::PerColumn(&[0])),
        "weight_zero_point",
    );
    param_err(
        l.i8_plan(&ctx, ConvWeights::ohwi(&wq), WeightZeroPoint::PerTensor(200)),
        "zero_point",
    );
    let conv = l.i8_plan(&ctx, ConvWeights::ohwi(&wq), zb).unwrap();
    let xq = vec![0u8; in_len];
    let mut s = vec![0i32; out_len];
    param_err(conv.run(&ctx, &xq, 256, s32(&mut s)), "a_zero_point");
    param_err(conv.run(&ctx, &[0i8; 1], 0, s32(&mut s)), "input");
    param_err(conv.run(&ctx, &xq, 0, s32(&mut s[1..])), "output");
    let mut q = vec![0u8; out_len];
    let rq = Requantize::new(Scale::PerColumn(&[1.0]), 0);
    param_err(
        conv.run(
            &ctx,
            &xq,
            0,
            ConvOutput::U8 {
                output: &mut q,
                requantize: rq,
            },
        ),
        "requantize",
    );

    // C·R·S beyond MAX_K: refused before any packing.
    let big = Conv2dParams::new(1, 3, 3, lowp::igemm::MAX_K / 9 + 1, 1, 3, 3);
    let wb = vec![0i8; big.weights_len().unwrap()];
    param_err(
        ConvI8::new(&ctx, &big, ConvWeights::ohwi(&wb), zb, PackOptions::default()),
        "params",
    );
    // Invalid parameters name their field.
    let p = Conv2dParams {
        stride: (0, 1),
        ..Conv2dParams::new(1, 3, 3, 1, 1, 1, 1)
    };
    param_err(ConvF32::new(&ctx, &p, ConvWeights::ohwi(&[1.0])), "stride_h");

    // A plan used with a Context of another ISA level.
    let isas = lowp::Isa::available();
    if isas.len() > 1 {
        let (lo, hi) = (common::ctx(isas[0], 1), common::ctx(*isas.last().unwrap(), 1));
        let conv = l.f32_plan(&hi, ConvWeights::ohwi(&w)).unwrap();
        assert!(conv.run(&lo, &x, None, Activation::Identity, &mut out).is_err());
        let conv = l.i8_plan(&hi, ConvWeights::ohwi(&wq), zb).unwrap();
        assert!(conv.run(&lo, &xq, 0, s32(&mut s)).is_err());
    }
}

/// Random small layers: strides 1–3, dilations 1–3, asymmetric padding up to
/// past the kernel, groups, batch, 1×1, non-square kernels, inputs smaller
/// than the kernel, 3-D.
fn small_layer() -> impl Strategy<Value = Layer> {
    (
        (
            1usize..3,
            [1usize..4, 1..7, 1..7],
            1usize..4,
            1usize..4,
            1usize..4,
        ),
        (
            [1usize..4, 1..4, 1..4],
            [1usize..4, 1..4, 1..4],
            [1usize..4, 1..4, 1..4],
        ),
        ([0usize..4, 0..4, 0..4], [0usize..4, 0..4, 0..4]),
        any::<bool>(),
    )
        .prop_map(
            |((n, dhw, cg, kg, groups), (trs, stride, dilation), (pad_lo, pad_hi), three_d)| {
                let mut l = Layer {
                    n,
                    dhw,
                    c: cg * groups,
                    k: kg * groups,
                    trs,
                    stride,
                    pad_lo,
                    pad_hi,
                    dilation,
                    groups,
                    three_d,
                };
                if !three_d {
                    (
                        l.dhw[0],
                        l.trs[0],
                        l.stride[0],
                        l.dilation[0],
                        l.pad_lo[0],
                        l.pad_hi[0],
                    ) = (1, 1, 1, 1, 0, 0);
                }
                l
            },
        )
        .prop_filter("the dilated kernel fits the padded input", Layer::valid)
}

/// Random depthwise layers: channels 1–40, multiplier 1–3, kernels up to
/// 6×6, stride and dilation 1–3, asymmetric padding up to 5, batch 1–2.
fn depthwise_layer() -> impl Strategy<Value = Layer> {
    (
        (1usize..3, 1usize..14, 1usize..14, 1usize..41, 1usize..4),
        ([1usize..7, 1..7], [1usize..4, 1..4], [1usize..4, 1..4]),
        ([0usize..6, 0..6], [0usize..6, 0..6]),
    )
        .prop_map(|((n, h, w, c, m), (rs, stride, dil), (lo, hi))| Layer {
            n,
            dhw: [1, h, w],
            c,
            k: c * m,
            trs: [1, rs[0], rs[1]],
            stride: [1, stride[0], stride[1]],
            pad_lo: [0, lo[0], lo[1]],
            pad_hi: [0, hi[0], hi[1]],
            dilation: [1, dil[0], dil[1]],
            groups: c,
            three_d: false,
        })
        .prop_filter("the dilated kernel fits the padded input", Layer::valid)
}

/// Random 3×3 depthwise layers of the stacked-row INT8 path (dilation 1,
/// stride 1–2, multiplier 1): odd heights (a last single row), channel
/// counts past whole 16-channel blocks, padding wider than the kernel.
fn stacked_depthwise_layer() -> impl Strategy<Value = Layer> {
    (
        (1usize..3, 1usize..12, 1usize..20, 1usize..70),
        [1usize..3, 1..3],
        ([0usize..4, 0..4], [0usize..4, 0..4]),
    )
        .prop_map(|((n, h, w, c), stride, (lo, hi))| Layer {
            n,
            dhw: [1, h, w],
            c,
            k: c,
            trs: [1, 3, 3],
            stride: [1, stride[0], stride[1]],
            pad_lo: [0, lo[0], lo[1]],
            pad_hi: [0, hi[0], hi[1]],
            dilation: [1, 1, 1],
            groups: c,
            three_d: false,
        })
        .prop_filter("the kernel fits the padded input", Layer::valid)
}

/// Random 3×3 stride-2 depthwise layers (the INT8 patch path, multiplier
/// 1, dilation 1): odd widths and heights, channel counts past whole
/// 16-channel blocks and past 64-channel patches, asymmetric padding 0–3,
/// batch 1–2.
fn stride2_depthwise_layer() -> impl Strategy<Value = Layer> {
    (
        (1usize..3, 1usize..14, 1usize..26, 1usize..140),
        ([0usize..4, 0..4], [0usize..4, 0..4]),
    )
        .prop_map(|((n, h, w, c), (lo, hi))| Layer {
            n,
            dhw: [1, h, w],
            c,
            k: c,
            trs: [1, 3, 3],
            stride: [1, 2, 2],
            pad_lo: [0, lo[0], lo[1]],
            pad_hi: [0, hi[0], hi[1]],
            dilation: [1, 1, 1],
            groups: c,
            three_d: false,
        })
        .prop_filter("the kernel fits the padded input", Layer::valid)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_stride2_depthwise_layers_match_the_oracle(l in stride2_depthwise_layer(), seed in any::<u64>()) {
        for ctx in contexts(1) {
            check_int8::<u8, i8>(&ctx, &l, seed);
            check_int8::<i8, i8>(&ctx, &l, seed ^ 1);
        }
    }

    #[test]
    fn random_stacked_depthwise_layers_match_the_oracle(l in stacked_depthwise_layer(), seed in any::<u64>()) {
        for ctx in contexts(1) {
            check_int8::<u8, i8>(&ctx, &l, seed);
            check_int8::<i8, i8>(&ctx, &l, seed ^ 1);
        }
    }

    #[test]
    fn random_depthwise_layers_match_the_oracle(l in depthwise_layer(), seed in any::<u64>()) {
        for ctx in contexts(1) {
            check_f32(&ctx, &l, seed);
            check_int8::<u8, i8>(&ctx, &l, seed);
            check_int8::<i8, u8>(&ctx, &l, seed ^ 1);
        }
    }

    #[test]
    fn random_layers_match_the_oracle(l in small_layer(), seed in any::<u64>()) {
        for ctx in contexts(1) {
            check_f32(&ctx, &l, seed);
            check_int8::<u8, i8>(&ctx, &l, seed);
            check_int8::<i8, u8>(&ctx, &l, seed ^ 1);
        }
    }
}
