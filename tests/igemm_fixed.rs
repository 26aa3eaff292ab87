//! The INT8 GEMM's fixed-point (gemmlowp / TFLite) requantizing output
//! (`Output::U8Fixed` / `S8Fixed`) against the oracle
//! (`lowp_reference::quant::igemm_requantize_fixed`), bit for bit, on every
//! available ISA level: fused epilogue tiles and edge tiles, per-tensor and
//! per-column multipliers at the ends of their range, every shift, ties,
//! bias, ReLU, clamp, strided C, one and two threads; refusals by name.

use lowp::igemm::{igemm, Int8, Output, PackedI8Weights, WeightZeroPoint};
use lowp::quant::{quantize_multiplier, FixedPointRequantize, FixedScale};
use lowp::{Context, MatMut, MatRef};
use lowp_reference::quant::igemm_requantize_fixed;
use proptest::prelude::*;

mod common;

use common::{contexts, pack, FromByte, Rng};

impl Rng {
    fn byte(&mut self) -> u8 {
        (self.next() >> 32) as u8
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
}

/// How the multipliers of a case are drawn.
#[derive(Clone, Copy, Debug)]
enum Mults {
    /// `quantize_multiplier` of realistic real multipliers (2^-20 .. 4).
    Realistic,
    /// Exact halves (`2^30`) with shifts around 0: every other value a tie.
    Ties,
    /// The ends: `i32::MAX`, `i32::MIN` (the portable path's saturation),
    /// negative, 0, shifts −31 and 30.
    Extreme,
}

/// One case: shapes, the pipeline's knobs and the seed.
#[derive(Clone, Debug)]
struct Case {
    m: usize,
    n: usize,
    k: usize,
    per_column: bool,
    mults: Mults,
    bias: bool,
    relu: bool,
    clamp: bool,
    col_major: bool,
    threads: usize,
    seed: u64,
}

fn draw(rng: &mut Rng, mults: Mults, j: usize) -> (i32, i32) {
    match mults {
        Mults::Realistic => {
            let real = (rng.range(1, 1 << 20) as f64) / (1u64 << rng.range(18, 40)) as f64;
            quantize_multiplier(real).unwrap()
        }
        Mults::Ties => (1 << 30, rng.range(-3, 1) as i32),
        Mults::Extreme => match j % 7 {
            0 => (i32::MAX, -31),
            1 => (i32::MAX, 30),
            2 => (-(1 << 30), rng.range(-10, 2) as i32),
            3 => (0, 0),
            4 => (i32::MIN, rng.range(-2, 1) as i32),
            5 => (1 << 30, 0),
            _ => (
                rng.range(1 << 30, i32::MAX as i64) as i32,
                rng.range(-31, 30) as i32,
            ),
        },
    }
}

fn run_case<A: FromByte, Q: Int8 + Default + PartialEq + std::fmt::Debug + Into<i32>>(
    ctx: &Context,
    c: &Case,
    wrap: for<'x> fn(MatMut<'x, Q>, FixedPointRequantize<'x>) -> Output<'x>,
    range: (i32, i32),
) {
    let (m, n, k) = (c.m, c.n, c.k);
    let mut rng = Rng(c.seed | 1);
    let a: Vec<A> = (0..m * k).map(|_| A::from_byte(rng.byte())).collect();
    let b: Vec<i8> = (0..k * n).map(|_| rng.byte() as i8).collect();
    let za = if A::SIGNED { -3 } else { 130 };
    let zb = WeightZeroPoint::PerTensor(2);
    let (ms, ss): (Vec<i32>, Vec<i32>) = (0..n.max(1)).map(|j| draw(&mut rng, c.mults, j)).unzip();
    let bias: Vec<i32> = (0..n).map(|_| rng.range(-5000, 5000) as i32).collect();
    let zp = range.0 + 40;
    let p = FixedPointRequantize {
        scale: if c.per_column {
            FixedScale::PerColumn(&ms[..n], &ss[..n])
        } else {
            FixedScale::PerTensor(ms[0], ss[0])
        },
        bias: c.bias.then_some(&bias[..]),
        zero_point: zp,
        relu: c.relu,
        clamp: c.clamp.then_some((range.0 + 20, range.1 - 30)),
    };
    let av = MatRef::row_major(&a, m, k).unwrap();
    let bv = MatRef::row_major(&b, k, n).unwrap();
    let want = igemm_requantize_fixed(av, za, bv, &zb, &p, range);
    let packed: PackedI8Weights = pack(ctx, bv, zb).unwrap();
    let mut out = vec![Q::default(); m * n];
    let view = if c.col_major {
        MatMut::new(&mut out, m, n, 1, m.max(1)).unwrap()
    } else {
        MatMut::row_major(&mut out, m, n).unwrap()
    };
    igemm(ctx, av, za, &packed, wrap(view, p)).unwrap();
    for i in 0..m {
        for j in 0..n {
            let got = out[if c.col_major { j * m + i } else { i * n + j }];
            assert_eq!(
                got.into(),
                want[i * n + j],
                "{}: ({i}, {j}) of {m}x{n}x{k}, {c:?}, mult {} shift {}",
                ctx.isa(),
                if c.per_column { ms[j] } else { ms[0] },
                if c.per_column { ss[j] } else { ss[0] },
            );
        }
    }
}

fn u8_out<'a>(c: MatMut<'a, u8>, requantize: FixedPointRequantize<'a>) -> Output<'a> {
    Output::U8Fixed { c, requantize }
}

fn s8_out<'a>(c: MatMut<'a, i8>, requantize: FixedPointRequantize<'a>) -> Output<'a> {
    Output::S8Fixed { c, requantize }
}

/// Every level, both output types, u8 and s8 activations.
fn check(c: &Case) {
    for ctx in contexts(c.threads) {
        run_case::<u8, u8>(&ctx, c, u8_out, (0, 255));
        run_case::<i8, i8>(&ctx, c, s8_out, (-128, 127));
        run_case::<i8, u8>(&ctx, c, u8_out, (0, 255));
    }
}

#[test]
fn fused_and_edge_tiles_for_every_multiplier_kind() {
    let mut seed = 1;
    // Shapes: whole 14-row / 32-column tiles (the fused epilogue), one row
    // (the ymm kernel), edges in both directions, K = 1 and long K.
    for (m, n, k) in [(28, 64, 40), (1, 96, 33), (17, 45, 1), (41, 33, 300), (3, 5, 7)] {
        for mults in [Mults::Realistic, Mults::Ties, Mults::Extreme] {
            for flags in 0..8u32 {
                seed += 1;
                check(&Case {
                    m,
                    n,
                    k,
                    per_column: flags & 1 != 0,
                    mults,
                    bias: flags & 2 != 0,
                    relu: flags & 4 != 0,
                    clamp: flags == 5,
                    col_major: false,
                    threads: 1,
                    seed,
                });
            }
        }
    }
}

#[test]
fn strided_output_and_two_threads() {
    for (col_major, threads) in [(true, 1), (false, 2), (true, 2)] {
        check(&Case {
            m: 70,
            n: 100,
            k: 64,
            per_column: true,
            mults: Mults::Realistic,
            bias: true,
            relu: false,
            clamp: false,
            col_major,
            threads,
            seed: 77,
        });
    }
}

#[test]
fn the_fixed_and_f32_outputs_agree_at_scale_one() {
    // With scale 1 neither scheme rounds: the two outputs are the same.
    use lowp::igemm::{Requantize, Scale};
    for ctx in contexts(1) {
        let (m, n, k) = (20, 64, 16);
        let a: Vec<u8> = (0..m * k).map(|x| (x * 7 % 256) as u8).collect();
        let b: Vec<i8> = (0..k * n).map(|x| (x * 5 % 256) as u8 as i8).collect();
        let packed = pack(
            &ctx,
            MatRef::row_major(&b, k, n).unwrap(),
            WeightZeroPoint::PerTensor(0),
        )
        .unwrap();
        let av = MatRef::row_major(&a, m, k).unwrap();
        let (mut x, mut y) = (vec![0u8; m * n], vec![0u8; m * n]);
        let (q, s) = quantize_multiplier(1.0).unwrap();
        igemm(
            &ctx,
            av,
            128,
            &packed,
            Output::U8Fixed {
                c: MatMut::row_major(&mut x, m, n).unwrap(),
                requantize: FixedPointRequantize::new(q, s, 100),
            },
        )
        .unwrap();
        igemm(
            &ctx,
            av,
            128,
            &packed,
            Output::U8 {
                c: MatMut::row_major(&mut y, m, n).unwrap(),
                requantize: Requantize::new(Scale::PerTensor(1.0), 100),
            },
        )
        .unwrap();
        assert_eq!(x, y, "{}", ctx.isa());
    }
}

#[test]
fn bad_pipelines_are_refused_by_name() {
    let ctx = &contexts(1)[0];
    let (m, n, k) = (2, 3, 4);
    let a = vec![1u8; m * k];
    let b = vec![1i8; k * n];
    let packed = pack(
        ctx,
        MatRef::row_major(&b, k, n).unwrap(),
        WeightZeroPoint::PerTensor(0),
    )
    .unwrap();
    let av = MatRef::row_major(&a, m, k).unwrap();
    let (two, three) = ([1 << 30; 2], [0; 3]);
    let bias2 = [0; 2];
    let cases: [(FixedPointRequantize<'_>, &str); 5] = [
        (FixedPointRequantize::new(1 << 30, 31, 0), "shift"),
        (FixedPointRequantize::new(1 << 30, -32, 0), "shift"),
        (FixedPointRequantize::new(1 << 30, 0, 256), "zero_point"),
        (
            FixedPointRequantize {
                scale: FixedScale::PerColumn(&two, &three),
                ..FixedPointRequantize::new(0, 0, 0)
            },
            "scale",
        ),
        (
            FixedPointRequantize {
                bias: Some(&bias2),
                ..FixedPointRequantize::new(1 << 30, 0, 0)
            },
            "bias",
        ),
    ];
    for (p, name) in cases {
        let mut c = vec![0u8; m * n];
        let e = igemm(
            ctx,
            av,
            0,
            &packed,
            Output::U8Fixed {
                c: MatMut::row_major(&mut c, m, n).unwrap(),
                requantize: p,
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains(name), "{name}: {e}");
    }
    let mut c = vec![0u8; m * n];
    let empty = FixedPointRequantize {
        clamp: Some((10, 5)),
        ..FixedPointRequantize::new(1 << 30, 0, 0)
    };
    let e = igemm(
        ctx,
        av,
        0,
        &packed,
        Output::U8Fixed {
            c: MatMut::row_major(&mut c, m, n).unwrap(),
            requantize: empty,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("clamp"), "{e}");
}

fn mults() -> impl Strategy<Value = Mults> {
    prop_oneof![Just(Mults::Realistic), Just(Mults::Ties), Just(Mults::Extreme)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_shape_and_pipeline_matches_the_oracle(
        m in 1usize..45, n in 1usize..80, k in 1usize..70, mults in mults(),
        flags in 0u32..32, seed in any::<u64>(),
    ) {
        check(&Case {
            m, n, k, mults,
            per_column: flags & 1 != 0,
            bias: flags & 2 != 0,
            relu: flags & 4 != 0,
            clamp: flags & 8 != 0,
            col_major: flags & 16 != 0,
            threads: 1,
            seed,
        });
    }
}

/// An `x` within one of a rounding boundary of
/// `MultiplyByQuantizedMultiplier(x, m, −e)`: with `v = x·m / 2^(31+e)`
/// the result steps up to `k` where `v + 1/2 + 2^-(e+1)` reaches `k`
/// (results ≥ 0, `up`) or `v + 1/2 − 2^-(e+1)` does (below zero), that is
/// at `x·m = (2^(e+1)·k − 2^e ∓ 1)·2^30`.
fn boundary(k: i64, m: i32, e: u32, up: bool) -> i64 {
    let num = ((k << (e + 1)) - (1i64 << e) + if up { -1 } else { 1 }) as i128 * (1i128 << 30);
    (num / m as i128) as i64
}

#[test]
fn every_level_is_exact_around_the_rounding_boundaries() {
    // One row per offset from a boundary: A's rows step by 1, B's single
    // row is `step` in every column, and the bias puts column `j` on a
    // boundary of its own multiplier at row 14. Right shifts ≥ 8 take the
    // AVX-512 epilogue's f32 screen (and its 64-bit fallback near the
    // boundaries); smaller ones the 64-bit path.
    let (m, n) = (28, 64);
    let mut rng = Rng(91);
    let a: Vec<u8> = (0..m).map(|i| (130 + i - 14) as u8).collect();
    for ctx in contexts(1) {
        for e in [1u32, 7, 8, 9, 12, 15, 16, 20, 22, 23, 24, 27, 31] {
            for step in [1i8, 7, 127] {
                let b = vec![step; n];
                let packed = pack(
                    &ctx,
                    MatRef::row_major(&b, 1, n).unwrap(),
                    WeightZeroPoint::PerTensor(0),
                )
                .unwrap();
                let mults: Vec<i32> = (0..n)
                    .map(|j| match j % 4 {
                        0 => 1 << 30,
                        1 => i32::MAX,
                        2 => -(rng.range(1 << 30, i32::MAX as i64) as i32),
                        _ => rng.range(1 << 30, i32::MAX as i64) as i32,
                    })
                    .collect();
                let shifts = vec![-(e as i32); n];
                let bias: Vec<i32> = (0..n)
                    .map(|j| {
                        // Halve `k` until its boundary fits i32 (with room for
                        // the rows' offsets); none may at the largest shifts.
                        let lim = (1i64 << 31) - (1 << 12);
                        let mut k = rng.range(-100, 150);
                        loop {
                            let x = boundary(k, mults[j], e, k > 0);
                            if x.abs() < lim || k == 0 {
                                break x.clamp(-lim, lim) as i32;
                            }
                            k /= 2;
                        }
                    })
                    .collect();
                let p = FixedPointRequantize {
                    scale: FixedScale::PerColumn(&mults, &shifts),
                    bias: Some(&bias),
                    ..FixedPointRequantize::new(0, 0, 100)
                };
                let av = MatRef::row_major(&a, m, 1).unwrap();
                let want = igemm_requantize_fixed(
                    av,
                    130,
                    MatRef::row_major(&b, 1, n).unwrap(),
                    &WeightZeroPoint::PerTensor(0),
                    &p,
                    (0, 255),
                );
                let mut out = vec![0u8; m * n];
                igemm(
                    &ctx,
                    av,
                    130,
                    &packed,
                    Output::U8Fixed {
                        c: MatMut::row_major(&mut out, m, n).unwrap(),
                        requantize: p,
                    },
                )
                .unwrap();
                for (x, (&got, &want)) in out.iter().zip(&want).enumerate() {
                    let j = x % n;
                    assert_eq!(
                        got as i32,
                        want,
                        "{}: row {} column {j}, mult {} shift −{e}, step {step}, bias {}",
                        ctx.isa(),
                        x / n,
                        mults[j],
                        bias[j]
                    );
                }
            }
        }
    }
}

#[test]
fn every_level_is_exact_at_the_ends_of_the_screens_binade() {
    // The AVX-512 screen reads `floor` and the fraction off the encoding of
    // `w ≈ v + B + 1/2` in `[256, 512)`, `B = 256 + zp − lo`: its edges are
    // the results `lo − zp` and `lo − zp + 256`. Every result from two
    // below the lower edge to one above the upper one (a column each), for
    // zero points at both ends of the bounds and between them, narrow bounds
    // included; rows as in the rounding-boundary test (A steps by 1 around
    // a boundary per column); and ±260, beyond every case's clamp.
    let n = 262;
    let m = 28;
    let mut rng = Rng(29);
    let a: Vec<u8> = (0..m).map(|i| (130 + i - 14) as u8).collect();
    let av = MatRef::row_major(&a, m, 1).unwrap();
    for ctx in contexts(1) {
        for e in [8u32, 12, 13, 14, 15, 21] {
            for step in [1i8, 7] {
                let b = vec![step; n];
                let bm = MatRef::row_major(&b, 1, n).unwrap();
                let packed = pack(&ctx, bm, WeightZeroPoint::PerTensor(0)).unwrap();
                let mults: Vec<i32> = (0..n)
                    .map(|j| match j % 2 {
                        0 => rng.range(1 << 30, i32::MAX as i64) as i32,
                        _ => -(rng.range(1 << 30, i32::MAX as i64) as i32),
                    })
                    .collect();
                let shifts = vec![-(e as i32); n];
                for (zp, lo, hi, signed) in [
                    (0, 0, 255, false),
                    (255, 0, 255, false),
                    (128, 0, 255, false),
                    (37, 20, 90, false),
                    (-128, -128, 127, true),
                    (127, -128, 127, true),
                    (-3, -128, 127, true),
                    (5, -10, 10, true),
                ] {
                    let edge = lo - zp;
                    let bias: Vec<i32> = (0..n)
                        .map(|j| {
                            let k = match j {
                                260 => -260,
                                261 => 260,
                                _ => edge - 2 + j as i32,
                            } as i64;
                            boundary(k, mults[j], e, k > 0) as i32
                        })
                        .collect();
                    let p = FixedPointRequantize {
                        scale: FixedScale::PerColumn(&mults, &shifts),
                        bias: Some(&bias),
                        zero_point: zp,
                        relu: false,
                        clamp: Some((lo, hi)),
                    };
                    let range = if signed { (-128, 127) } else { (0, 255) };
                    let want = igemm_requantize_fixed(av, 130, bm, &WeightZeroPoint::PerTensor(0), &p, range);
                    let got = if signed {
                        fixed_out(&ctx, av, &packed, (m, n), p, s8_out)
                    } else {
                        fixed_out(&ctx, av, &packed, (m, n), p, u8_out)
                    };
                    for (x, (&got, &want)) in got.iter().zip(&want).enumerate() {
                        let j = x % n;
                        assert_eq!(
                            got,
                            want,
                            "{}: row {} column {j}, mult {} shift −{e}, step {step}, bias {}, zp {zp}, [{lo}, {hi}]",
                            ctx.isa(),
                            x / n,
                            mults[j],
                            bias[j]
                        );
                    }
                }
            }
        }
    }
}

/// `igemm` of `av` (zero point 130) and `packed` into a fresh `m × n` output
/// of `T` through `out` with `p`, read back as i32.
fn fixed_out<'a, T: Copy + Default + Into<i32>>(
    ctx: &Context,
    av: MatRef<'a, u8>,
    packed: &PackedI8Weights,
    (m, n): (usize, usize),
    p: FixedPointRequantize<'a>,
    out: for<'b> fn(MatMut<'b, T>, FixedPointRequantize<'b>) -> Output<'b>,
) -> Vec<i32> {
    let mut c = vec![T::default(); m * n];
    igemm(
        ctx,
        av,
        130,
        packed,
        out(MatMut::row_major(&mut c, m, n).unwrap(), p),
    )
    .unwrap();
    c.into_iter().map(Into::into).collect()
}
