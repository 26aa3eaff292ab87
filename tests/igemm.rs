//! INT8 GEMM against the oracle on every available ISA level: all sign
//! combinations, zero points, every output pipeline, both saturation modes,
//! awkward shapes and adversarial values.

use lowp::igemm::{
    igemm, Activation, ActivationQuantization, Dequantize, KernelPreference, Output, PackOptions,
    PackedI8Weights, QuantizedLinear, Requantize, Saturation, Scale, WeightZeroPoint,
};
use lowp::{Context, Error, Isa, MatMut, MatRef};
use lowp_reference::igemm as oracle;
use proptest::prelude::*;

mod common;

use common::{ctx, igemm_s32, pack, s32_out, with_preference, with_saturation, FromByte, Rng};

/// Row-major view that tolerates 0 columns.
fn rm<T>(d: &[T], r: usize, c: usize) -> MatRef<'_, T> {
    MatRef::new(d, r, c, c.max(1), 1).unwrap()
}
/// Column-major view that tolerates 0 rows.
fn cm<T>(d: &[T], r: usize, c: usize) -> MatRef<'_, T> {
    MatRef::new(d, r, c, 1, r.max(1)).unwrap()
}
fn rm_mut<T>(d: &mut [T], r: usize, c: usize) -> MatMut<'_, T> {
    MatMut::new(d, r, c, c.max(1), 1).unwrap()
}
fn cm_mut<T>(d: &mut [T], r: usize, c: usize) -> MatMut<'_, T> {
    MatMut::new(d, r, c, 1, r.max(1)).unwrap()
}

/// Levels whose main kernel is the `vpmaddubsw` chain (or its scalar model).
fn chain_level(c: &Context) -> bool {
    c.kernels().igemm.main.saturates
}

/// Draws from the shared generator (`common::Rng`).
impl Rng {
    fn byte(&mut self) -> u8 {
        (self.next() >> 32) as u8
    }
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i32
    }
}

/// Values: 0 uniform, 1 only the type's extremes, 2 small (|v| ≤ 60 in
/// the kernel's domain: chain-safe), 3 per column: half small, half extreme.
fn values<T: FromByte>(rng: &mut Rng, len: usize, cols: usize, mode: u8) -> Vec<T> {
    let ext = |rng: &mut Rng| if rng.next() & 1 == 0 { T::MIN } else { T::MAX };
    let small = |rng: &mut Rng| {
        let mid = if T::SIGNED { 0 } else { 128 };
        mid + rng.range(-60, 60)
    };
    (0..len)
        .map(|i| {
            let v = match mode {
                0 => return T::from_byte(rng.byte()),
                1 => ext(rng),
                2 => small(rng),
                _ => {
                    if (i % cols.max(1)) % 40 < 20 {
                        small(rng)
                    } else {
                        ext(rng)
                    }
                }
            };
            T::from_byte(v as u8)
        })
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum OutKind {
    S32,
    S32Acc,
    F32,
    U8,
    S8,
}

#[derive(Debug, Clone)]
struct Case {
    m: usize,
    n: usize,
    k: usize,
    a_col_major: bool,
    b_col_major: bool,
    a_mode: u8,
    b_mode: u8,
    zp_mode: u8,
    per_col: bool,
    out: OutKind,
    threads: usize,
    seed: u64,
}

/// Runs a requantized GEMM into a fresh `m × n` output of `T`, returning
/// the values as i32.
fn requantized<T: Copy + Default + Into<i32>>(
    m: usize,
    n: usize,
    run: impl FnOnce(MatMut<'_, T>) -> lowp::Result<()>,
) -> lowp::Result<Vec<i32>> {
    let mut g = vec![T::default(); m * n];
    run(rm_mut(&mut g, m, n))?;
    Ok(g.into_iter().map(Into::into).collect())
}

fn run_case<A: FromByte, B: FromByte>(case: &Case) {
    let mut rng = Rng(case.seed | 1);
    let (m, n, k) = (case.m, case.n, case.k);
    let a_vals: Vec<A> = values(&mut rng, m * k, k, case.a_mode);
    let b_vals: Vec<B> = values(&mut rng, k * n, n, case.b_mode);
    let a = if case.a_col_major {
        cm(&a_vals, m, k)
    } else {
        rm(&a_vals, m, k)
    };
    let b = if case.b_col_major {
        cm(&b_vals, k, n)
    } else {
        rm(&b_vals, k, n)
    };
    let zp = |rng: &mut Rng, lo: i32, hi: i32| match case.zp_mode {
        0 => 0,
        1 => rng.range(lo, hi),
        _ => {
            if rng.next() & 1 == 0 {
                lo
            } else {
                hi
            }
        }
    };
    let za = zp(&mut rng, A::MIN, A::MAX);
    let zb_cols: Vec<i32> = (0..n).map(|_| zp(&mut rng, B::MIN, B::MAX)).collect();
    let zb_t = zp(&mut rng, B::MIN, B::MAX);
    let zb = if case.per_col {
        WeightZeroPoint::PerColumn(&zb_cols)
    } else {
        WeightZeroPoint::PerTensor(zb_t)
    };
    let scales: Vec<f32> = (0..n).map(|_| rng.range(1, 1000) as f32 * 1.7e-4).collect();
    let fbias: Vec<f32> = (0..n).map(|_| rng.range(-500, 500) as f32 * 0.01).collect();
    let ibias: Vec<i32> = (0..n).map(|_| rng.range(-3000, 3000)).collect();
    let scale = if case.per_col {
        Scale::PerColumn(&scales)
    } else {
        Scale::PerTensor(scales.first().copied().unwrap_or(0.01))
    };
    let act = match rng.range(0, 2) {
        0 => Activation::Identity,
        1 => Activation::Relu,
        _ => Activation::Clamp { min: -3.0, max: 5.5 },
    };
    let relu = rng.next() & 1 == 0;
    let clamp = if rng.next() & 1 == 0 {
        Some((-100, 120))
    } else {
        None
    };
    let out_zp = |rng: &mut Rng, lo: i32, hi: i32| rng.range(lo, hi);
    let zp_u8 = out_zp(&mut rng, 0, 255);
    let zp_s8 = out_zp(&mut rng, -128, 127);
    let init: Vec<i32> = (0..m * n).map(|_| rng.range(-1000, 1000)).collect();

    for isa in Isa::available() {
        let c = ctx(isa, case.threads);
        for sat in [Saturation::Exact, Saturation::Allow] {
            let packed = PackedI8Weights::pack(&c, b, zb, with_saturation(sat)).unwrap();
            let model = if chain_level(&c) { sat } else { Saturation::Exact };
            let want = oracle::igemm_s32(a, za, b, &zb, model);
            let ctxt = format!("{isa} {sat:?} {case:?} za={za}");
            match case.out {
                OutKind::S32 | OutKind::S32Acc => {
                    let acc = matches!(case.out, OutKind::S32Acc);
                    let mut got = if acc { init.clone() } else { vec![7; m * n] };
                    let cm = rm_mut(&mut got, m, n);
                    igemm(
                        &c,
                        a,
                        za,
                        &packed,
                        Output::S32 {
                            c: cm,
                            accumulate: acc,
                        },
                    )
                    .unwrap();
                    let want: Vec<i32> = if acc {
                        want.iter().zip(&init).map(|(w, i)| w.wrapping_add(*i)).collect()
                    } else {
                        want
                    };
                    assert_eq!(got, want, "{ctxt}");
                }
                OutKind::F32 => {
                    let dq = Dequantize {
                        scale,
                        bias: Some(&fbias),
                        activation: act,
                    };
                    // Column-major output: the store handles any strides.
                    let mut got = vec![f32::NAN; m * n];
                    let cm = cm_mut(&mut got, m, n);
                    igemm(
                        &c,
                        a,
                        za,
                        &packed,
                        Output::F32 {
                            c: cm,
                            dequantize: dq,
                        },
                    )
                    .unwrap();
                    for i in 0..m {
                        for j in 0..n {
                            let w = oracle::dequantize_one(want[i * n + j], j, &scale, Some(&fbias), act);
                            assert_eq!(got[j * m + i], w, "{ctxt} at ({i},{j})");
                        }
                    }
                }
                OutKind::U8 | OutKind::S8 => {
                    let signed = matches!(case.out, OutKind::S8);
                    let (qmin, qmax, zp) = if signed {
                        (-128, 127, zp_s8)
                    } else {
                        (0, 255, zp_u8)
                    };
                    let rq = Requantize {
                        bias: Some(&ibias),
                        relu,
                        clamp,
                        ..Requantize::new(scale, zp)
                    };
                    let (lo, hi) = oracle::bounds(&rq, qmin, qmax);
                    let got = if signed {
                        requantized::<i8>(m, n, |g| {
                            let out = Output::S8 { c: g, requantize: rq };
                            igemm(&c, a, za, &packed, out)
                        })
                    } else {
                        requantized::<u8>(m, n, |g| {
                            let out = Output::U8 { c: g, requantize: rq };
                            igemm(&c, a, za, &packed, out)
                        })
                    };
                    let got = match got {
                        Ok(got) => got,
                        Err(e) => {
                            // Only an empty output range is refused.
                            assert!(
                                lo > hi && matches!(e, Error::InvalidParameter { .. }),
                                "{ctxt}: {e}"
                            );
                            continue;
                        }
                    };
                    assert!(lo <= hi, "{ctxt}: an empty range [{lo}, {hi}] was accepted");
                    for i in 0..m {
                        for j in 0..n {
                            let w = oracle::requantize_one(want[i * n + j], j, &rq, qmin, qmax);
                            assert_eq!(got[i * n + j], w, "{ctxt} at ({i},{j})");
                        }
                    }
                }
            }
        }
    }
}

fn dims() -> impl Strategy<Value = usize> {
    prop_oneof![Just(0usize), Just(1), 1usize..80, Just(97)]
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            dims(),
            dims(),
            prop_oneof![Just(0usize), Just(1), 1usize..90, Just(131)],
        ),
        (
            any::<bool>(),
            any::<bool>(),
            0u8..4,
            0u8..4,
            0u8..3,
            any::<bool>(),
        ),
        (0u8..5, 1usize..3, any::<u64>()),
    )
        .prop_map(|((m, n, k), (acm, bcm, am, bm, zpm, pc), (o, t, seed))| Case {
            m,
            n,
            k,
            a_col_major: acm,
            b_col_major: bcm,
            a_mode: am,
            b_mode: bm,
            zp_mode: zpm,
            per_col: pc,
            out: [
                OutKind::S32,
                OutKind::S32Acc,
                OutKind::F32,
                OutKind::U8,
                OutKind::S8,
            ][o as usize],
            threads: t,
            seed,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn u8_s8_matches_oracle(c in case()) { run_case::<u8, i8>(&c); }

    #[test]
    fn s8_s8_matches_oracle(c in case()) { run_case::<i8, i8>(&c); }

    #[test]
    fn u8_u8_matches_oracle(c in case()) { run_case::<u8, u8>(&c); }

    #[test]
    fn s8_u8_matches_oracle(c in case()) { run_case::<i8, u8>(&c); }
}

/// Every ISA × both modes on the values that make the chain saturate.
#[test]
fn adversarial_values_saturate_only_when_allowed() {
    let (m, n, k) = (17, 70, 37);
    let patterns: Vec<(&str, Vec<u8>, Vec<i8>)> = vec![
        ("255 x 127", vec![255; m * k], vec![127; k * n]),
        ("255 x -128", vec![255; m * k], vec![-128; k * n]),
        (
            "alternating",
            (0..m * k).map(|i| if i % 5 == 0 { 0 } else { 255 }).collect(),
            // Pairs along k share a sign; the sign alternates along k and j.
            (0..k * n)
                .map(|i| if ((i / n) / 2 + i % n) % 2 == 0 { 127 } else { -128 })
                .collect(),
        ),
    ];
    for (name, av, bv) in &patterns {
        let a = MatRef::row_major(av, m, k).unwrap();
        let b = MatRef::row_major(bv, k, n).unwrap();
        let zb = WeightZeroPoint::PerTensor(0);
        let exact = oracle::igemm_s32(a, 0, b, &zb, Saturation::Exact);
        let model = oracle::igemm_s32(a, 0, b, &zb, Saturation::Allow);
        assert_ne!(exact, model, "{name}: the pattern must saturate the chain model");
        for isa in Isa::available() {
            for threads in [1, 2] {
                let c = ctx(isa, threads);
                for sat in [Saturation::Exact, Saturation::Allow] {
                    let p = PackedI8Weights::pack(&c, b, zb, with_saturation(sat)).unwrap();
                    let got = igemm_s32(&c, a, 0, &p);
                    let (main, ex) = p.panel_paths();
                    if chain_level(&c) && sat == Saturation::Allow {
                        assert_eq!(got, model, "{name} {isa} Allow");
                        assert_eq!(ex, 0);
                    } else {
                        assert_eq!(got, exact, "{name} {isa} {sat:?}");
                        if chain_level(&c) {
                            assert_eq!(
                                (main, ex),
                                (0, n.div_ceil(p.panel_width())),
                                "{name} {isa}: every panel is unsafe"
                            );
                        }
                    }
                }
            }
        }
    }
}

/// Safe and unsafe panels side by side: the verdict picks per panel.
#[test]
fn panel_verdicts_mix_paths() {
    for isa in Isa::available() {
        let c = ctx(isa, 1);
        let nr = c.kernels().igemm.nr;
        let (m, n, k) = (9, 3 * nr, 10);
        let av: Vec<u8> = (0..m * k).map(|i| (i * 37 % 256) as u8).collect();
        // Panel 1 holds one unsafe pair (127, 127); panels 0 and 2 are small.
        let bv: Vec<i8> = (0..k * n)
            .map(|i| {
                if i % n == nr + 3 && i / n < 2 {
                    127
                } else {
                    (i % 61) as i8 - 30
                }
            })
            .collect();
        let a = MatRef::row_major(&av, m, k).unwrap();
        let b = MatRef::row_major(&bv, k, n).unwrap();
        let zb = WeightZeroPoint::PerTensor(0);
        let p = pack(&c, b, zb).unwrap();
        if chain_level(&c) {
            assert_eq!(p.panel_paths(), (2, 1), "{isa}");
        } else {
            assert_eq!(p.panel_paths(), (3, 0), "{isa}");
        }
        let got = igemm_s32(&c, a, 0, &p);
        assert_eq!(got, oracle::igemm_s32(a, 0, b, &zb, Saturation::Exact), "{isa}");
    }
}

/// Every kernel of every level, forced one at a time, on one problem (raw
/// s32, requantized u8 and dequantized f32 outputs).
#[test]
fn every_kernel_variant_matches() {
    let (m, n, k) = (31, 77, 145);
    let av: Vec<i8> = (0..m * k).map(|i| (i * 91 % 256) as u8 as i8).collect();
    let bv: Vec<u8> = (0..k * n).map(|i| (i * 53 % 256) as u8).collect();
    let a = MatRef::row_major(&av, m, k).unwrap();
    let b = MatRef::col_major(&bv, k, n).unwrap();
    let zb = WeightZeroPoint::PerTensor(3);
    let want = oracle::igemm_s32(a, -7, b, &zb, Saturation::Exact);
    for isa in Isa::available() {
        let c = ctx(isa, 2);
        let t = c.kernels().igemm;
        let mut prefs = vec![KernelPreference::Auto];
        if t.alt.is_some() {
            prefs.push(KernelPreference::Ymm);
        }
        if t.exact.is_some() {
            prefs.push(KernelPreference::ExactS16);
        }
        for pref in [KernelPreference::Ymm, KernelPreference::ExactS16] {
            if !prefs.contains(&pref) {
                let r = PackedI8Weights::pack(&c, b, zb, with_preference(pref));
                assert!(
                    matches!(
                        r,
                        Err(Error::InvalidParameter {
                            arg: "options.preference",
                            ..
                        })
                    ),
                    "{isa}"
                );
            }
        }
        for pref in prefs {
            let p = PackedI8Weights::pack(&c, b, zb, with_preference(pref)).unwrap();
            let got = igemm_s32(&c, a, -7, &p);
            assert_eq!(got, want, "{isa} {pref:?}");
            // The same variant through the row-major pipeline stores and
            // the activation packer (vectorized on AVX-512 levels).
            let scale = Scale::PerTensor(0.0007);
            let mut q = vec![0u8; m * n];
            let rq = Requantize {
                relu: true,
                ..Requantize::new(scale, 11)
            };
            let out = Output::U8 {
                c: MatMut::row_major(&mut q, m, n).unwrap(),
                requantize: rq,
            };
            igemm(&c, a, -7, &p, out).unwrap();
            let mut f = vec![0f32; m * n];
            let dq = Dequantize::new(scale);
            let out = Output::F32 {
                c: MatMut::row_major(&mut f, m, n).unwrap(),
                dequantize: dq,
            };
            igemm(&c, a, -7, &p, out).unwrap();
            for (x, &w) in want.iter().enumerate() {
                let j = x % n;
                assert_eq!(
                    q[x] as i32,
                    oracle::requantize_one(w, j, &rq, 0, 255),
                    "{isa} {pref:?} u8 {x}"
                );
                let wf = oracle::dequantize_one(w, j, &scale, None, Activation::Identity);
                assert_eq!(f[x].to_bits(), wf.to_bits(), "{isa} {pref:?} f32 {x}");
            }
        }
    }
}

/// One-row calls (matrix × vector) on every level, through every output:
/// whole panels run the level's one-row kernel with its fused epilogues
/// (the ymm kernel on avx512vnni), the partial last panel the stores; the
/// requantize bias starts the accumulators, with a zero point on each side.
#[test]
fn one_row_calls_match_oracle_for_every_output() {
    let (m, n, k) = (1, 77, 70);
    let av: Vec<u8> = (0..m * k).map(|i| (i * 113 % 256) as u8).collect();
    let bv: Vec<i8> = (0..k * n).map(|i| (i * 71 % 256) as u8 as i8).collect();
    let (a, b) = (rm(&av, m, k), rm(&bv, k, n));
    let zb = WeightZeroPoint::PerTensor(5);
    let want = oracle::igemm_s32(a, 100, b, &zb, Saturation::Exact);
    let scales: Vec<f32> = (0..n).map(|j| 0.0004 + j as f32 * 0.00003).collect();
    let ibias: Vec<i32> = (0..n).map(|j| j as i32 * 53 - 2000).collect();
    let fbias: Vec<f32> = (0..n).map(|j| j as f32 * 0.25 - 9.0).collect();
    for isa in Isa::available() {
        let c = ctx(isa, 1);
        let p = PackedI8Weights::pack(&c, b, zb, PackOptions::default()).unwrap();
        let mut got = vec![0i32; n];
        igemm(&c, a, 100, &p, s32_out(&mut got, m, n)).unwrap();
        assert_eq!(got, want, "{isa} s32");
        for bias in [None, Some(&ibias[..])] {
            let rq = Requantize {
                bias,
                relu: true,
                ..Requantize::new(Scale::PerColumn(&scales), 7)
            };
            let mut q = vec![0u8; n];
            let out = Output::U8 {
                c: MatMut::row_major(&mut q, m, n).unwrap(),
                requantize: rq,
            };
            igemm(&c, a, 100, &p, out).unwrap();
            for (j, &w) in want.iter().enumerate() {
                assert_eq!(
                    q[j] as i32,
                    oracle::requantize_one(w, j, &rq, 0, 255),
                    "{isa} u8 {bias:?} {j}"
                );
            }
        }
        let dq = Dequantize {
            bias: Some(&fbias),
            ..Dequantize::new(Scale::PerColumn(&scales))
        };
        let mut f = vec![0f32; n];
        let out = Output::F32 {
            c: MatMut::row_major(&mut f, m, n).unwrap(),
            dequantize: dq,
        };
        igemm(&c, a, 100, &p, out).unwrap();
        for (j, &w) in want.iter().enumerate() {
            let wf = oracle::dequantize_one(w, j, &dq.scale, dq.bias, dq.activation);
            assert_eq!(f[j].to_bits(), wf.to_bits(), "{isa} f32 {j}");
        }
    }
}

/// AVX-VNNI (VEX vpdpbusd) is compiled and dispatched; its check runs where
/// the CPU has it.
#[test]
fn avx_vnni_level() {
    if !Isa::Avx2Vnni.is_available() {
        println!("skipped: this CPU lacks AVX-VNNI (avxvnni), so the Avx2Vnni kernels cannot run here");
        assert!(Context::builder().max_isa(Isa::Avx2Vnni).build().is_err());
        return;
    }
    let c = ctx(Isa::Avx2Vnni, 1);
    assert_eq!(c.kernels().igemm.main.name, "igemm_u8s8s32_6x16_avx2vnni");
    let (m, n, k) = (13, 35, 29);
    let av = vec![255u8; m * k];
    let bv = vec![-128i8; k * n];
    let a = MatRef::row_major(&av, m, k).unwrap();
    let b = MatRef::row_major(&bv, k, n).unwrap();
    let zb = WeightZeroPoint::PerTensor(0);
    let p = pack(&c, b, zb).unwrap();
    let got = igemm_s32(&c, a, 0, &p);
    assert_eq!(got, oracle::igemm_s32(a, 0, b, &zb, Saturation::Exact));
}

/// Production's clamp range (`Requantize::output_range`) against the
/// oracle's own, over zero points, ReLU and clamps (empty ranges included).
#[test]
fn output_range_matches_oracle() {
    let edges = [-300, -129, -128, -1, 0, 1, 3, 127, 128, 255, 256, 400];
    let clamps = edges
        .iter()
        .flat_map(|&lo| edges.iter().map(move |&hi| Some((lo, hi))));
    let clamps: Vec<_> = std::iter::once(None).chain(clamps).collect();
    for zp in [-128, -5, 0, 3, 127, 200, 255] {
        for relu in [false, true] {
            for &clamp in &clamps {
                let rq = Requantize {
                    relu,
                    clamp,
                    ..Requantize::new(Scale::PerTensor(1.0), zp)
                };
                assert_eq!(rq.output_range::<u8>(), oracle::bounds(&rq, 0, 255), "{rq:?}");
                assert_eq!(rq.output_range::<i8>(), oracle::bounds(&rq, -128, 127), "{rq:?}");
            }
        }
    }
}

#[test]
fn bad_input_is_refused() {
    let c = ctx(Isa::best(), 1);
    let w = vec![1i8; 8 * 4];
    let b = MatRef::row_major(&w, 8, 4).unwrap();
    let p = pack(&c, b, WeightZeroPoint::PerTensor(0)).unwrap();
    let av = vec![1u8; 2 * 8];
    let a = MatRef::row_major(&av, 2, 8).unwrap();
    let mut out = vec![0i32; 8];
    // Shape mismatches.
    let a7 = MatRef::row_major(&av[..14], 2, 7).unwrap();
    assert!(matches!(
        igemm(&c, a7, 0, &p, s32_out(&mut out, 2, 4)),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        igemm(&c, a, 0, &p, s32_out(&mut out[..6], 2, 3)),
        Err(Error::ShapeMismatch { .. })
    ));
    // Zero points outside the type.
    let e = igemm(&c, a, 256, &p, s32_out(&mut out, 2, 4)).unwrap_err();
    assert!(
        e.to_string().contains("a_zero_point") && e.to_string().contains("256"),
        "{e}"
    );
    let e = pack(&c, b, WeightZeroPoint::PerTensor(128)).unwrap_err();
    assert!(e.to_string().contains("zero_point"), "{e}");
    let e = pack(&c, b, WeightZeroPoint::PerColumn(&[0, 0, 0])).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    // Bad scales, bias, clamp.
    let mut f = vec![0f32; 8];
    for s in [0.0, -1.0, f32::NAN, f32::INFINITY] {
        let r = igemm(
            &c,
            a,
            0,
            &p,
            Output::F32 {
                c: MatMut::row_major(&mut f, 2, 4).unwrap(),
                dequantize: Dequantize::new(Scale::PerTensor(s)),
            },
        );
        assert!(
            matches!(r, Err(Error::InvalidParameter { arg: "scale", .. })),
            "{s}: {r:?}"
        );
    }
    let r = igemm(
        &c,
        a,
        0,
        &p,
        Output::F32 {
            c: MatMut::row_major(&mut f, 2, 4).unwrap(),
            dequantize: Dequantize {
                bias: Some(&[0.0; 3]),
                ..Dequantize::new(Scale::PerTensor(1.0))
            },
        },
    );
    assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
    let mut q = vec![0u8; 8];
    let r = igemm(
        &c,
        a,
        0,
        &p,
        Output::U8 {
            c: MatMut::row_major(&mut q, 2, 4).unwrap(),
            requantize: Requantize {
                clamp: Some((10, 5)),
                ..Requantize::new(Scale::PerTensor(1.0), 0)
            },
        },
    );
    assert!(matches!(r, Err(Error::InvalidParameter { .. })), "{r:?}");
    let r = igemm(
        &c,
        a,
        0,
        &p,
        Output::U8 {
            c: MatMut::row_major(&mut q, 2, 4).unwrap(),
            requantize: Requantize::new(Scale::PerTensor(1.0), -1),
        },
    );
    assert!(matches!(r, Err(Error::InvalidParameter { .. })), "{r:?}");
}

#[test]
fn k_bound_is_enforced() {
    let c = ctx(Isa::best(), 1);
    // K past 65793: refused at packing.
    let k = lowp::igemm::MAX_K + 1;
    let w = vec![0i8; k];
    let e = pack(
        &c,
        MatRef::row_major(&w, k, 1).unwrap(),
        WeightZeroPoint::PerTensor(0),
    )
    .unwrap_err();
    assert!(matches!(e, Error::Overflow { arg: "b", .. }), "{e}");
    // u8 × u8 at 255: 255·255·K must fit i32, so K = 40000 is refused per call...
    let k = 40_000;
    let w = vec![255u8; k];
    let p = pack(
        &c,
        MatRef::row_major(&w, k, 1).unwrap(),
        WeightZeroPoint::PerTensor(0),
    )
    .unwrap();
    let a = vec![255u8; k];
    let mut out = [0i32; 1];
    let r = igemm(
        &c,
        MatRef::row_major(&a, 1, k).unwrap(),
        0,
        &p,
        s32_out(&mut out, 1, 1),
    );
    assert!(matches!(r, Err(Error::Overflow { arg: "a", .. })), "{r:?}");
    // ...while K = 33025 (the largest that fits) runs and is exact.
    let k = 33_025;
    let p = pack(
        &c,
        MatRef::row_major(&w[..k], k, 1).unwrap(),
        WeightZeroPoint::PerTensor(0),
    )
    .unwrap();
    igemm(
        &c,
        MatRef::row_major(&a[..k], 1, k).unwrap(),
        0,
        &p,
        s32_out(&mut out, 1, 1),
    )
    .unwrap();
    assert_eq!(out[0] as i64, 255 * 255 * k as i64);
}

#[test]
fn packed_layout_mismatch_is_an_error() {
    let avail = Isa::available();
    if avail.len() < 2 {
        println!("skipped: only one ISA level available");
        return;
    }
    let w = vec![3i8; 6 * 5];
    let b = MatRef::row_major(&w, 6, 5).unwrap();
    let packer = ctx(avail[0], 1);
    let user = ctx(*avail.last().unwrap(), 1);
    let p = pack(&packer, b, WeightZeroPoint::PerTensor(0)).unwrap();
    let av = vec![1u8; 6];
    let mut out = vec![0i32; 5];
    let r = igemm(
        &user,
        MatRef::row_major(&av, 1, 6).unwrap(),
        0,
        &p,
        s32_out(&mut out, 1, 5),
    );
    assert!(matches!(r, Err(Error::LayoutMismatch { arg: "b", .. })), "{r:?}");
}

fn qlinear_case(m: usize, n: usize, k: usize, seed: u64, mode: ActivationQuantization, threads: usize) {
    let mut rng = Rng(seed | 1);
    let mut f = |s: f32| (rng.range(-100_000, 100_000) as f32 / 100_000.0) * s;
    let x: Vec<f32> = (0..m * k)
        .map(|i| f(if i % 7 == 0 { 8.0 } else { 1.5 }))
        .collect();
    let w: Vec<f32> = (0..n * k).map(|_| f(0.3)).collect();
    let bias: Vec<f32> = (0..n).map(|_| f(2.0)).collect();
    for isa in Isa::available() {
        let c = ctx(isa, threads);
        let lin = QuantizedLinear::new(&c, MatRef::row_major(&w, n, k).unwrap(), Some(&bias), mode).unwrap();
        let mut y = vec![0f32; m * n];
        lin.forward(
            &c,
            MatRef::row_major(&x, m, k).unwrap(),
            MatMut::row_major(&mut y, m, n).unwrap(),
        )
        .unwrap();
        let all_scale = {
            let (lo, hi) = x.iter().fold((0f32, 0f32), |(l, h), &v| (l.min(v), h.max(v)));
            (hi - lo) / 255.0
        };
        for i in 0..m {
            let row = &x[i * k..(i + 1) * k];
            let sx = match mode {
                ActivationQuantization::PerRow => {
                    let (lo, hi) = row.iter().fold((0f32, 0f32), |(l, h), &v| (l.min(v), h.max(v)));
                    (hi - lo) / 255.0
                }
                ActivationQuantization::PerTensor => all_scale,
            };
            for j in 0..n {
                let wr = &w[j * k..(j + 1) * k];
                let sw = lin.weight_scales()[j];
                let exact: f64 = row
                    .iter()
                    .zip(wr)
                    .map(|(&a, &b)| a as f64 * b as f64)
                    .sum::<f64>()
                    + bias[j] as f64;
                // Quantization bound: |Δx| ≤ sx/2, |Δw| ≤ sw/2 per element,
                // plus f32 rounding (relative to Σ|x||w|).
                let abs: f64 = row
                    .iter()
                    .zip(wr)
                    .map(|(&a, &b)| (a as f64 * b as f64).abs())
                    .sum();
                let bound: f64 = row
                    .iter()
                    .zip(wr)
                    .map(|(&a, &b)| {
                        a.abs() as f64 * sw as f64 / 2.0
                            + b.abs() as f64 * sx as f64 / 2.0
                            + sx as f64 * sw as f64 / 4.0
                    })
                    .sum::<f64>()
                    * 1.001
                    + 1e-5 * (abs + bias[j].abs() as f64)
                    + 1e-6;
                let err = (y[i * n + j] as f64 - exact).abs();
                assert!(
                    err <= bound,
                    "{isa} {mode:?} ({i},{j}): |{} - {exact}| = {err} > {bound}",
                    y[i * n + j]
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn quantized_linear_within_quantization_bound(
        m in 1usize..20, n in 1usize..70, k in 1usize..140, seed in any::<u64>(), per_row in any::<bool>(), t in 1usize..3,
    ) {
        let mode = if per_row { ActivationQuantization::PerRow } else { ActivationQuantization::PerTensor };
        qlinear_case(m, n, k, seed, mode, t);
    }
}

#[test]
fn quantized_linear_larger_and_refusals() {
    qlinear_case(33, 130, 515, 42, ActivationQuantization::PerRow, 2);
    let c = ctx(Isa::best(), 1);
    let w = vec![1.0f32, f32::NAN];
    assert!(QuantizedLinear::new(
        &c,
        MatRef::row_major(&w, 1, 2).unwrap(),
        None,
        ActivationQuantization::PerRow
    )
    .is_err());
    let w = vec![1.0f32; 4];
    let lin = QuantizedLinear::new(
        &c,
        MatRef::row_major(&w, 2, 2).unwrap(),
        None,
        ActivationQuantization::PerRow,
    )
    .unwrap();
    let mut y = vec![0f32; 2];
    let x = [1.0f32, f32::INFINITY];
    let r = lin.forward(
        &c,
        MatRef::row_major(&x, 1, 2).unwrap(),
        MatMut::row_major(&mut y, 1, 2).unwrap(),
    );
    assert!(
        matches!(r, Err(Error::InvalidParameter { arg: "x", .. })),
        "{r:?}"
    );
    let x = [1.0f32; 3];
    let r = lin.forward(
        &c,
        MatRef::row_major(&x, 1, 3).unwrap(),
        MatMut::row_major(&mut y, 1, 2).unwrap(),
    );
    assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
}

/// Many M-blocks and N-chunks (a tiny L2 forces small blocks), several
/// thread counts: the results do not depend on the partition.
#[test]
fn blocked_partition_matches_oracle() {
    let (m, n, k) = (203, 150, 1001);
    let av: Vec<i8> = (0..m * k).map(|i| (i * 131 % 256) as u8 as i8).collect();
    let bv: Vec<i8> = (0..k * n).map(|i| (i * 29 % 256) as u8 as i8).collect();
    let a = MatRef::row_major(&av, m, k).unwrap();
    let b = MatRef::row_major(&bv, k, n).unwrap();
    let zb = WeightZeroPoint::PerTensor(-2);
    let want = oracle::igemm_s32(a, 5, b, &zb, Saturation::Exact);
    for isa in Isa::available() {
        for threads in [1, 2, 3] {
            let caches = lowp::CacheSizes {
                l1d: 32 << 10,
                l2: 64 << 10,
                l3: 1 << 20,
            };
            let c = Context::builder()
                .max_isa(isa)
                .threads(threads)
                .cache_sizes(caches)
                .ignore_env()
                .build()
                .unwrap();
            let p = PackedI8Weights::pack(&c, b, zb, PackOptions::default()).unwrap();
            let mut got = vec![0i32; m * n];
            igemm(
                &c,
                a,
                5,
                &p,
                Output::S32 {
                    c: MatMut::row_major(&mut got, m, n).unwrap(),
                    accumulate: false,
                },
            )
            .unwrap();
            assert_eq!(got, want, "{isa} threads={threads}");
        }
    }
}

/// Every row count from 1 to past two A panels (the panel height follows M:
/// `⌈M / ⌈M / a_panel_rows⌉⌉` rows), with zero points, on every level.
#[test]
fn every_row_count_matches() {
    let (n, k) = (40, 37);
    let bv: Vec<i8> = (0..k * n).map(|i| (i * 29 % 256) as u8 as i8).collect();
    let b = MatRef::row_major(&bv, k, n).unwrap();
    let zb = WeightZeroPoint::PerTensor(-3);
    for isa in Isa::available() {
        let c = ctx(isa, 1);
        let p = PackedI8Weights::pack(&c, b, zb, PackOptions::default()).unwrap();
        for m in (1..=45).chain([85, 90]) {
            let av: Vec<u8> = (0..m * k).map(|i| (i * 131 % 256) as u8).collect();
            let a = MatRef::row_major(&av, m, k).unwrap();
            let want = oracle::igemm_s32(a, 7, b, &zb, Saturation::Exact);
            let mut got = vec![0i32; m * n];
            igemm(
                &c,
                a,
                7,
                &p,
                Output::S32 {
                    c: MatMut::row_major(&mut got, m, n).unwrap(),
                    accumulate: false,
                },
            )
            .unwrap();
            assert_eq!(got, want, "{isa} m={m}");
        }
    }
}

/// Row-major outputs with padded rows take the vectorized tile stores
/// (AVX-512 levels) or the portable ones: bit-exact against the oracle for
/// every pipeline option, column tails of every length mod 16, and the row
/// padding is never written.
#[test]
fn row_major_pipeline_stores_match_oracle() {
    let k = 23;
    for isa in Isa::available() {
        let c = ctx(isa, 1);
        for (m, n) in [(1, 1), (3, 15), (5, 16), (16, 17), (17, 45), (2, 64)] {
            let av: Vec<u8> = (0..m * k).map(|i| (i * 37 % 256) as u8).collect();
            let bv: Vec<i8> = (0..k * n).map(|i| (i * 61 % 256) as u8 as i8).collect();
            let (a, b) = (rm(&av, m, k), rm(&bv, k, n));
            let zb = WeightZeroPoint::PerTensor(1);
            let want = oracle::igemm_s32(a, 9, b, &zb, Saturation::Exact);
            let p = PackedI8Weights::pack(&c, b, zb, PackOptions::default()).unwrap();
            let ld = n + 3;
            let scales: Vec<f32> = (0..n).map(|j| 0.002 + j as f32 * 0.0007).collect();
            let fbias: Vec<f32> = (0..n).map(|j| j as f32 * 0.37 - 5.0).collect();
            let ibias: Vec<i32> = (0..n).map(|j| j as i32 * 97 - 1000).collect();
            // The huge scale sends y past i32's range (both signs).
            for (sc, with_bias) in [
                (Scale::PerTensor(0.003), false),
                (Scale::PerColumn(&scales), true),
                (Scale::PerTensor(3.0e7), true),
            ] {
                for act in [
                    Activation::Identity,
                    Activation::Relu,
                    Activation::Clamp { min: -2.0, max: 3.0 },
                ] {
                    let dq = Dequantize {
                        scale: sc,
                        bias: with_bias.then_some(&fbias[..]),
                        activation: act,
                    };
                    let mut got = vec![f32::NAN; m * ld];
                    let out = Output::F32 {
                        c: MatMut::new(&mut got, m, n, ld, 1).unwrap(),
                        dequantize: dq,
                    };
                    igemm(&c, a, 9, &p, out).unwrap();
                    for i in 0..m {
                        for j in 0..ld {
                            let g = got[i * ld + j];
                            if j < n {
                                let w = oracle::dequantize_one(want[i * n + j], j, &dq.scale, dq.bias, act);
                                assert_eq!(g.to_bits(), w.to_bits(), "{isa} f32 {act:?} ({i},{j})");
                            } else {
                                assert!(g.is_nan(), "{isa} f32 padding ({i},{j})");
                            }
                        }
                    }
                }
                for (relu, clamp) in [
                    (false, None),
                    (true, None),
                    (false, Some((-20, 40))),
                    (false, Some((30, 200))),
                ] {
                    let rq = Requantize {
                        bias: with_bias.then_some(&ibias[..]),
                        relu,
                        clamp,
                        ..Requantize::new(sc, 5)
                    };
                    let mut q8 = vec![0x5au8; m * ld];
                    let out = Output::U8 {
                        c: MatMut::new(&mut q8, m, n, ld, 1).unwrap(),
                        requantize: Requantize {
                            clamp: clamp.map(|(lo, hi)| (lo.max(0), hi)),
                            ..rq
                        },
                    };
                    igemm(&c, a, 9, &p, out).unwrap();
                    let rq_u8 = Requantize {
                        clamp: clamp.map(|(lo, hi)| (lo.max(0), hi)),
                        ..rq
                    };
                    let mut s8 = vec![0x5ai8; m * ld];
                    let out = Output::S8 {
                        c: MatMut::new(&mut s8, m, n, ld, 1).unwrap(),
                        requantize: rq,
                    };
                    igemm(&c, a, 9, &p, out).unwrap();
                    for i in 0..m {
                        for j in 0..ld {
                            let (gu, gs) = (q8[i * ld + j], s8[i * ld + j]);
                            if j < n {
                                let v = want[i * n + j];
                                let wu = oracle::requantize_one(v, j, &rq_u8, 0, 255);
                                let ws = oracle::requantize_one(v, j, &rq, -128, 127);
                                assert_eq!(gu as i32, wu, "{isa} u8 relu={relu} {clamp:?} ({i},{j})");
                                assert_eq!(gs as i32, ws, "{isa} s8 relu={relu} {clamp:?} ({i},{j})");
                            } else {
                                assert_eq!((gu, gs), (0x5a, 0x5a), "{isa} q8 padding ({i},{j})");
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Activation packing: K around whole 64-byte blocks, row counts around
/// multiples of 4, u8 and s8 activations (their row sums feed the weight
/// zero point's correction), rows padded past K, on every level.
#[test]
fn activation_packing_blocks_match() {
    let n = 35;
    for isa in Isa::available() {
        let c = ctx(isa, 1);
        for k in [63, 64, 65, 130, 256] {
            let bv: Vec<i8> = (0..k * n).map(|i| (i * 29 % 256) as u8 as i8).collect();
            let b = MatRef::row_major(&bv, k, n).unwrap();
            let zb = WeightZeroPoint::PerTensor(-5);
            let p = PackedI8Weights::pack(&c, b, zb, PackOptions::default()).unwrap();
            for m in [3, 4, 5, 8, 13, 42, 45] {
                let lda = k + 9;
                let raw: Vec<u8> = (0..m * lda).map(|i| (i * 131 % 251) as u8).collect();
                let au = MatRef::new(&raw, m, k, lda, 1).unwrap();
                let signed: Vec<i8> = raw.iter().map(|&x| x as i8).collect();
                let as8 = MatRef::new(&signed, m, k, lda, 1).unwrap();
                let mut got = vec![0i32; m * n];
                let want = oracle::igemm_s32(au, 6, b, &zb, Saturation::Exact);
                let out = Output::S32 {
                    c: MatMut::row_major(&mut got, m, n).unwrap(),
                    accumulate: false,
                };
                igemm(&c, au, 6, &p, out).unwrap();
                assert_eq!(got, want, "{isa} u8 m={m} k={k}");
                let want = oracle::igemm_s32(as8, -3, b, &zb, Saturation::Exact);
                let out = Output::S32 {
                    c: MatMut::row_major(&mut got, m, n).unwrap(),
                    accumulate: false,
                };
                igemm(&c, as8, -3, &p, out).unwrap();
                assert_eq!(got, want, "{isa} s8 m={m} k={k}");
            }
        }
    }
}

/// A slice of `len` elements starting on a 64-byte boundary, filled with
/// `fill`: the alignment C needs for the streaming stores.
fn line_aligned<T: Copy>(buf: &mut Vec<T>, len: usize, fill: T) -> &mut [T] {
    let per_line = 64 / std::mem::size_of::<T>();
    *buf = vec![fill; len + per_line];
    let off = ((64 - buf.as_ptr() as usize % 64) % 64) / std::mem::size_of::<T>();
    &mut buf[off..off + len]
}

/// A C larger than L2 (a tiny L2 here) whose rows start on cache lines is
/// written with streaming stores (AVX-512 levels; the others store
/// normally): raw s32 and dequantized f32 match the oracle bit for bit,
/// full and partial tiles, 1 and 2 threads, and the row padding is never
/// written. Rows that are not line aligned take the regular stores.
#[test]
fn streaming_stores_match_oracle() {
    let k = 37;
    let caches = lowp::CacheSizes {
        l1d: 32 << 10,
        l2: 4 << 10,
        l3: 64 << 10,
    };
    for isa in Isa::available() {
        for threads in [1, 2] {
            let c = Context::builder()
                .max_isa(isa)
                .threads(threads)
                .cache_sizes(caches)
                .ignore_env()
                .build()
                .unwrap();
            for (m, n, ld) in [
                (30, 64, 64),
                (17, 45, 48),
                (29, 100, 112),
                (5, 33, 33),
                (20, 64, 65),
            ] {
                let av: Vec<u8> = (0..m * k).map(|i| (i * 37 % 256) as u8).collect();
                let bv: Vec<i8> = (0..k * n).map(|i| (i * 61 % 256) as u8 as i8).collect();
                let (a, b) = (rm(&av, m, k), rm(&bv, k, n));
                let zb = WeightZeroPoint::PerTensor(-1);
                let want = oracle::igemm_s32(a, 3, b, &zb, Saturation::Exact);
                let p = PackedI8Weights::pack(&c, b, zb, PackOptions::default()).unwrap();
                let mut buf = Vec::new();
                let got = line_aligned(&mut buf, m * ld, 0x5a5a_5a5a_i32);
                let out = Output::S32 {
                    c: MatMut::new(got, m, n, ld, 1).unwrap(),
                    accumulate: false,
                };
                igemm(&c, a, 3, &p, out).unwrap();
                for i in 0..m {
                    for j in 0..ld {
                        let w = if j < n { want[i * n + j] } else { 0x5a5a_5a5a };
                        assert_eq!(
                            got[i * ld + j],
                            w,
                            "{isa} t={threads} s32 {m}x{n} ld={ld} ({i},{j})"
                        );
                    }
                }
                let scales: Vec<f32> = (0..n).map(|j| 0.002 + j as f32 * 0.0007).collect();
                let bias: Vec<f32> = (0..n).map(|j| j as f32 * 0.37 - 5.0).collect();
                let dq = Dequantize {
                    scale: Scale::PerColumn(&scales),
                    bias: Some(&bias),
                    activation: Activation::Relu,
                };
                let mut fbuf = Vec::new();
                let got = line_aligned(&mut fbuf, m * ld, f32::NAN);
                let out = Output::F32 {
                    c: MatMut::new(got, m, n, ld, 1).unwrap(),
                    dequantize: dq,
                };
                igemm(&c, a, 3, &p, out).unwrap();
                for i in 0..m {
                    for j in 0..ld {
                        let g = got[i * ld + j];
                        if j < n {
                            let w =
                                oracle::dequantize_one(want[i * n + j], j, &dq.scale, dq.bias, dq.activation);
                            assert_eq!(
                                g.to_bits(),
                                w.to_bits(),
                                "{isa} t={threads} f32 {m}x{n} ld={ld} ({i},{j})"
                            );
                        } else {
                            assert!(
                                g.is_nan(),
                                "{isa} t={threads} f32 padding {m}x{n} ld={ld} ({i},{j})"
                            );
                        }
                    }
                }
            }
        }
    }
}
