//! The small-M INT8 GEMM (a u8 A of a few rows read in place by the rows
//! kernel, where the level has one; packed elsewhere) against the oracle,
//! bit for bit, on every available level: K with and without a partial
//! last k-group, rows wider than K (a strided A), edge tiles in both
//! directions, activation and weight zero points (per tensor and per
//! column, s8 and u8 weights), every output (s32, f32, u8, s8, fixed
//! point), and the same bits on one and two threads.

use lowp::igemm::{igemm, Activation, Dequantize, Output, Requantize, Scale};
use lowp::igemm::{PackedI8Weights, WeightZeroPoint};
use lowp::quant::FixedPointRequantize;
use lowp::{Context, MatMut, MatRef};
use lowp_reference::igemm::{dequantize_one, igemm_s32 as oracle, requantize_one};
use lowp_reference::quant::requantize_fixed_one;

mod common;

use common::{contexts, pack, Rng};

/// `(m, k, n)`: rows around the tile heights (14, 40), K around 4, N
/// around the 32-column panels.
const SHAPES: [(usize, usize, usize); 14] = [
    (2, 1, 1),
    (2, 3, 33),
    (3, 4, 32),
    (13, 5, 17),
    (14, 7, 64),
    (15, 64, 31),
    (16, 65, 96),
    (29, 130, 40),
    (40, 63, 33),
    (41, 256, 64),
    (64, 64, 64),
    (64, 66, 100),
    (8, 768, 70),
    (33, 9, 129),
];

/// Every output of `a·b` on `ctx`, as the bits of each element (f32 as
/// their bits), in the order s32, f32, u8, s8, u8 fixed point.
fn outputs(ctx: &Context, a: MatRef<'_, u8>, za: i32, b: &PackedI8Weights) -> Vec<Vec<i64>> {
    let (m, n) = (a.rows(), b.n());
    let (scales, fbias, ibias) = pipeline_params(n);
    let mut s32 = vec![0i32; m * n];
    let c = MatMut::row_major(&mut s32, m, n).unwrap();
    igemm(ctx, a, za, b, Output::S32 { c, accumulate: false }).unwrap();
    let mut f = vec![0f32; m * n];
    let c = MatMut::row_major(&mut f, m, n).unwrap();
    igemm(
        ctx,
        a,
        za,
        b,
        Output::F32 {
            c,
            dequantize: dequantize(&scales, &fbias),
        },
    )
    .unwrap();
    let mut u = vec![0u8; m * n];
    let c = MatMut::row_major(&mut u, m, n).unwrap();
    igemm(
        ctx,
        a,
        za,
        b,
        Output::U8 {
            c,
            requantize: requantize_u8(&ibias),
        },
    )
    .unwrap();
    let mut s = vec![0i8; m * n];
    let c = MatMut::row_major(&mut s, m, n).unwrap();
    igemm(
        ctx,
        a,
        za,
        b,
        Output::S8 {
            c,
            requantize: requantize_s8(&scales),
        },
    )
    .unwrap();
    let mut x = vec![0u8; m * n];
    let c = MatMut::row_major(&mut x, m, n).unwrap();
    igemm(
        ctx,
        a,
        za,
        b,
        Output::U8Fixed {
            c,
            requantize: fixed(&ibias),
        },
    )
    .unwrap();
    vec![
        s32.iter().map(|&v| v as i64).collect(),
        f.iter().map(|&v| v.to_bits() as i64).collect(),
        u.iter().map(|&v| v as i64).collect(),
        s.iter().map(|&v| v as i64).collect(),
        x.iter().map(|&v| v as i64).collect(),
    ]
}

fn pipeline_params(n: usize) -> (Vec<f32>, Vec<f32>, Vec<i32>) {
    let scales = (0..n).map(|j| 1.0 / (900.0 + 13.0 * j as f32)).collect();
    let fbias = (0..n).map(|j| j as f32 * 0.5 - 3.0).collect();
    let ibias = (0..n).map(|j| 97 * j as i32 - 2000).collect();
    (scales, fbias, ibias)
}

fn dequantize<'a>(scales: &'a [f32], fbias: &'a [f32]) -> Dequantize<'a> {
    Dequantize {
        scale: Scale::PerColumn(scales),
        bias: Some(fbias),
        activation: Activation::Clamp {
            min: -40.0,
            max: 60.0,
        },
    }
}

fn requantize_u8(ibias: &[i32]) -> Requantize<'_> {
    Requantize {
        bias: Some(ibias),
        relu: true,
        ..Requantize::new(Scale::PerTensor(1.0 / 700.0), 9)
    }
}

fn requantize_s8(scales: &[f32]) -> Requantize<'_> {
    Requantize::new(Scale::PerColumn(scales), -4)
}

fn fixed(ibias: &[i32]) -> FixedPointRequantize<'_> {
    FixedPointRequantize {
        bias: Some(ibias),
        ..FixedPointRequantize::new(1_500_000_000, -9, 120)
    }
}

/// The oracle's outputs in the order of [`outputs`].
fn expected(s32: &[i32], n: usize) -> Vec<Vec<i64>> {
    let (scales, fbias, ibias) = pipeline_params(n);
    let (dq, rq_u, rq_s, fx) = (
        dequantize(&scales, &fbias),
        requantize_u8(&ibias),
        requantize_s8(&scales),
        fixed(&ibias),
    );
    let each = |f: &dyn Fn(i32, usize) -> i64| s32.iter().enumerate().map(|(x, &v)| f(v, x % n)).collect();
    vec![
        each(&|v, _| v as i64),
        each(&|v, j| dequantize_one(v, j, &dq.scale, dq.bias, dq.activation).to_bits() as i64),
        each(&|v, j| requantize_one(v, j, &rq_u, 0, 255) as i64),
        each(&|v, j| requantize_one(v, j, &rq_s, -128, 127) as i64),
        each(&|v, j| requantize_fixed_one(v, j, &fx, 0, 255) as i64),
    ]
}

/// Runs every shape with weights of type `B` (zero points per tensor or
/// per column) on every level, one and two threads.
fn check<B: common::FromByte + lowp::igemm::Int8>(per_column: bool, seed: u64) {
    let mut rng = Rng(seed);
    for (case, &(m, k, n)) in SHAPES.iter().enumerate() {
        let lda = k + case % 3 * 5;
        let a: Vec<u8> = (0..m * lda).map(|_| (rng.next() >> 40) as u8).collect();
        let a = MatRef::new(&a, m, k, lda, 1).unwrap();
        let w: Vec<B> = (0..k * n)
            .map(|_| B::from_byte((rng.next() >> 40) as u8))
            .collect();
        let w = MatRef::row_major(&w, k, n).unwrap();
        let zbs: Vec<i32> = (0..n)
            .map(|j| B::from_byte((j * 37 + case) as u8).to_i32())
            .collect();
        let zb = match per_column {
            true => WeightZeroPoint::PerColumn(&zbs),
            false => WeightZeroPoint::PerTensor(zbs[0]),
        };
        let za = [0, 3, 128, 255][case % 4];
        let want = expected(&oracle(a, za, w, &zb, lowp::igemm::Saturation::Exact), n);
        for threads in [1, 2] {
            for ctx in contexts(threads) {
                let b = pack(&ctx, w, zb).unwrap();
                let got = outputs(&ctx, a, za, &b);
                for (o, (g, e)) in got.iter().zip(&want).enumerate() {
                    assert_eq!(
                        g,
                        e,
                        "{m}x{k}x{n} lda {lda} za {za} output {o} on {} x{threads}",
                        ctx.isa()
                    );
                }
            }
        }
    }
}

#[test]
fn small_m_s8_weights_match_oracle() {
    check::<i8>(false, 1);
    check::<i8>(true, 2);
}

#[test]
fn small_m_u8_weights_match_oracle() {
    check::<u8>(false, 3);
    check::<u8>(true, 4);
}
