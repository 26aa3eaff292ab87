//! The FP32 indirect convolution kernel (`ConvAlgorithm::IndirectKernel`,
//! AVX-512 levels) against the oracle `lowp_reference::conv` on every ISA
//! level: layers whose groups fill its 64-column panels (52 or more output
//! channels a group), on the 7×64 tile (rows under 14 pixels) and the 14×32
//! one, with padding taps that lead, trail or sit inside a tile, stride,
//! dilation, groups, batch, 3-D, 1×1, K split into several blocks (whole
//! taps, and channel slices of one tap), a partial last panel; every
//! activation with and without a bias; results bit-identical for every
//! thread count.
//!
//! f32 bound: `(depth + 2)·ε·(Σ|x||w| + |bias|)`, the GEMM's (a skipped
//! padding tap adds exactly 0, so skipping changes only the order in which
//! zeros would have been added).

use lowp::conv::{Conv2dParams, Conv3dParams, ConvAlgorithm, ConvF32, ConvWeights, Padding2d, Padding3d};
use lowp::igemm::Activation;
use lowp::{Context, Isa};
use lowp_reference::conv as oracle;
use proptest::prelude::*;

mod common;

use common::{assert_activated_close, contexts, ctx, SplitMix};

/// Whether `ctx`'s level has the kernel.
fn has_kernel(ctx: &Context) -> bool {
    matches!(ctx.isa(), Isa::Avx512 | Isa::Avx512Vnni)
}

/// `p`'s weights length and depth per group.
fn depth(p: &Conv3dParams) -> usize {
    p.c / p.groups * p.t * p.r * p.s
}

fn data(p: &Conv3dParams, seed: u64) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut g = SplitMix(seed);
    let x = (0..p.input_len().unwrap()).map(|_| g.f32()).collect();
    let w = (0..p.weights_len().unwrap()).map(|_| g.f32()).collect();
    let b = (0..p.k).map(|_| g.f32()).collect();
    (x, w, b)
}

/// Checks `p` on every level with `threads` threads against the oracle,
/// every activation with and without a bias.
fn check(p: &Conv3dParams, threads: usize, seed: u64) {
    let (x, w, bias) = data(p, seed);
    let out_len = p.output_len().unwrap();
    let tol = (depth(p) + 2) as f32 * f32::EPSILON;
    let acts = [
        Activation::Identity,
        Activation::Relu,
        Activation::Clamp { min: -0.5, max: 0.75 },
    ];
    for ctx in contexts(threads) {
        let conv = ConvF32::new_3d(&ctx, p, ConvWeights::ohwi(&w)).unwrap();
        assert_eq!(
            conv.algorithm() == ConvAlgorithm::IndirectKernel,
            has_kernel(&ctx),
            "{} {p:?}: {}",
            ctx.isa(),
            conv.algorithm()
        );
        for b in [None, Some(&bias[..])] {
            let (mut want, mut mag) = (vec![0f32; out_len], vec![0f32; out_len]);
            oracle::conv3d_f32(p, &x, &w, b, &mut want).unwrap();
            oracle::conv3d_f32_magnitude(p, &x, &w, b, &mut mag).unwrap();
            for act in acts {
                let mut got = vec![f32::NAN; out_len];
                conv.run(&ctx, &x, b, act, &mut got).unwrap();
                let what = || format!("{} {p:?} bias {}", ctx.isa(), b.is_some());
                assert_activated_close(&got, &want, &mag, act, tol, &what);
            }
        }
    }
}

/// A 2-D layer as a 3-D one of depth 1.
fn d2(n: usize, h: usize, w: usize, c: usize, k: usize, r: usize, s: usize) -> Conv3dParams {
    Conv3dParams::new(n, 1, h, w, c, k, 1, r, s)
}

fn pad2(top: usize, left: usize, bottom: usize, right: usize) -> Padding3d {
    Padding3d {
        top,
        left,
        bottom,
        right,
        ..Padding3d::default()
    }
}

#[test]
fn hand_picked_layers_match_the_oracle_on_every_isa() {
    let layers = [
        // Rows of 9 output pixels: tiles of 7 and 2, padding leading and trailing.
        d2(1, 9, 9, 16, 64, 3, 3).with_padding(pad2(1, 1, 1, 1)),
        // Rows of 5 (< 7): tiles cross rows, padding pixels inside a tile.
        d2(2, 6, 5, 8, 64, 3, 3).with_padding(pad2(1, 1, 1, 1)),
        // Padding larger than the kernel, asymmetric; stride and dilation.
        d2(1, 4, 11, 5, 60, 3, 2)
            .with_padding(pad2(4, 0, 2, 5))
            .with_stride(1, 2, 1)
            .with_dilation(1, 2, 3),
        // Two groups of 64; 120 columns: a full and a partial (56) panel.
        d2(1, 8, 7, 32, 128, 3, 3)
            .with_padding(pad2(1, 1, 1, 1))
            .with_groups(2),
        d2(1, 5, 8, 7, 120, 3, 3).with_padding(pad2(1, 1, 1, 1)),
        // Depth 3·3·300: K blocks of whole taps; 1100 channels: one tap's
        // channels in two blocks.
        d2(1, 3, 7, 300, 64, 3, 3).with_padding(pad2(1, 1, 1, 1)),
        d2(1, 2, 8, 1100, 64, 1, 2).with_padding(pad2(0, 1, 0, 0)),
        // 1×1: the GEMM layer and the strided one.
        d2(2, 7, 9, 24, 64, 1, 1),
        d2(1, 9, 9, 24, 64, 1, 1).with_stride(1, 2, 2),
        // 3-D with depth padding.
        Conv3dParams::new(2, 4, 5, 8, 6, 64, 3, 3, 3)
            .with_padding(Padding3d::uniform(1))
            .with_stride(2, 1, 1),
        // Input smaller than the kernel, padding around it.
        d2(1, 1, 2, 3, 64, 3, 5).with_padding(pad2(1, 2, 1, 2)),
    ];
    for (i, p) in layers.iter().enumerate() {
        check(p, 1, i as u64);
    }
}

/// Output rows of 14 pixels or more: the 14×32 tile, cut at output rows
/// (full tiles, and a short last one where the width is not a multiple of
/// 14), 32-column panels with a partial last one (K 120 and 60), stride,
/// dilation, batch, 1×1, on 1 and 2 threads.
#[test]
fn wide_rows_take_the_tall_tile_and_match_the_oracle() {
    let layers = [
        // Rows of 56: four full tiles, padding leading the first, trailing the last.
        d2(1, 4, 56, 16, 64, 3, 3).with_padding(pad2(1, 1, 1, 1)),
        // Rows of 30: tiles of 14, 14 and 2; 120 columns: 4 panels, the last of 24.
        d2(2, 5, 30, 24, 120, 3, 3).with_padding(pad2(1, 1, 1, 1)),
        // Stride 2, rows of 16: tiles of 14 and 2.
        d2(1, 31, 31, 16, 64, 3, 3)
            .with_padding(pad2(1, 1, 1, 1))
            .with_stride(1, 2, 2),
        // Dilation 2, rows of 20, 60 columns (the last panel 28).
        d2(1, 9, 20, 8, 60, 3, 3)
            .with_padding(pad2(2, 2, 2, 2))
            .with_dilation(1, 2, 2),
        // Asymmetric padding wider than the kernel, rows of 17.
        d2(1, 3, 14, 5, 56, 3, 3).with_padding(pad2(0, 3, 2, 2)),
        // 1×1 rows of 28, batch 2.
        d2(2, 3, 28, 24, 64, 1, 1),
    ];
    for (i, p) in layers.iter().enumerate() {
        for threads in [1, 2] {
            check(p, threads, 100 + i as u64);
        }
    }
}

#[test]
fn two_d_plans_take_the_kernel_and_match_the_oracle() {
    let p = Conv2dParams::new(1, 14, 14, 32, 64, 3, 3).with_padding(Padding2d::uniform(1));
    let (x, w, b) = data(&d2(1, 14, 14, 32, 64, 3, 3).with_padding(pad2(1, 1, 1, 1)), 7);
    let mut want = vec![0f32; p.output_len().unwrap()];
    let mut mag = want.clone();
    oracle::conv2d_f32(&p, &x, &w, Some(&b), &mut want).unwrap();
    oracle::conv2d_f32_magnitude(&p, &x, &w, Some(&b), &mut mag).unwrap();
    let tol = (9 * 32 + 2) as f32 * f32::EPSILON;
    for ctx in contexts(2) {
        let conv = ConvF32::new(&ctx, &p, ConvWeights::ohwi(&w)).unwrap();
        assert_eq!(
            conv.algorithm() == ConvAlgorithm::IndirectKernel,
            has_kernel(&ctx)
        );
        let mut got = vec![f32::NAN; want.len()];
        conv.run(&ctx, &x, Some(&b), Activation::Identity, &mut got)
            .unwrap();
        for (i, ((&y, &v), &m)) in got.iter().zip(&want).zip(&mag).enumerate() {
            assert!(
                (y - v).abs() <= tol * m,
                "{} at {i}: got {y}, want {v}",
                ctx.isa()
            );
        }
    }
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let layers = [
        d2(2, 11, 14, 64, 128, 3, 3).with_padding(pad2(1, 1, 1, 1)),
        d2(1, 7, 7, 512, 192, 3, 3).with_padding(pad2(1, 1, 1, 1)),
        d2(1, 14, 21, 16, 64, 1, 1),
    ];
    for (i, p) in layers.iter().enumerate() {
        let (x, w, b) = data(p, 40 + i as u64);
        for isa in Isa::available() {
            let run = |threads: usize| {
                let c = ctx(isa, threads);
                let conv = ConvF32::new_3d(&c, p, ConvWeights::ohwi(&w)).unwrap();
                let mut out = vec![0f32; p.output_len().unwrap()];
                conv.run(&c, &x, Some(&b), Activation::Relu, &mut out).unwrap();
                out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            };
            let one = run(1);
            for threads in [2, 3, 5] {
                assert!(
                    one == run(threads),
                    "{isa} {p:?}: {threads} threads differ from 1"
                );
            }
        }
    }
}

/// An output larger than the L2 caches, written once (one K block): the
/// plan streams its line-aligned rows past the cache. Output slices at a
/// 64-byte boundary and one float past it, 1 and 3 threads, every level:
/// within the bound of the oracle, and bit-identical for every thread count
/// and placement. Rows of 64 pixels: tiles of 14 and a last one of 8.
#[test]
fn large_outputs_stream_and_match_the_oracle() {
    let p = d2(1, 64, 64, 16, 256, 1, 1);
    let (x, w, b) = data(&p, 77);
    let len = p.output_len().unwrap();
    let (mut want, mut mag) = (vec![0f32; len], vec![0f32; len]);
    oracle::conv3d_f32(&p, &x, &w, Some(&b), &mut want).unwrap();
    oracle::conv3d_f32_magnitude(&p, &x, &w, Some(&b), &mut mag).unwrap();
    let tol = (depth(&p) + 2) as f32 * f32::EPSILON;
    let act = Activation::Clamp { min: -0.5, max: 0.75 };
    for isa in Isa::available() {
        let mut seen: Option<Vec<u32>> = None;
        for (threads, shift) in [(1, 0), (3, 0), (1, 1), (3, 1)] {
            let c = ctx(isa, threads);
            let conv = ConvF32::new_3d(&c, &p, ConvWeights::ohwi(&w)).unwrap();
            let mut buf = vec![f32::NAN; len + 32];
            let at = buf.as_ptr().align_offset(64) + shift;
            let got = &mut buf[at..at + len];
            conv.run(&c, &x, Some(&b), act, got).unwrap();
            let what = || format!("{isa} {threads} threads, output {shift} floats past a line");
            assert_activated_close(got, &want, &mag, act, tol, &what);
            let got: Vec<u32> = got.iter().map(|v| v.to_bits()).collect();
            match &seen {
                Some(s) => assert!(*s == got, "{}: differs from the first run", what()),
                None => seen = Some(got),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_wide_layers_match_the_oracle(
        (n, h, w, cg, kg, groups) in (1usize..3, 1usize..9, 1usize..12, 1usize..20, 52usize..=64, 1usize..3),
        (r, s, stride, dil) in (1usize..4, 1usize..4, [1usize..3, 1..3], [1usize..3, 1..3]),
        pad in [0usize..4, 0..4, 0..4, 0..4],
        seed in any::<u64>(),
    ) {
        let p = d2(n, h, w, cg * groups, kg * groups, r, s)
            .with_padding(pad2(pad[0], pad[1], pad[2], pad[3]))
            .with_stride(1, stride[0], stride[1])
            .with_dilation(1, dil[0], dil[1])
            .with_groups(groups);
        // One channel a group in and several groups is depthwise.
        prop_assume!(groups == 1 || cg > 1);
        prop_assume!(p.output_len().is_ok_and(|l| l > 0));
        check(&p, 2, seed);
    }
}
