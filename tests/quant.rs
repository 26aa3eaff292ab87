//! The quantization toolkit against the scalar oracles in
//! `lowp_reference::quant` and `lowp_reference::igemm`, on every
//! available ISA level, bit for bit.

mod common;

use common::{ctx, Rng};
use lowp::igemm::{Requantize, Scale};
use lowp::quant::{
    dequantize, dequantize_mat, quantize, quantize_mat, requantize, requantize_mat, Granularity, QuantDtype,
    QuantParams, QuantType,
};
use lowp::{CacheSizes, Context, Isa, MatMut, MatRef};
use lowp_reference::{igemm as ref_igemm, quant as oracle};
use proptest::prelude::*;

/// Every available level, plus one whose "LLC" is 4 KiB so that buffers of
/// a few KiB take the streaming-store path.
fn contexts() -> Vec<Context> {
    let mut v = Vec::new();
    for isa in Isa::available() {
        v.push(ctx(isa, 1));
        let tiny = CacheSizes {
            l1d: 1 << 10,
            l2: 2 << 10,
            l3: 4 << 10,
        };
        v.push(
            Context::builder()
                .max_isa(isa)
                .threads(2)
                .cache_sizes(tiny)
                .ignore_env()
                .build()
                .unwrap(),
        );
    }
    v
}

impl Rng {
    /// An awkward f32: uniform in ±range, exact ties, NaN, ±Inf, huge, tiny.
    fn value(&mut self, scale: f32) -> f32 {
        match self.next() % 16 {
            0 => ((self.next() % 600) as f32 - 300.0 + 0.5) * scale, // a tie in q units
            1 => f32::NAN,
            2 => f32::INFINITY,
            3 => f32::NEG_INFINITY,
            4 => f32::MAX * if self.next().is_multiple_of(2) { 1.0 } else { -1.0 },
            5 => f32::from_bits(1) * (self.next() % 5) as f32,
            _ => ((self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * 300.0 * scale,
        }
    }
}

fn params_for<Q: QuantType>(scale: f32, zp_pick: u64) -> QuantParams {
    let (qmin, qmax) = Q::DTYPE.range();
    let zp = [qmin, qmax, (qmin + qmax) / 2, qmin + 3][(zp_pick % 4) as usize];
    QuantParams::per_tensor(Q::DTYPE, scale, zp).unwrap()
}

fn check_quantize<Q: QuantType + PartialEq + std::fmt::Debug>(n: usize, scale: f32, seed: u64) {
    let mut rng = Rng(seed | 1);
    let x: Vec<f32> = (0..n).map(|_| rng.value(scale)).collect();
    let p = params_for::<Q>(scale, seed >> 7);
    let (lo, hi) = p.range();
    let want: Vec<i32> = x
        .iter()
        .map(|&v| oracle::quantize_one(v, scale, p.zero_point(0), lo, hi))
        .collect();
    for c in contexts() {
        // An offset destination so the streaming path has a head.
        let mut q = vec![Q::default(); n + 3];
        quantize(&c, &x, &mut q[3..], &p).unwrap();
        let got: Vec<i32> = q[3..].iter().map(|v| v.to_i32()).collect();
        assert_eq!(
            got,
            want,
            "quantize {:?} n={n} scale={scale} isa={:?}",
            Q::DTYPE,
            c.isa()
        );
        // Dequantize back: exact products of the oracle.
        let mut y = vec![0f32; n + 1];
        dequantize(&c, &q[3..], &mut y[1..], &p).unwrap();
        for (i, (&qy, &yy)) in q[3..].iter().zip(&y[1..]).enumerate() {
            let w = oracle::dequantize_one(qy.to_i32(), scale, p.zero_point(0));
            assert_eq!(yy.to_bits(), w.to_bits(), "dequantize i={i} isa={:?}", c.isa());
        }
    }
}

#[test]
fn quantize_dequantize_every_level_small_and_long() {
    // 300_001 splits into tasks on the two-thread contexts.
    for n in [
        0, 1, 7, 15, 16, 17, 31, 33, 63, 64, 65, 127, 200, 1000, 5000, 300_001,
    ] {
        check_quantize::<u8>(n, 0.05, n as u64 + 11);
        check_quantize::<i8>(n, 0.05, n as u64 + 12);
    }
}

#[test]
fn round_trip_within_half_a_step() {
    let c = Context::builder().threads(1).ignore_env().build().unwrap();
    for &(dtype, s, zp) in &[
        (QuantDtype::U8, 0.1f32, 128),
        (QuantDtype::S8, 3e-3, 0),
        (QuantDtype::U8, 1e-30, 0),
    ] {
        let p = QuantParams::per_tensor(dtype, s, zp).unwrap();
        let (lo, hi) = p.range();
        let mut rng = Rng(99);
        // In range: [(lo − zp)·s, (hi − zp)·s].
        let x: Vec<f32> = (0..4096)
            .map(|_| ((lo - zp) as f32 + (rng.next() % 100_000) as f32 / 100_000.0 * (hi - lo) as f32) * s)
            .collect();
        let mut y = vec![0f32; x.len()];
        if dtype == QuantDtype::U8 {
            let mut q = vec![0u8; x.len()];
            quantize(&c, &x, &mut q, &p).unwrap();
            dequantize(&c, &q, &mut y, &p).unwrap();
        } else {
            let mut q = vec![0i8; x.len()];
            quantize(&c, &x, &mut q, &p).unwrap();
            dequantize(&c, &q, &mut y, &p).unwrap();
        }
        for (&a, &b) in x.iter().zip(&y) {
            // scale/2, plus the f32 roundings of x/scale and of the product
            // (a few ulps of values ≤ 128·scale).
            let bound = s * 0.5 + 4.0 * f32::EPSILON * 128.0 * s;
            assert!((a - b).abs() <= bound, "x={a} back={b} s={s}");
        }
    }
}

#[test]
fn nan_and_inf_documented_results() {
    let p = QuantParams::per_tensor(QuantDtype::S8, 0.5, -3).unwrap();
    for c in contexts() {
        let x = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -f32::NAN, 1e30, -1e30];
        let mut q = [0i8; 6];
        quantize(&c, &x, &mut q, &p).unwrap();
        assert_eq!(q, [-3, 127, -128, -3, 127, -128], "isa={:?}", c.isa());
    }
}

fn per_channel_case<Q: QuantType + PartialEq + std::fmt::Debug>(
    rows: usize,
    cols: usize,
    g: Granularity,
    col_major: bool,
    seed: u64,
) {
    let mut rng = Rng(seed | 1);
    let ch = match g {
        Granularity::PerTensor => 1,
        Granularity::PerRow => rows,
        Granularity::PerColumn => cols,
    };
    let (qmin, qmax) = Q::DTYPE.range();
    let scales: Vec<f32> = (0..ch).map(|i| 0.01 * (1 + i % 7) as f32).collect();
    let zps: Vec<i32> = (0..ch)
        .map(|i| qmin + ((i * 37) as i32 % (qmax - qmin + 1)))
        .collect();
    let p = QuantParams::per_channel(Q::DTYPE, g, scales.clone(), zps.clone()).unwrap();
    let x: Vec<f32> = (0..rows * cols).map(|_| rng.value(0.02)).collect();
    let src = if col_major {
        MatRef::col_major(&x, rows, cols)
    } else {
        MatRef::row_major(&x, rows, cols)
    }
    .unwrap();
    let chan = |i: usize, j: usize| match g {
        Granularity::PerTensor => 0,
        Granularity::PerRow => i,
        Granularity::PerColumn => j,
    };
    for c in contexts() {
        let mut q = vec![Q::default(); rows * cols];
        let dst = if col_major {
            MatMut::col_major(&mut q, rows, cols)
        } else {
            MatMut::row_major(&mut q, rows, cols)
        };
        quantize_mat(&c, src, dst.unwrap(), &p).unwrap();
        let qv = if col_major {
            MatRef::col_major(&q, rows, cols)
        } else {
            MatRef::row_major(&q, rows, cols)
        }
        .unwrap();
        for i in 0..rows {
            for j in 0..cols {
                let k = chan(i, j);
                let w = oracle::quantize_one(*src.get(i, j).unwrap(), scales[k], zps[k], qmin, qmax);
                assert_eq!(
                    qv.get(i, j).unwrap().to_i32(),
                    w,
                    "({i},{j}) {g:?} col_major={col_major} isa={:?}",
                    c.isa()
                );
            }
        }
        let mut y = vec![0f32; rows * cols];
        dequantize_mat(&c, qv, MatMut::row_major(&mut y, rows, cols).unwrap(), &p).unwrap();
        for i in 0..rows {
            for j in 0..cols {
                let k = chan(i, j);
                let w = oracle::dequantize_one(qv.get(i, j).unwrap().to_i32(), scales[k], zps[k]);
                assert_eq!(
                    y[i * cols + j].to_bits(),
                    w.to_bits(),
                    "dequantize ({i},{j}) isa={:?}",
                    c.isa()
                );
            }
        }
    }
}

#[test]
fn per_channel_rows_columns_and_layouts() {
    for g in [
        Granularity::PerTensor,
        Granularity::PerRow,
        Granularity::PerColumn,
    ] {
        for (r, cc) in [(1, 1), (3, 70), (17, 5), (40, 129)] {
            for cm in [false, true] {
                per_channel_case::<u8>(r, cc, g, cm, (r * 1000 + cc) as u64);
                per_channel_case::<i8>(r, cc, g, cm, (r * 1000 + cc + 1) as u64);
            }
        }
    }
}

fn requantize_case<Q: QuantType>(
    rows: usize,
    cols: usize,
    per_col: bool,
    bias: bool,
    relu: bool,
    clamp: bool,
    seed: u64,
) {
    let mut rng = Rng(seed | 1);
    let v: Vec<i32> = (0..rows * cols)
        .map(|_| match rng.next() % 8 {
            0 => i32::MAX - (rng.next() % 3) as i32,
            1 => i32::MIN + (rng.next() % 3) as i32,
            _ => (rng.next() % 200_001) as i32 - 100_000,
        })
        .collect();
    let scales: Vec<f32> = (0..cols)
        .map(|j| [0.5f32, 1e-3, 0.25, 3.0, 1e-7][j % 5])
        .collect();
    let b: Vec<i32> = (0..cols).map(|j| (j as i32 * 97) % 1000 - 500).collect();
    let (qmin, qmax) = Q::DTYPE.range();
    let p = Requantize {
        scale: if per_col {
            Scale::PerColumn(&scales)
        } else {
            Scale::PerTensor(0.5)
        },
        bias: bias.then_some(&b[..]),
        zero_point: qmin + 5,
        relu,
        clamp: clamp.then_some((qmin + 2, qmax - 7)),
    };
    for c in contexts() {
        let mut q = vec![Q::default(); rows * cols];
        requantize_mat(
            &c,
            MatRef::row_major(&v, rows, cols).unwrap(),
            MatMut::row_major(&mut q, rows, cols).unwrap(),
            &p,
        )
        .unwrap();
        for i in 0..rows {
            for j in 0..cols {
                let w = ref_igemm::requantize_one(v[i * cols + j], j, &p, qmin, qmax);
                assert_eq!(
                    q[i * cols + j].to_i32(),
                    w,
                    "({i},{j}) {:?} isa={:?}",
                    Q::DTYPE,
                    c.isa()
                );
            }
        }
        if rows == 1 {
            let mut q2 = vec![Q::default(); cols];
            requantize(&c, &v, &mut q2, &p).unwrap();
            assert!(q2.iter().zip(&q).all(|(a, b)| a.to_i32() == b.to_i32()));
        }
    }
}

#[test]
fn requantize_matches_the_igemm_oracle() {
    for (r, cc) in [(1, 1), (1, 100), (5, 33), (2, 3000)] {
        for bits in 0..16u32 {
            let f = |k: u32| bits & (1 << k) != 0;
            requantize_case::<u8>(r, cc, f(0), f(1), f(2), f(3), (bits * 31 + cc as u32) as u64);
            requantize_case::<i8>(r, cc, f(0), f(1), f(2), f(3), (bits * 37 + cc as u32) as u64);
        }
    }
}

/// The per-tensor, bias-free requantize (the AVX-512 path that clamps before
/// rounding) at its edges: zero points at either end of the output range
/// and outside a clamp (the general path), products that overflow to ±Inf,
/// exact ties, lengths around the vector, line and two-stream boundaries.
#[test]
fn requantize_per_tensor_zero_point_edges_and_huge_products() {
    fn case<Q: QuantType>() {
        let (qmin, qmax) = Q::DTYPE.range();
        let n = 300;
        let mut rng = Rng(77);
        let v: Vec<i32> = (0..n)
            .map(|i| match i % 5 {
                0 => [i32::MIN, i32::MAX, 0, -1, 1][(i / 5) % 5],
                1 => (i as i32 - 150) * 2 + 1,
                _ => (rng.next() % 2_000_001) as i32 - 1_000_000,
            })
            .collect();
        let zps = [qmin, qmax, qmin + 1, (qmin + qmax) / 2];
        let clamps = [None, Some((qmin + 20, qmax - 20)), Some((qmax - 3, qmax))];
        for (&zp, clamp, scale, relu) in zps.iter().flat_map(|z| {
            clamps.iter().flat_map(move |&cl| {
                [0.5f32, 1e-3, 3e38, 1.0]
                    .into_iter()
                    .flat_map(move |s| [false, true].map(move |r| (z, cl, s, r)))
            })
        }) {
            let p = Requantize {
                scale: Scale::PerTensor(scale),
                bias: None,
                zero_point: zp,
                relu,
                clamp,
            };
            for c in contexts() {
                for len in [1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 191, 255, 256, 257, 300] {
                    let mut q = vec![Q::default(); len];
                    let lo = clamp.map_or(qmin, |cl| cl.0).max(if relu { zp } else { qmin });
                    let hi = clamp.map_or(qmax, |cl| cl.1);
                    let r = requantize(&c, &v[..len], &mut q, &p);
                    if lo > hi {
                        assert!(r.unwrap_err().to_string().contains("clamp"));
                        continue;
                    }
                    r.unwrap();
                    for (j, (&x, y)) in v[..len].iter().zip(&q).enumerate() {
                        let w = ref_igemm::requantize_one(x, j, &p, qmin, qmax);
                        assert_eq!(y.to_i32(), w, "x={x} {p:?} len={len} isa={:?}", c.isa());
                    }
                }
            }
        }
    }
    case::<u8>();
    case::<i8>();
}

#[test]
fn bad_arguments_are_refused_by_name() {
    let c = Context::builder().threads(1).ignore_env().build().unwrap();
    let p = QuantParams::per_tensor(QuantDtype::U8, 1.0, 0).unwrap();
    let mut q8 = [0i8; 2];
    let e = quantize(&c, &[1.0, 2.0], &mut q8, &p).unwrap_err();
    assert!(e.to_string().contains("params"), "{e}");
    let mut q = [0u8; 3];
    let e = quantize(&c, &[1.0, 2.0], &mut q, &p).unwrap_err();
    assert!(e.to_string().contains("dst"), "{e}");
    let e = requantize(
        &c,
        &[1, 2, 3],
        &mut q,
        &Requantize::new(Scale::PerTensor(f32::NAN), 0),
    )
    .unwrap_err();
    assert!(e.to_string().contains("scale"), "{e}");
    let e = requantize(
        &c,
        &[1, 2, 3],
        &mut q,
        &Requantize::new(Scale::PerTensor(1.0), 300),
    )
    .unwrap_err();
    assert!(e.to_string().contains("zero_point"), "{e}");
    let pr = QuantParams::per_channel(QuantDtype::U8, Granularity::PerRow, vec![1.0; 2], vec![0; 2]).unwrap();
    let x = [0f32; 6];
    let mut q6 = [0u8; 6];
    let e = quantize_mat(
        &c,
        MatRef::row_major(&x, 3, 2).unwrap(),
        MatMut::row_major(&mut q6, 3, 2).unwrap(),
        &pr,
    )
    .unwrap_err();
    assert!(e.to_string().contains("channels"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn quantize_any_length_scale_and_zero_point(
        n in 0usize..300,
        scale_exp in -140i32..40,
        seed in any::<u64>(),
        signed in any::<bool>(),
    ) {
        // From subnormal to huge scales.
        let scale = 2f32.powi(scale_exp) * 1.37;
        prop_assume!(scale.is_finite() && scale > 0.0);
        if signed { check_quantize::<i8>(n, scale, seed) } else { check_quantize::<u8>(n, scale, seed) }
    }

    #[test]
    fn requantize_any_shape(rows in 1usize..6, cols in 1usize..90, flags in 0u32..16, seed in any::<u64>()) {
        let f = |k: u32| flags & (1 << k) != 0;
        requantize_case::<u8>(rows, cols, f(0), f(1), f(2), f(3), seed);
        requantize_case::<i8>(rows, cols, f(0), f(1), f(2), f(3), seed ^ 5);
    }
}

mod fixed_point {
    use super::*;
    use lowp::quant::{
        multiply_by_quantized_multiplier, quantize_multiplier, requantize_fixed, rounding_divide_by_pot,
        saturating_rounding_doubling_high_mul as srdhm, FixedPointRequantize, FixedScale,
    };

    #[test]
    fn hand_derived_ties_and_saturation() {
        // 2^31·2^30 would be the product of MIN·MIN: the one saturating case.
        assert_eq!(srdhm(i32::MIN, i32::MIN), i32::MAX);
        assert_eq!(srdhm(i32::MIN, i32::MAX), -i32::MAX); // −(2^31−1) exactly
        assert_eq!(srdhm(i32::MAX, i32::MAX), i32::MAX - 1); // (2^31−1)²/2^31 = 2^31 − 2 + 2^-31
                                                             // Ties: ±k.5 in units of the result.
        assert_eq!(srdhm(1, 1 << 30), 1); // 0.5 → 1
        assert_eq!(srdhm(-1, 1 << 30), 0); // −0.5 → 0
        assert_eq!(srdhm(3, 1 << 30), 2); // 1.5 → 2
        assert_eq!(srdhm(-3, 1 << 30), -1); // −1.5 → −1
                                            // RoundingDivideByPOT: ties away from zero.
        assert_eq!(rounding_divide_by_pot(5, 1), 3);
        assert_eq!(rounding_divide_by_pot(-5, 1), -3);
        assert_eq!(rounding_divide_by_pot(-6, 2), -2);
        assert_eq!(rounding_divide_by_pot(-5, 2), -1);
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
        assert_eq!(rounding_divide_by_pot(7, 0), 7);
        // Negative shift: 100·0.5·2^-3 = 6.25 → 6; 100·0.75·2^-2 = 18.75 → 19.
        assert_eq!(multiply_by_quantized_multiplier(100, 1 << 30, -3), 6);
        assert_eq!(multiply_by_quantized_multiplier(100, 3 << 29, -2), 19);
        // Positive shift: 100·0.5·2^2 = 200.
        assert_eq!(multiply_by_quantized_multiplier(100, 1 << 30, 2), 200);
        // QuantizeMultiplier: frexp then Q31 (rounded half away from zero).
        assert_eq!(quantize_multiplier(1.0).unwrap(), (1 << 30, 1));
        assert_eq!(quantize_multiplier(0.0).unwrap(), (0, 0));
        assert_eq!(quantize_multiplier(2f64.powi(-40)).unwrap(), (0, 0));
        assert_eq!(quantize_multiplier(2f64.powi(40)).unwrap(), (i32::MAX, 30));
        // Just below 1: the Q31 rounds up to 2^31 and renormalizes.
        assert_eq!(quantize_multiplier(1.0 - 2f64.powi(-40)).unwrap(), (1 << 30, 1));
        assert!(quantize_multiplier(-1.0)
            .unwrap_err()
            .to_string()
            .contains("real"));
        assert!(quantize_multiplier(f64::NAN).is_err());
    }

    #[test]
    fn against_the_tflite_oracle() {
        let mut rng = Rng(12345);
        let edge = [
            0,
            1,
            -1,
            2,
            -2,
            i32::MAX,
            i32::MIN,
            i32::MIN + 1,
            1 << 30,
            -(1 << 30),
            3 << 29,
        ];
        for _ in 0..200_000 {
            let pick = |r: &mut Rng| {
                if r.next().is_multiple_of(4) {
                    edge[(r.next() % edge.len() as u64) as usize]
                } else {
                    r.next() as i32
                }
            };
            let (a, b) = (pick(&mut rng), pick(&mut rng));
            assert_eq!(srdhm(a, b), oracle::srdhm(a, b), "srdhm({a}, {b})");
            let e = (rng.next() % 32) as u32;
            assert_eq!(
                rounding_divide_by_pot(a, e),
                oracle::rounding_divide_by_pot(a, e),
                "rdbpot({a}, {e})"
            );
            let s = (rng.next() % 62) as i32 - 31;
            // TFLite multipliers are in [2^30, 2^31).
            let m = (1 << 30) + (rng.next() % (1 << 30)) as i32;
            let x = a >> (rng.next() % 32);
            assert_eq!(
                multiply_by_quantized_multiplier(x, m, s),
                oracle::multiply_by_quantized_multiplier(x, m, s),
                "mbqm({x}, {m}, {s})"
            );
            let real = f64::from_bits(rng.next() >> 2); // non-negative, any exponent
            if real.is_finite() {
                assert_eq!(
                    quantize_multiplier(real).unwrap(),
                    oracle::quantize_multiplier(real),
                    "qm({real})"
                );
            }
            let real = (rng.next() % 1_000_000) as f64 * 1e-7;
            assert_eq!(
                quantize_multiplier(real).unwrap(),
                oracle::quantize_multiplier(real),
                "qm({real})"
            );
        }
    }

    fn fixed_case<Q: QuantType>(n: usize, per_col: bool, bias: bool, relu: bool, seed: u64) {
        let mut rng = Rng(seed | 1);
        let v: Vec<i32> = (0..n).map(|_| (rng.next() as i32) >> (rng.next() % 31)).collect();
        let ms: Vec<i32> = (0..n)
            .map(|_| (1 << 30) + (rng.next() % (1 << 30)) as i32)
            .collect();
        let ss: Vec<i32> = (0..n).map(|_| -((rng.next() % 20) as i32)).collect();
        let b: Vec<i32> = (0..n).map(|_| (rng.next() % 2001) as i32 - 1000).collect();
        let (qmin, qmax) = Q::DTYPE.range();
        let p = FixedPointRequantize {
            scale: if per_col {
                FixedScale::PerColumn(&ms, &ss)
            } else {
                FixedScale::PerTensor(ms[0], -7)
            },
            bias: bias.then_some(&b[..]),
            zero_point: qmin + 9,
            relu,
            clamp: None,
        };
        let mut q = vec![Q::default(); n];
        requantize_fixed(&v, &mut q, &p).unwrap();
        for j in 0..n {
            let (m, s) = if per_col { (ms[j], ss[j]) } else { (ms[0], -7) };
            let t = v[j].wrapping_add(if bias { b[j] } else { 0 });
            let lo = if relu { qmin + 9 } else { qmin };
            let w = (oracle::multiply_by_quantized_multiplier(t, m, s) as i64 + (qmin + 9) as i64)
                .clamp(lo as i64, qmax as i64);
            assert_eq!(q[j].to_i32() as i64, w, "j={j}");
        }
    }

    #[test]
    fn requantize_fixed_matches_the_oracle() {
        for n in [1, 15, 16, 17, 100, 1000] {
            for bits in 0..8u32 {
                let f = |k: u32| bits & (1 << k) != 0;
                fixed_case::<u8>(n, f(0), f(1), f(2), (n as u64) << 3 | bits as u64);
                fixed_case::<i8>(n, f(0), f(1), f(2), (n as u64) << 4 | bits as u64);
            }
        }
        let mut q = [0u8; 2];
        let e = requantize_fixed(&[1, 2], &mut q, &FixedPointRequantize::new(1 << 30, 31, 0)).unwrap_err();
        assert!(e.to_string().contains("shift"), "{e}");
    }
}

mod observers {
    use lowp::quant::observer::entropy_threshold_bins;
    use lowp::quant::{
        Granularity, HistogramObserver, MinMaxObserver, MovingAverageMinMaxObserver, Observer,
        PerChannelMinMaxObserver, QuantDtype, QuantParams,
    };
    use lowp::MatRef;

    #[test]
    fn entropy_thresholds_by_hand() {
        // Uniform: KL(P‖Q) is 0.1308 at i = 2 (P = [8, 24], Q = [8, 8]),
        // 0.0589 at i = 3, 0 at i = 4: no clipping.
        assert_eq!(entropy_threshold_bins(&[8, 8, 8, 8], 2).unwrap(), 4);
        // [100, 50, 0, 1]: i = 2 gives P = [100, 51], Q = [100, 50],
        // KL ≈ 4.4e-5; i = 3: Q = [100, 25, 25], KL ≈ 0.20; i = 4:
        // Q = [75, 75, 0, 1], KL ≈ 0.056. The outlier is clipped.
        assert_eq!(entropy_threshold_bins(&[100, 50, 0, 1], 2).unwrap(), 2);
        // Everything in the first bin: i = levels already reproduces P.
        assert_eq!(entropy_threshold_bins(&[10, 0, 0, 0, 0, 0, 0, 0], 2).unwrap(), 2);
        assert!(entropy_threshold_bins(&[1, 2], 3)
            .unwrap_err()
            .to_string()
            .contains("levels"));
        assert!(entropy_threshold_bins(&[0, 0], 1)
            .unwrap_err()
            .to_string()
            .contains("bins"));
    }

    #[test]
    fn percentile_by_hand() {
        let mut h = HistogramObserver::default();
        h.observe(&[0.1; 90]);
        h.observe(&[3.0; 10]);
        // max 3 → range [0, 4), width 4/2048 = 1/512; 0.1 is in bin 51.
        assert_eq!(h.bin_width(), 1.0 / 512.0);
        assert_eq!(h.bins()[51], 90);
        assert_eq!(h.bins()[1536], 10);
        assert_eq!(h.percentile_threshold(90.0).unwrap(), 52.0 / 512.0);
        assert_eq!(h.percentile_threshold(95.0).unwrap(), 1537.0 / 512.0);
        // Non-negative data: a [0, t] range.
        let p = h.params_percentile(90.0, QuantDtype::U8, false).unwrap();
        assert_eq!((p.scale(0), p.zero_point(0)), (52.0 / 512.0 / 255.0, 0));
        assert!(h
            .percentile_threshold(0.0)
            .unwrap_err()
            .to_string()
            .contains("pct"));
        // Entropy: the far values hold 10% of the mass; the first i whose
        // 128 groups (of ⌊1537/128⌋ = 12 bins) isolate both occupied bins
        // reproduces P exactly (KL 0): i = 1537, just above 3.0.
        assert_eq!(h.entropy_threshold(128).unwrap(), 1537.0 / 512.0);
    }

    #[test]
    fn histogram_is_order_independent_and_mergeable() {
        let mut rng = super::Rng(7);
        let x: Vec<f32> = (0..50_000).map(|_| rng.value(0.01)).collect();
        let mut one = HistogramObserver::default();
        one.observe(&x);
        // Small-magnitude batch first (range grows later), in four shards.
        let mut sorted = x.clone();
        sorted.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
        let mut shards: Vec<HistogramObserver> = Vec::new();
        for c in sorted.chunks(12_500) {
            let mut h = HistogramObserver::default();
            for b in c.chunks(1000) {
                h.observe(b);
            }
            shards.push(h);
        }
        let mut merged = shards.pop().unwrap();
        for s in shards.iter().rev() {
            merged.merge(s);
        }
        assert_eq!(merged, one);
        let finite = x.iter().filter(|v| !v.is_nan()).count() as u64;
        assert_eq!(one.bins().iter().sum::<u64>(), finite);
    }

    #[test]
    fn histogram_counts_many_values_nans_and_infinities_in_one_call() {
        // 700 001 equal values (and NaNs and infinities between them) in
        // one call (the counters fold and the NaNs come back out).
        let n = 700_001;
        let mut x = vec![0.75f32; n];
        for i in (0..n).step_by(1001) {
            x[i] = if i % 2 == 0 { f32::NAN } else { f32::INFINITY };
        }
        let nans = (0..n).step_by(1001).filter(|i| i % 2 == 0).count() as u64;
        let infs = (0..n).step_by(1001).count() as u64 - nans;
        let mut h = HistogramObserver::default();
        h.observe(&x);
        // Range [0, 1): 0.75 in bin 1536, the infinities in the last bin.
        assert_eq!(h.bin_width(), 1.0 / 2048.0);
        assert_eq!(h.bins()[1536], n as u64 - nans - infs);
        assert_eq!(h.bins()[2047], infs);
        assert_eq!(h.bins().iter().sum::<u64>(), n as u64 - nans);
    }

    #[test]
    fn histogram_infinities_stay_in_the_last_bin_as_the_range_grows() {
        // Infinities first, with small values, then a batch that grows the
        // range 2^10-fold: they must not move down with the halved bins.
        let small = [0.5f32, f32::INFINITY, -0.25, f32::NEG_INFINITY, f32::NAN];
        let big: Vec<f32> = (0..40_000).map(|i| (i % 1000) as f32 - 500.0).collect();
        let mut a = HistogramObserver::default();
        a.observe(&small);
        a.observe(&big);
        let mut b = HistogramObserver::default();
        b.observe(&big);
        b.observe(&small);
        let mut both = big.clone();
        both.extend_from_slice(&small);
        let mut c = HistogramObserver::default();
        c.observe(&both);
        assert_eq!(a, b);
        assert_eq!(a, c);
        // The range is [0, 512): the two infinities alone in the last bin,
        // |−500| (40 of them) in bin ⌊500·4⌋.
        assert_eq!(a.bins()[2047], 2);
        assert_eq!(a.bins()[2000], 40);
        assert_eq!(a.bins().iter().sum::<u64>(), 40_000 + 4);
    }

    #[test]
    fn min_max_observers() {
        let mut a = MinMaxObserver::default();
        assert!(a.params(QuantDtype::U8, false, false).is_err());
        a.observe(&[1.0, f32::NAN, -3.0]);
        let mut b = MinMaxObserver::default();
        b.observe(&[5.0; 40]);
        a.merge(&b);
        assert_eq!((a.min(), a.max()), (-3.0, 5.0));
        assert_eq!(
            a.params(QuantDtype::S8, true, false).unwrap(),
            QuantParams::from_min_max(-3.0, 5.0, QuantDtype::S8, true, false).unwrap()
        );
        let mut m = MovingAverageMinMaxObserver::new(0.5).unwrap();
        m.observe(&[0.0, 4.0]);
        m.observe(&[-2.0, 2.0]);
        // min 0 + 0.5·(−2 − 0) = −1, max 4 + 0.5·(2 − 4) = 3.
        assert_eq!((m.min(), m.max()), (-1.0, 3.0));
        assert!(MovingAverageMinMaxObserver::new(0.0)
            .unwrap_err()
            .to_string()
            .contains("c"));
        let w = [1.0f32, -2.0, 0.5, 4.0, 0.0, 0.0];
        let mut pc = PerChannelMinMaxObserver::new(Granularity::PerRow, 3).unwrap();
        pc.observe_mat(MatRef::row_major(&w, 3, 2).unwrap()).unwrap();
        let p = pc.params(QuantDtype::S8, true, false).unwrap();
        assert_eq!(p.scales(), &[2.0 / 127.5, 4.0 / 127.5, f32::EPSILON]);
        assert!(pc.observe_mat(MatRef::row_major(&w, 2, 3).unwrap()).is_err());
    }
}

mod weights_dynamic_fake {
    use super::*;
    use lowp::quant::{
        dynamic_params_u8, fake_quantize, quantize_dynamic_u8, quantize_weights_per_channel_s8,
    };

    #[test]
    fn per_channel_weights_against_the_oracle() {
        let (n, k) = (13, 77);
        let mut rng = Rng(3);
        let w: Vec<f32> = (0..n * k)
            .map(|i| {
                if i / k == 4 {
                    0.0
                } else {
                    rng.value(0.01).clamp(-5.0, 5.0)
                }
            })
            .collect();
        let w: Vec<f32> = w.into_iter().map(|v| if v.is_nan() { 0.25 } else { v }).collect();
        for c in contexts() {
            let mut q = vec![0i8; n * k];
            // Column-major view of the transpose: any strides work.
            let s =
                quantize_weights_per_channel_s8(&c, MatRef::row_major(&w, n, k).unwrap(), &mut q).unwrap();
            for j in 0..n {
                let amax = w[j * k..(j + 1) * k].iter().fold(0f32, |m, v| m.max(v.abs()));
                let want = if amax > 0.0 { amax / 127.0 } else { 1.0 };
                assert_eq!(s[j], want, "row {j}");
                for kk in 0..k {
                    assert_eq!(
                        q[j * k + kk] as i32,
                        oracle::quantize_one(w[j * k + kk], want, 0, -127, 127)
                    );
                }
            }
        }
        let bad = [1.0f32, f32::INFINITY];
        let mut q = [0i8; 2];
        let c = ctx(Isa::Scalar, 1);
        let e =
            quantize_weights_per_channel_s8(&c, MatRef::row_major(&bad, 1, 2).unwrap(), &mut q).unwrap_err();
        assert!(e.to_string().contains('w'), "{e}");
    }

    #[test]
    fn dynamic_per_row_and_per_tensor() {
        assert_eq!(dynamic_params_u8(-1.0, 3.0), (4.0 / 255.0, 64));
        assert_eq!(dynamic_params_u8(0.0, 0.0), (1.0, 0));
        let x = [-1.0f32, 3.0, 0.5, 0.0, 2.0, 1.0];
        for c in contexts() {
            let mut q = [0u8; 6];
            let p = quantize_dynamic_u8(
                &c,
                MatRef::row_major(&x, 2, 3).unwrap(),
                MatMut::row_major(&mut q, 2, 3).unwrap(),
                true,
            )
            .unwrap();
            assert_eq!(p, vec![(4.0 / 255.0, 64), (2.0 / 255.0, 0)]);
            for i in 0..6 {
                let (s, z) = p[i / 3];
                assert_eq!(q[i] as i32, oracle::quantize_one(x[i], s, z, 0, 255));
            }
            let p = quantize_dynamic_u8(
                &c,
                MatRef::row_major(&x, 2, 3).unwrap(),
                MatMut::row_major(&mut q, 2, 3).unwrap(),
                false,
            )
            .unwrap();
            assert_eq!(p, vec![(4.0 / 255.0, 64)]);
            for i in 0..6 {
                assert_eq!(q[i] as i32, oracle::quantize_one(x[i], 4.0 / 255.0, 64, 0, 255));
            }
        }
    }

    #[test]
    fn fake_quantize_is_quantize_then_dequantize() {
        let mut rng = Rng(17);
        let x: Vec<f32> = (0..10_000).map(|_| rng.value(0.02)).collect();
        for dtype in [QuantDtype::U8, QuantDtype::S8] {
            let p = QuantParams::from_min_max(-3.0, 2.0, dtype, false, false).unwrap();
            let (lo, hi) = p.range();
            for c in contexts() {
                let mut y = vec![0f32; x.len()];
                fake_quantize(&c, &x, &mut y, &p).unwrap();
                for (&a, &b) in x.iter().zip(&y) {
                    let q = oracle::quantize_one(a, p.scale(0), p.zero_point(0), lo, hi);
                    assert_eq!(
                        b.to_bits(),
                        oracle::dequantize_one(q, p.scale(0), p.zero_point(0)).to_bits()
                    );
                }
            }
        }
    }
}

/// Values at and one or two ulps around the half-integers of `x / scale`
/// (where quantizing by a reciprocal multiply could round the other way),
/// for scales with inexact reciprocals, powers of two, tiny, huge and
/// subnormal ones: every level against the oracle's true division.
#[test]
fn quantize_near_ties_matches_the_true_division() {
    let scales = [
        0.1f32,
        1.0 / 3.0,
        0.007,
        0.75,
        2f32.powi(-20),
        1.3e-30,
        3.0e37,
        1e-40,
        0.0078125,
    ];
    for (t, &scale) in scales.iter().enumerate() {
        let mut x = Vec::new();
        for k in -300i32..300 {
            let tie = (k as f32 + 0.5) * scale;
            for d in -2i32..=2 {
                let bits = tie.to_bits() as i32 + d;
                x.push(f32::from_bits(bits as u32));
            }
            x.push(k as f32 * scale);
        }
        for zp_pick in 0..4 {
            let p = params_for::<u8>(scale, zp_pick);
            let ps = params_for::<i8>(scale, zp_pick);
            for c in contexts() {
                let mut q = vec![0u8; x.len()];
                quantize(&c, &x, &mut q, &p).unwrap();
                let mut qs = vec![0i8; x.len()];
                quantize(&c, &x, &mut qs, &ps).unwrap();
                for (i, &v) in x.iter().enumerate() {
                    let (lo, hi) = p.range();
                    let want = oracle::quantize_one(v, scale, p.zero_point(0), lo, hi);
                    assert_eq!(q[i] as i32, want, "u8 x = {v:e} scale {t} isa {:?}", c.isa());
                    let (lo, hi) = ps.range();
                    let want = oracle::quantize_one(v, scale, ps.zero_point(0), lo, hi);
                    assert_eq!(qs[i] as i32, want, "s8 x = {v:e} scale {t} isa {:?}", c.isa());
                }
            }
        }
    }
}

/// Every float within 2048 ulps of the ties `(k + ½)·scale` for `k` across
/// the output range, and a sweep of 2^20 consecutive floats, for scales
/// whose reciprocals round awkwardly (and the ends of the range the
/// division-free per-tensor path takes, 2^±90): every level, every zero
/// point end, against the oracle's true division.
#[test]
fn quantize_scans_around_ties_match_the_true_division() {
    let scales = [
        0.02f32,
        0.1,
        1.0 / 3.0,
        0.007,
        1.0 - 2f32.powi(-24),
        1.0 + 2f32.powi(-23),
        2f32.powi(-90) * 1.37,
        2f32.powi(89) * 1.93,
        6.1e-5,
    ];
    let window = |centre: f32, half: i32| {
        let b = centre.to_bits() as i32;
        (b - half..=b + half).map(|v| f32::from_bits(v as u32))
    };
    for &scale in &scales {
        let mut x: Vec<f32> = [-384i32, -129, -128, -2, -1, 0, 1, 2, 62, 126, 127, 254, 255, 383]
            .iter()
            .flat_map(|&k| window((k as f32 + 0.5) * scale, 2048))
            .collect();
        x.extend(x.clone().iter().map(|v| -v));
        let sweep: Vec<f32> = window(37.3 * scale, 1 << 19).collect();
        for zp_pick in 0..4 {
            check_scan::<u8>(&x, scale, zp_pick, &contexts());
            check_scan::<i8>(&x, scale, zp_pick, &contexts());
        }
        let top = vec![ctx(*Isa::available().last().unwrap(), 1)];
        check_scan::<u8>(&sweep, scale, 2, &top);
        check_scan::<i8>(&sweep, scale, 0, &top);
    }
}

fn check_scan<Q: QuantType>(x: &[f32], scale: f32, zp_pick: u64, ctxs: &[Context]) {
    let p = params_for::<Q>(scale, zp_pick);
    let (lo, hi) = p.range();
    let want: Vec<i32> = x
        .iter()
        .map(|&v| oracle::quantize_one(v, scale, p.zero_point(0), lo, hi))
        .collect();
    for c in ctxs {
        let mut q = vec![Q::default(); x.len()];
        quantize(c, x, &mut q, &p).unwrap();
        for (i, (v, &w)) in q.iter().zip(&want).enumerate() {
            assert_eq!(
                v.to_i32(),
                w,
                "{:?} x = {:e} scale {scale:e} zp {} isa {:?}",
                Q::DTYPE,
                x[i],
                p.zero_point(0),
                c.isa()
            );
        }
    }
}

/// Long runs split into tasks on 2 and 3 threads with streaming stores and
/// the input prefetched ahead: lengths around the task boundaries, output
/// offsets within a line and unaligned inputs, every element bit-exact.
#[test]
fn streamed_tasks_on_threads_any_offset() {
    const CHUNK: usize = 1 << 16;
    let tiny = CacheSizes {
        l1d: 1 << 10,
        l2: 2 << 10,
        l3: 4 << 10,
    };
    let best = *Isa::available().last().unwrap();
    let ctxs: Vec<Context> = [2, 3]
        .iter()
        .map(|&t| {
            Context::builder()
                .max_isa(best)
                .threads(t)
                .cache_sizes(tiny)
                .ignore_env()
                .build()
                .unwrap()
        })
        .collect();
    let n_max = 3 * CHUNK + 200;
    let mut rng = Rng(4242);
    let x: Vec<f32> = (0..n_max + 16).map(|_| rng.value(0.05)).collect();
    let v: Vec<i32> = (0..n_max + 16)
        .map(|_| (rng.next() % 200_001) as i32 - 100_000)
        .collect();
    let pq = params_for::<u8>(0.05, 2);
    let (lo, hi) = pq.range();
    let rq = Requantize::new(Scale::PerTensor(0.01), 7);
    for len in [
        2 * CHUNK - 1,
        2 * CHUNK,
        2 * CHUNK + 1,
        2 * CHUNK + 63,
        2 * CHUNK + 64,
        3 * CHUNK + 129,
        n_max,
    ] {
        for (src_off, dst_off) in [(0, 0), (1, 1), (3, 17), (0, 63), (5, 32), (2, 15)] {
            let xs = &x[src_off..src_off + len];
            let vs = &v[src_off..src_off + len];
            for c in &ctxs {
                let what = format!(
                    "len={len} src+{src_off} dst+{dst_off} threads={}",
                    c.num_threads()
                );
                let mut q = vec![0u8; len + 64];
                let qd = &mut q[dst_off..dst_off + len];
                quantize(c, xs, qd, &pq).unwrap();
                for (i, (&xi, &qi)) in xs.iter().zip(qd.iter()).enumerate() {
                    let w = oracle::quantize_one(xi, 0.05, pq.zero_point(0), lo, hi);
                    assert_eq!(qi as i32, w, "quantize i={i} {what}");
                }
                let mut y = vec![0f32; len + 16];
                let yd = &mut y[dst_off % 16..dst_off % 16 + len];
                dequantize(c, &q[dst_off..dst_off + len], yd, &pq).unwrap();
                for (i, (&qi, &yi)) in q[dst_off..dst_off + len].iter().zip(yd.iter()).enumerate() {
                    let w = oracle::dequantize_one(qi as i32, 0.05, pq.zero_point(0));
                    assert_eq!(yi.to_bits(), w.to_bits(), "dequantize i={i} {what}");
                }
                let mut r = vec![0i8; len + 64];
                let rd = &mut r[dst_off..dst_off + len];
                requantize(c, vs, rd, &rq).unwrap();
                for (i, (&vi, &ri)) in vs.iter().zip(rd.iter()).enumerate() {
                    let w = ref_igemm::requantize_one(vi, i, &rq, -128, 127);
                    assert_eq!(ri as i32, w, "requantize i={i} {what}");
                }
            }
        }
    }
}
