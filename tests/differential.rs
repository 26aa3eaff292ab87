//! The fuzz targets' differential checks as a proptest suite (fewer cases):
//! every op on every available ISA level against its oracle, invalid
//! arguments refused by name, and one regression test per bug the fuzz
//! targets found (`regression_*`).

use half::{bf16, f16};
use lowp::dot::{self, Metric, Neighbor, QuantScheme, QuantizedS8};
use lowp::igemm::{
    igemm, Activation, ActivationQuantization, Dequantize, Output, PackedI8Weights, QuantizedLinear,
    Requantize, Saturation, Scale, WeightZeroPoint, MAX_K,
};
use lowp::{Context, Error, Isa, MatMut, MatRef};
use lowp_reference::dot as dref;
use lowp_reference::igemm as oracle;
use proptest::prelude::*;

mod common;

use common::{contexts, pack, with_saturation, FromByte, Rng};

/// Draws from the shared generator (`common::Rng`).
impl Rng {
    fn byte(&mut self) -> u8 {
        (self.next() >> 40) as u8
    }
    fn f32(&mut self) -> f32 {
        (self.next() >> 40) as f32 / 65536.0 - 128.0
    }
}

/// One INT8 GEMM case on every level: strided A (col-major when `a_cm`),
/// per-column zero points, the chosen pipeline, both saturation modes.
#[allow(clippy::too_many_arguments)]
fn igemm_case<A: FromByte, B: FromByte>(
    m: usize,
    n: usize,
    k: usize,
    a_cm: bool,
    extremes: bool,
    pipe: u8,
    allow: bool,
    seed: u64,
) {
    let mut rng = Rng(seed | 1);
    let val = |rng: &mut Rng| {
        if extremes {
            if rng.next() & 1 == 0 {
                0x80
            } else {
                0x7f
            }
        } else {
            rng.byte()
        }
    };
    let a_data: Vec<A> = (0..m * k).map(|_| A::from_byte(val(&mut rng))).collect();
    let b_data: Vec<B> = (0..k * n).map(|_| B::from_byte(val(&mut rng))).collect();
    let a = if a_cm {
        MatRef::new(&a_data, m, k, 1, m.max(1)).unwrap()
    } else {
        MatRef::new(&a_data, m, k, k.max(1), 1).unwrap()
    };
    let b = MatRef::new(&b_data, k, n, n.max(1), 1).unwrap();
    let za = (A::MIN + A::MAX) / 2 + (rng.byte() % 7) as i32 - 3;
    let zb_cols: Vec<i32> = (0..n).map(|_| B::from_byte(rng.byte()).to_i32()).collect();
    let zb = WeightZeroPoint::PerColumn(&zb_cols);
    let sat = if allow {
        Saturation::Allow
    } else {
        Saturation::Exact
    };
    let exact = oracle::igemm_s32(a, za, b, &zb, Saturation::Exact);
    let model = oracle::igemm_s32(a, za, b, &zb, Saturation::Allow);
    let scales: Vec<f32> = (0..n).map(|j| 0.01 + j as f32 * 0.003).collect();
    let fbias: Vec<f32> = (0..n).map(|_| rng.f32()).collect();
    let ibias: Vec<i32> = (0..n).map(|_| rng.f32() as i32 * 100).collect();
    for ctx in contexts(1 + (seed % 3) as usize) {
        let p = PackedI8Weights::pack(&ctx, b, zb, with_saturation(sat)).unwrap();
        let raw = if allow && ctx.kernels().igemm.main.saturates {
            &model
        } else {
            &exact
        };
        let isa = ctx.isa();
        match pipe % 4 {
            0 => {
                let mut c = vec![7i32; m * n];
                let o = Output::S32 {
                    c: MatMut::new(&mut c, m, n, n.max(1), 1).unwrap(),
                    accumulate: true,
                };
                igemm(&ctx, a, za, &p, o).unwrap();
                let want: Vec<i32> = raw.iter().map(|v| v.wrapping_add(7)).collect();
                assert_eq!(c, want, "{isa} s32");
            }
            1 => {
                let mut c = vec![0f32; m * n];
                let d = Dequantize {
                    scale: Scale::PerColumn(&scales),
                    bias: Some(&fbias),
                    activation: Activation::Relu,
                };
                igemm(
                    &ctx,
                    a,
                    za,
                    &p,
                    Output::F32 {
                        c: MatMut::new(&mut c, m, n, 1, m.max(1)).unwrap(),
                        dequantize: d,
                    },
                )
                .unwrap();
                for i in 0..m {
                    for j in 0..n {
                        let want = oracle::dequantize_one(raw[i * n + j], j, &d.scale, d.bias, d.activation);
                        assert_eq!(c[i + j * m].to_bits(), want.to_bits(), "{isa} f32 ({i},{j})");
                    }
                }
            }
            2 => {
                let mut c = vec![0u8; m * n];
                let r = Requantize {
                    bias: Some(&ibias),
                    relu: true,
                    ..Requantize::new(Scale::PerTensor(0.002), 100)
                };
                igemm(
                    &ctx,
                    a,
                    za,
                    &p,
                    Output::U8 {
                        c: MatMut::new(&mut c, m, n, n.max(1), 1).unwrap(),
                        requantize: r,
                    },
                )
                .unwrap();
                let want: Vec<u8> = (0..m * n)
                    .map(|x| oracle::requantize_one(raw[x], x % n, &r, 0, 255) as u8)
                    .collect();
                assert_eq!(c, want, "{isa} u8");
            }
            _ => {
                let mut c = vec![0i8; m * n];
                let r = Requantize {
                    clamp: Some((-100, 90)),
                    ..Requantize::new(Scale::PerColumn(&scales), -3)
                };
                igemm(
                    &ctx,
                    a,
                    za,
                    &p,
                    Output::S8 {
                        c: MatMut::new(&mut c, m, n, n.max(1), 1).unwrap(),
                        requantize: r,
                    },
                )
                .unwrap();
                let want: Vec<i8> = (0..m * n)
                    .map(|x| oracle::requantize_one(raw[x], x % n, &r, -128, 127) as i8)
                    .collect();
                assert_eq!(c, want, "{isa} s8");
            }
        }
    }
}

fn close(got: f32, want: f64, bound: f64, what: &str) {
    assert!(
        (got as f64 - want).abs() <= bound,
        "{what}: got {got}, want {want}, bound {bound}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn igemm_every_level_matches_oracle(
        m in 0usize..20, n in 0usize..40, k in 0usize..70, signs in 0u8..4, a_cm: bool,
        extremes: bool, pipe in 0u8..4, allow: bool, seed: u64,
    ) {
        match signs {
            0 => igemm_case::<u8, i8>(m, n, k, a_cm, extremes, pipe, allow, seed),
            1 => igemm_case::<u8, u8>(m, n, k, a_cm, extremes, pipe, allow, seed),
            2 => igemm_case::<i8, i8>(m, n, k, a_cm, extremes, pipe, allow, seed),
            _ => igemm_case::<i8, u8>(m, n, k, a_cm, extremes, pipe, allow, seed),
        }
    }

    #[test]
    fn quantized_linear_levels_agree_within_bound(
        m in 0usize..8, n in 0usize..24, k in 0usize..60, per_tensor: bool, seed: u64,
    ) {
        let mut rng = Rng(seed | 1);
        let w: Vec<f32> = (0..n * k).map(|_| rng.f32() / 16.0).collect();
        let x: Vec<f32> = (0..m * k).map(|_| rng.f32()).collect();
        let bias: Vec<f32> = (0..n).map(|_| rng.f32()).collect();
        let mode = if per_tensor { ActivationQuantization::PerTensor } else { ActivationQuantization::PerRow };
        let mut first: Option<Vec<f32>> = None;
        for ctx in contexts(1 + (seed % 3) as usize) {
            let lin = QuantizedLinear::new(&ctx, MatRef::new(&w, n, k, k.max(1), 1).unwrap(), Some(&bias), mode).unwrap();
            let mut y = vec![0f32; m * n];
            lin.forward(&ctx, MatRef::new(&x, m, k, k.max(1), 1).unwrap(), MatMut::new(&mut y, m, n, n.max(1), 1).unwrap()).unwrap();
            if let Some(f) = &first {
                prop_assert_eq!(f, &y, "{} differs", ctx.isa());
                continue;
            }
            let sw = lin.weight_scales();
            let (tlo, thi) = x.iter().fold((0f32, 0f32), |(l, h), &v| (l.min(v), h.max(v)));
            for i in 0..m {
                let row = &x[i * k..(i + 1) * k];
                let (lo, hi) = if per_tensor { (tlo, thi) } else { row.iter().fold((0f32, 0f32), |(l, h), &v| (l.min(v), h.max(v))) };
                // The step the library really quantized with: the f32 scale (for a
                    // subnormal range, f32 rounding makes it coarser than the f64 one).
                    let sx = ((hi - lo) / 255.0f32) as f64;
                    if sx > 0.0 && sx < f32::MIN_POSITIVE as f64 {
                        // A subnormal activation step: f32 cannot carry the scale
                        // products to the stated bound (documented on QuantizedLinear).
                        continue;
                    }
                for j in 0..n {
                    let (mut want, mut bound, mut mag) = (bias[j] as f64, 0.0, bias[j].abs() as f64);
                    for kk in 0..k {
                        let (xv, wv) = (row[kk] as f64, w[j * k + kk] as f64);
                        want += xv * wv;
                        mag += (xv * wv).abs();
                        bound += xv.abs() * sw[j] as f64 / 2.0 + wv.abs() * sx / 2.0 + sx * sw[j] as f64 / 4.0;
                    }
                    close(y[i * n + j], want, bound * 1.0001 + 1e-5 * (mag + bound), "linear");
                }
            }
            first = Some(y);
        }
    }

    #[test]
    fn dot_pairs_every_level(len in 0usize..300, seed: u64) {
        let mut rng = Rng(seed | 1);
        let a: Vec<f32> = (0..len).map(|_| rng.f32()).collect();
        let b: Vec<f32> = (0..len).map(|_| rng.f32()).collect();
        let ah: Vec<bf16> = a.iter().map(|&v| bf16::from_f32(v)).collect();
        let bh: Vec<bf16> = b.iter().map(|&v| bf16::from_f32(v)).collect();
        let ag: Vec<f16> = a.iter().map(|&v| f16::from_f32(v)).collect();
        let bg: Vec<f16> = b.iter().map(|&v| f16::from_f32(v)).collect();
        let a8: Vec<i8> = (0..len).map(|_| rng.byte() as i8).collect();
        let bu: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        let eps = (len as f64 + 4.0) / 8_388_608.0;
        for ctx in contexts(1) {
            let isa = ctx.isa();
            close(dot::dot_f32(&ctx, &a, &b).unwrap(), dref::dot(&a, &b), eps * dref::dot_abs(&a, &b), &format!("{isa} dot_f32"));
            close(dot::l2_squared_f32(&ctx, &a, &b).unwrap(), dref::l2_squared(&a, &b), eps * dref::l2_squared(&a, &b), &format!("{isa} l2_f32"));
            close(dot::dot_bf16(&ctx, &ah, &bh).unwrap(), dref::dot(&ah, &bh), eps * dref::dot_abs(&ah, &bh), &format!("{isa} dot_bf16"));
            close(dot::dot_f16(&ctx, &ag, &bg).unwrap(), dref::dot(&ag, &bg), eps * dref::dot_abs(&ag, &bg), &format!("{isa} dot_f16"));
            prop_assert_eq!(dot::dot_u8s8(&ctx, &bu, &a8).unwrap() as i64, dref::dot_i64(&bu, &a8));
            prop_assert_eq!(dot::dot_s8(&ctx, &a8, &a8).unwrap() as i64, dref::dot_i64(&a8, &a8));
            prop_assert_eq!(dot::l2_squared_u8(&ctx, &bu, &bu).unwrap(), 0);
        }
    }

    #[test]
    fn scans_and_top_k_every_level(rows in 0usize..300, d in 0usize..40, pad in 0usize..3, k in 0usize..20, l2: bool, nq in 0usize..4, seed: u64) {
        let mut rng = Rng(seed | 1);
        let rs = d + pad;
        let len = if rows == 0 { 0 } else { (rows - 1) * rs + d };
        let db8: Vec<i8> = (0..len).map(|_| rng.byte() as i8).collect();
        let dbf: Vec<f32> = (0..len).map(|_| rng.f32()).collect();
        let q8: Vec<i8> = (0..d).map(|_| rng.byte() as i8).collect();
        let qf: Vec<f32> = (0..d).map(|_| rng.f32()).collect();
        let qs8: Vec<i8> = (0..nq * d).map(|_| rng.byte() as i8).collect();
        let (metric, rm) = if l2 { (Metric::L2Squared, dref::RefMetric::L2Squared) } else { (Metric::InnerProduct, dref::RefMetric::InnerProduct) };
        let v8 = MatRef::new(&db8, rows, d, rs.max(1), 1).unwrap();
        let vf = MatRef::new(&dbf, rows, d, rs.max(1), 1).unwrap();
        let want8: Vec<i32> = dref::scan_scores(&q8, &db8, rows, rs, rm).iter().map(|&v| v as i32).collect();
        let wantf = dref::scan_scores(&qf, &dbf, rows, rs, rm);
        for ctx in contexts(1 + (seed % 3) as usize) {
            let mut out8 = vec![0i32; rows];
            dot::scan_scores(&ctx, &q8, v8, metric, &mut out8).unwrap();
            prop_assert_eq!(&out8, &want8);
            let top: Vec<(usize, i32)> = dot::scan_top_k(&ctx, &q8, v8, metric, k).unwrap().iter().map(|n| (n.index, n.score)).collect();
            prop_assert_eq!(top, dref::top_k(&want8, k, rm));
            let mut outf = vec![0f32; rows];
            dot::scan_scores(&ctx, &qf, vf, metric, &mut outf).unwrap();
            for r in 0..rows {
                let row = &dbf[r * rs..r * rs + d];
                let mag = if l2 { wantf[r] } else { dref::dot_abs(&qf, row) };
                close(outf[r], wantf[r], (d as f64 + 4.0) / 8_388_608.0 * mag, "scan f32");
            }
            let topf: Vec<(usize, f32)> = dot::scan_top_k(&ctx, &qf, vf, metric, k).unwrap().iter().map(|n| (n.index, n.score)).collect();
            prop_assert_eq!(topf, dref::top_k(&outf, k, rm));
            let many = dot::scan_many_top_k(&ctx, MatRef::new(&qs8, nq, d, d.max(1), 1).unwrap(), v8, metric, k).unwrap();
            for (i, got) in many.iter().enumerate() {
                let one = dot::scan_top_k(&ctx, &qs8[i * d..(i + 1) * d], v8, metric, k).unwrap();
                prop_assert_eq!(got, &one);
            }
        }
    }

    #[test]
    fn sgemm_every_level_and_raw_entry(
        m in 0usize..30, n in 0usize..30, k in 0usize..50, a_t: bool, b_t: bool,
        ab in prop::sample::select(vec![(1.0f32, 0.0f32), (0.5, 1.0), (-2.0, 0.25), (0.0, 3.0)]), seed: u64,
    ) {
        let (alpha, beta) = ab;
        let mut rng = Rng(seed | 1);
        let a_data: Vec<f32> = (0..m * k).map(|_| rng.f32()).collect();
        let b_data: Vec<f32> = (0..k * n).map(|_| rng.f32()).collect();
        let c_data: Vec<f32> = (0..m * n).map(|_| rng.f32()).collect();
        let a = if a_t { MatRef::new(&a_data, m, k, 1, m.max(1)).unwrap() } else { MatRef::new(&a_data, m, k, k.max(1), 1).unwrap() };
        let b = if b_t { MatRef::new(&b_data, k, n, 1, k.max(1)).unwrap() } else { MatRef::new(&b_data, k, n, n.max(1), 1).unwrap() };
        let mut want = c_data.clone();
        lowp_reference::sgemm::sgemm(alpha, a, b, beta, MatMut::new(&mut want, m, n, n.max(1), 1).unwrap()).unwrap();
        let check = |got: &[f32], what: &str| {
            for i in 0..m {
                for j in 0..n {
                    let abs: f64 = (0..k).map(|p| (*a.get(i, p).unwrap() as f64 * *b.get(p, j).unwrap() as f64).abs()).sum();
                    let mag = alpha.abs() as f64 * abs + (beta as f64 * c_data[i * n + j] as f64).abs();
                    close(got[i * n + j], want[i * n + j] as f64, (k as f64 + 4.0) * f32::EPSILON as f64 * mag + 1e-30, &format!("{what} ({i},{j})"));
                }
            }
        };
        for ctx in contexts(1 + (seed % 3) as usize) {
            let mut c = c_data.clone();
            lowp::sgemm(&ctx, alpha, a, b, beta, MatMut::new(&mut c, m, n, n.max(1), 1).unwrap()).unwrap();
            check(&c, &format!("{} sgemm", ctx.isa()));
            let packed = lowp::PackedB::<f32>::new(&ctx, b).unwrap();
            let mut cp = c_data.clone();
            lowp::sgemm_packed(&ctx, alpha, a, &packed, beta, MatMut::new(&mut cp, m, n, n.max(1), 1).unwrap()).unwrap();
            check(&cp, &format!("{} sgemm_packed", ctx.isa()));
        }
        if m > 0 && n > 0 {
            // The raw entry with C's rows reversed (negative row stride).
            let mut c = vec![0f32; m * n];
            for i in 0..m {
                c[(m - 1 - i) * n..(m - i) * n].copy_from_slice(&c_data[i * n..(i + 1) * n]);
            }
            let (rsa, csa) = (a.row_stride() as isize, a.col_stride() as isize);
            let (rsb, csb) = (b.row_stride() as isize, b.col_stride() as isize);
            // SAFETY: A and B are exactly the views above (in bounds); C
            // starts at its last row and steps back one row per i, so every
            // (i, j) lies in `c`; the three buffers are distinct.
            unsafe {
                lowp::raw::sgemm(m, k, n, alpha, a_data.as_ptr(), rsa, csa, b_data.as_ptr(), rsb, csb, beta,
                    c.as_mut_ptr().add((m - 1) * n), -(n as isize), 1);
            }
            let mut back = vec![0f32; m * n];
            for i in 0..m {
                back[i * n..(i + 1) * n].copy_from_slice(&c[(m - 1 - i) * n..(m - i) * n]);
            }
            check(&back, "raw::sgemm");
        }
    }

    #[test]
    fn zero_size_views_with_any_dims_never_panic(big in prop::sample::select(vec![0usize, 1, 7, 4096, usize::MAX / 2, usize::MAX - 1, usize::MAX]), which in 0u8..4) {
        let ctx = Context::builder().threads(1).ignore_env().build().unwrap();
        let e: [i8; 0] = [];
        let ef: [f32; 0] = [];
        match which {
            0 => {
                // A huge × 0, B 0 × 0, C huge × 0.
                let b = pack(&ctx, MatRef::new(&e, 0, 0, 1, 1).unwrap(), WeightZeroPoint::PerTensor(0)).unwrap();
                let mut c: [i32; 0] = [];
                let r = igemm(&ctx, MatRef::new(&e, big, 0, 1, 1).unwrap(), 0, &b, Output::S32 { c: MatMut::new(&mut c, big, 0, 1, 1).unwrap(), accumulate: false });
                prop_assert!(r.is_ok(), "{r:?}");
            }
            1 => {
                let r = pack(&ctx, MatRef::new(&e, big, 0, 1, 1).unwrap(), WeightZeroPoint::PerTensor(0));
                prop_assert!(r.is_ok() == (big <= MAX_K), "{r:?}");
            }
            2 => {
                let r = QuantizedLinear::new(&ctx, MatRef::new(&ef, 0, big, 1, 1).unwrap(), None, ActivationQuantization::PerRow);
                prop_assert!(r.is_ok() == (big <= MAX_K), "{r:?}");
            }
            _ => {
                let r = dot::scan_top_k(&ctx, &e, MatRef::new(&e, big, 0, 1, 1).unwrap(), Metric::InnerProduct, 3);
                let want: Vec<Neighbor<i32>> = (0..3.min(big)).map(|index| Neighbor { index, score: 0 }).collect();
                prop_assert_eq!(r.unwrap(), want);
            }
        }
    }
}

#[test]
fn invalid_arguments_are_refused_by_name() {
    let ctx = Context::builder().threads(1).ignore_env().build().unwrap();
    let w = [1i8; 12];
    let b = pack(
        &ctx,
        MatRef::row_major(&w, 3, 4).unwrap(),
        WeightZeroPoint::PerTensor(0),
    )
    .unwrap();
    let a = [1u8; 6];
    let av = MatRef::row_major(&a, 2, 3).unwrap();
    let mut c = [0f32; 8];
    let bad_scale = [1.0f32, 2.0, 3.0];
    let r = igemm(
        &ctx,
        av,
        0,
        &b,
        Output::F32 {
            c: MatMut::row_major(&mut c, 2, 4).unwrap(),
            dequantize: Dequantize::new(Scale::PerColumn(&bad_scale)),
        },
    );
    assert!(
        matches!(&r, Err(Error::ShapeMismatch { msg }) if msg.contains("scale")),
        "{r:?}"
    );
    let r = igemm(
        &ctx,
        av,
        0,
        &b,
        Output::F32 {
            c: MatMut::row_major(&mut c, 2, 4).unwrap(),
            dequantize: Dequantize::new(Scale::PerTensor(f32::NAN)),
        },
    );
    assert!(
        matches!(r, Err(Error::InvalidParameter { arg: "scale", .. })),
        "{r:?}"
    );
    let r = igemm(
        &ctx,
        av,
        300,
        &b,
        Output::F32 {
            c: MatMut::row_major(&mut c, 2, 4).unwrap(),
            dequantize: Dequantize::new(Scale::PerTensor(1.0)),
        },
    );
    assert!(
        matches!(
            r,
            Err(Error::InvalidParameter {
                arg: "a_zero_point",
                ..
            })
        ),
        "{r:?}"
    );
    let mut c2 = [0f32; 6];
    let r = igemm(
        &ctx,
        av,
        0,
        &b,
        Output::F32 {
            c: MatMut::row_major(&mut c2, 2, 3).unwrap(),
            dequantize: Dequantize::new(Scale::PerTensor(1.0)),
        },
    );
    assert!(
        matches!(&r, Err(Error::ShapeMismatch { msg }) if msg.contains('c')),
        "{r:?}"
    );
    // An empty output still refuses bad pipeline parameters.
    let mut c0: [u8; 0] = [];
    let a0 = MatRef::row_major(&a, 0, 3).unwrap();
    let req = Requantize {
        clamp: Some((10, 5)),
        ..Requantize::new(Scale::PerTensor(1.0), 0)
    };
    let r = igemm(
        &ctx,
        a0,
        0,
        &b,
        Output::U8 {
            c: MatMut::row_major(&mut c0, 0, 4).unwrap(),
            requantize: req,
        },
    );
    assert!(
        matches!(
            r,
            Err(Error::InvalidParameter {
                arg: "requantize.clamp",
                ..
            })
        ),
        "{r:?}"
    );
    // Overflowing strides never make a view.
    assert!(MatRef::new(&a, 2, 2, usize::MAX / 2, 1).is_err());
    assert!(MatRef::new(&a, 2, 2, isize::MAX as usize, 1).is_err());
    // Dot lengths and scans.
    assert!(matches!(
        dot::dot_f32(&ctx, &[1.0], &[1.0, 2.0]),
        Err(Error::ShapeMismatch { .. })
    ));
    let long = vec![0i8; dot::MAX_LEN_S8 + 1];
    assert!(matches!(
        dot::dot_s8(&ctx, &long, &long),
        Err(Error::Overflow { arg: "a", .. })
    ));
    let db = [0i8; 8];
    let r = dot::scan_top_k(
        &ctx,
        &[0i8, 0],
        MatRef::new(&db, 2, 2, 4, 2).unwrap(),
        Metric::L2Squared,
        1,
    );
    assert!(matches!(r, Err(Error::InvalidStride { arg: "db", .. })), "{r:?}");
    // NaN propagates through f32 dot products and distances.
    assert!(dot::dot_f32(&ctx, &[1.0, f32::NAN], &[1.0, 1.0])
        .unwrap()
        .is_nan());
    assert_eq!(
        dot::l2_squared_f32(&ctx, &[f32::INFINITY], &[1.0]).unwrap(),
        f32::INFINITY
    );
    // Non-finite index inputs are refused by name.
    let r = QuantizedS8::quantize(
        MatRef::row_major(&[1.0, f32::INFINITY], 1, 2).unwrap(),
        QuantScheme::PerVector,
    );
    assert!(
        matches!(r, Err(Error::InvalidParameter { arg: "db", .. })),
        "{r:?}"
    );
}

/// fuzz/igemm found: the requantize oracle added the zero point to a
/// saturated `y as i64` (scale 1e20 makes y huge) and overflowed.
#[test]
fn regression_requantize_oracle_huge_scale() {
    let p = Requantize::new(Scale::PerTensor(1e20), 100);
    assert_eq!(oracle::requantize_one(1_000_000, 0, &p, 0, 255), 255);
    assert_eq!(oracle::requantize_one(-1_000_000, 0, &p, 0, 255), 0);
    let p = Requantize::new(Scale::PerTensor(f32::MAX), -5);
    assert_eq!(oracle::requantize_one(i32::MAX, 0, &p, -128, 127), 127);
    // And the fast path agrees on every level.
    let a = [255u8, 255, 0, 7];
    let w = [127i8, 127, -128, 3];
    for ctx in contexts(1) {
        let b = pack(
            &ctx,
            MatRef::row_major(&w, 2, 2).unwrap(),
            WeightZeroPoint::PerTensor(0),
        )
        .unwrap();
        let mut c = [0u8; 4];
        let p = Requantize::new(Scale::PerTensor(1e20), 100);
        igemm(
            &ctx,
            MatRef::row_major(&a, 2, 2).unwrap(),
            0,
            &b,
            Output::U8 {
                c: MatMut::row_major(&mut c, 2, 2).unwrap(),
                requantize: p,
            },
        )
        .unwrap();
        let raw = oracle::igemm_s32(
            MatRef::row_major(&a, 2, 2).unwrap(),
            0,
            MatRef::row_major(&w, 2, 2).unwrap(),
            &WeightZeroPoint::PerTensor(0),
            Saturation::Exact,
        );
        let want: Vec<u8> = raw
            .iter()
            .map(|&v| oracle::requantize_one(v, 0, &p, 0, 255) as u8)
            .collect();
        assert_eq!(c.to_vec(), want, "{}", ctx.isa());
    }
}

/// fuzz/api_misuse found: `QuantizedLinear::new` on a zero-size weight view
/// claiming a huge dimension allocated per feature and panicked (capacity
/// overflow). The same shape reached `PackedI8Weights::pack` (per-column
/// sums for N columns) and `igemm`/`forward` (per-row state for M rows when
/// the output is empty). Now: `Err` naming the argument, or `Ok` with
/// nothing to compute.
#[test]
fn regression_zero_size_views_with_huge_dims() {
    let ctx = Context::builder().threads(1).ignore_env().build().unwrap();
    let ef: [f32; 0] = [];
    let e8: [i8; 0] = [];
    let huge = usize::MAX - 3;
    let r = QuantizedLinear::new(
        &ctx,
        MatRef::new(&ef, huge, 0, 1, 1).unwrap(),
        None,
        ActivationQuantization::PerRow,
    );
    assert!(matches!(r, Err(Error::Overflow { arg: "weight", .. })), "{r:?}");
    let r = QuantizedLinear::new(
        &ctx,
        MatRef::new(&ef, 0, huge, 1, 1).unwrap(),
        None,
        ActivationQuantization::PerRow,
    );
    assert!(matches!(r, Err(Error::Overflow { arg: "weight", .. })), "{r:?}");
    let r = pack(
        &ctx,
        MatRef::new(&e8, 0, huge, 1, 1).unwrap(),
        WeightZeroPoint::PerTensor(0),
    );
    assert!(matches!(r, Err(Error::Overflow { arg: "b", .. })), "{r:?}");
    // M huge, K = N = 0: nothing to compute.
    let lin = QuantizedLinear::new(
        &ctx,
        MatRef::new(&ef, 0, 0, 1, 1).unwrap(),
        None,
        ActivationQuantization::PerTensor,
    )
    .unwrap();
    let mut y: [f32; 0] = [];
    lin.forward(
        &ctx,
        MatRef::new(&ef, huge, 0, 1, 1).unwrap(),
        MatMut::new(&mut y, huge, 0, 1, 1).unwrap(),
    )
    .unwrap();
    let b = pack(
        &ctx,
        MatRef::new(&e8, 0, 0, 1, 1).unwrap(),
        WeightZeroPoint::PerTensor(0),
    )
    .unwrap();
    let mut c: [i32; 0] = [];
    igemm(
        &ctx,
        MatRef::new(&e8, huge, 0, 1, 1).unwrap(),
        0,
        &b,
        Output::S32 {
            c: MatMut::new(&mut c, huge, 0, 1, 1).unwrap(),
            accumulate: false,
        },
    )
    .unwrap();
    // A C of the wrong shape is refused before A is packed.
    let mut c1 = [0i32; 1];
    let r = igemm(
        &ctx,
        MatRef::new(&e8, huge, 0, 1, 1).unwrap(),
        0,
        &b,
        Output::S32 {
            c: MatMut::new(&mut c1, 1, 1, 1, 1).unwrap(),
            accumulate: false,
        },
    );
    assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
}

/// fuzz/api_misuse found: `QuantizedS8::quantize` on a zero-size view with
/// a huge row count allocated per-row scales and panicked (capacity
/// overflow). The same views made `scan_top_k` / `scan_many_top_k` loop
/// over every (empty) row, and `scan_many_top_k` allocate one list per
/// claimed query.
#[test]
fn regression_zero_dim_scans_and_index_with_huge_rows() {
    let ctx = Context::builder().threads(2).ignore_env().build().unwrap();
    let ef: [f32; 0] = [];
    let e8: [i8; 0] = [];
    let huge = usize::MAX - 7;
    let r = QuantizedS8::quantize(MatRef::new(&ef, huge, 0, 1, 1).unwrap(), QuantScheme::PerVector);
    assert!(matches!(r, Err(Error::Overflow { arg: "db", .. })), "{r:?}");
    let top = dot::scan_top_k(
        &ctx,
        &e8,
        MatRef::new(&e8, huge, 0, 1, 1).unwrap(),
        Metric::L2Squared,
        4,
    )
    .unwrap();
    let want: Vec<Neighbor<i32>> = (0..4).map(|index| Neighbor { index, score: 0 }).collect();
    assert_eq!(top, want);
    let many = dot::scan_many_top_k(
        &ctx,
        MatRef::new(&e8, 2, 0, 1, 1).unwrap(),
        MatRef::new(&e8, huge, 0, 1, 1).unwrap(),
        Metric::InnerProduct,
        4,
    )
    .unwrap();
    assert_eq!(many, vec![want.clone(), want]);
    let r = dot::scan_many_top_k(
        &ctx,
        MatRef::new(&e8, huge, 0, 1, 1).unwrap(),
        MatRef::new(&e8, 3, 0, 1, 1).unwrap(),
        Metric::InnerProduct,
        4,
    );
    assert!(matches!(r, Err(Error::Overflow { arg: "queries", .. })), "{r:?}");
    // Small zero-length scans agree with the general path's rule.
    let top = dot::scan_top_k(
        &ctx,
        &ef,
        MatRef::new(&ef, 5, 0, 1, 1).unwrap(),
        Metric::InnerProduct,
        9,
    )
    .unwrap();
    assert_eq!(
        top.iter().map(|n| n.index).collect::<Vec<_>>(),
        vec![0, 1, 2, 3, 4]
    );
}

/// Regression (fuzz/qlinear, CI smoke): a weight row whose largest magnitude
/// is a few subnormal steps quantized to scale 0 (amax/127 underflowed), and
/// `forward` then refused its own finite input ("scale[j] = 0").
#[test]
fn regression_subnormal_weight_row_keeps_a_positive_scale() {
    use lowp::igemm::{ActivationQuantization, QuantizedLinear};
    let tiny = f32::from_bits(3); // 3 subnormal steps: 3/127 of a step underflows
    let w = [tiny, 0.0, 1.0, -2.0]; // 2 outputs x 2 inputs
    for isa in Isa::available() {
        let ctx = Context::builder().max_isa(isa).threads(1).build().unwrap();
        let lin = QuantizedLinear::new(
            &ctx,
            MatRef::row_major(&w, 2, 2).unwrap(),
            None,
            ActivationQuantization::PerRow,
        )
        .unwrap();
        assert!(
            lin.weight_scales().iter().all(|&s| s > 0.0),
            "{isa}: {:?}",
            lin.weight_scales()
        );
        let x = [1.0f32, 2.0];
        let mut y = [f32::NAN; 2];
        lin.forward(
            &ctx,
            MatRef::row_major(&x, 1, 2).unwrap(),
            MatMut::row_major(&mut y, 1, 2).unwrap(),
        )
        .unwrap();
        assert!(y[0].abs() < 1e-30, "{isa}: {y:?}");
        assert!((y[1] - (-3.0)).abs() < 0.05, "{isa}: {y:?}");
    }
}
