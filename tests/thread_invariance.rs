//! Results do not depend on the thread count: every op, on every available
//! ISA level, with 1, 2 and 3 threads, on shapes large enough that the work
//! is really split (several M and N blocks for the GEMMs, scans past the
//! single-task threshold of 256 KiB). Integer results and f32 results alike
//! must be bit-identical.

use lowp::dot::{self, Metric, QuantScheme, QuantizedS8};
use lowp::igemm::{
    igemm, Activation, ActivationQuantization, Dequantize, Output, PackedI8Weights, QuantizedLinear,
    Requantize, Saturation, Scale, WeightZeroPoint,
};
use lowp::{Context, Isa, MatMut, MatRef};

mod common;

use common::{ctx, with_saturation};

const THREADS: [usize; 3] = [1, 2, 3];

fn lcg(seed: u64, n: usize) -> Vec<u32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 33) as u32
        })
        .collect()
}

/// Runs `f` for 1, 2 and 3 threads on every level and checks every thread
/// count gives the first one's result.
fn same_for_every_thread_count<T: PartialEq + std::fmt::Debug>(what: &str, f: impl Fn(&Context) -> T) {
    for isa in Isa::available() {
        let first = f(&ctx(isa, 1));
        for t in &THREADS[1..] {
            assert_eq!(
                f(&ctx(isa, *t)),
                first,
                "{what}: {isa} with {t} threads differs from 1 thread"
            );
        }
    }
}

const M: usize = 150;
const N: usize = 200;
const K: usize = 260;

fn igemm_operands() -> (Vec<u8>, Vec<i8>, Vec<i32>) {
    let a = lcg(1, M * K).iter().map(|&v| v as u8).collect();
    let b = lcg(2, K * N).iter().map(|&v| v as i8).collect();
    let zb = lcg(3, N).iter().map(|&v| (v % 11) as i32 - 5).collect();
    (a, b, zb)
}

fn run_igemm(c: &Context, pipe: u8, sat: Saturation) -> Vec<u32> {
    let (a, b, zb) = igemm_operands();
    let av = MatRef::row_major(&a, M, K).unwrap();
    let p = PackedI8Weights::pack(
        c,
        MatRef::row_major(&b, K, N).unwrap(),
        WeightZeroPoint::PerColumn(&zb),
        with_saturation(sat),
    )
    .unwrap();
    let scales: Vec<f32> = (0..N).map(|j| 1e-4 * (1 + j % 7) as f32).collect();
    let fbias: Vec<f32> = (0..N).map(|j| j as f32 * 0.25 - 20.0).collect();
    let ibias: Vec<i32> = (0..N).map(|j| j as i32 * 37 - 3000).collect();
    match pipe {
        0 | 1 => {
            let mut out = vec![5i32; M * N];
            let o = Output::S32 {
                c: MatMut::row_major(&mut out, M, N).unwrap(),
                accumulate: pipe == 1,
            };
            igemm(c, av, 3, &p, o).unwrap();
            out.iter().map(|&v| v as u32).collect()
        }
        2 => {
            let mut out = vec![0f32; M * N];
            let d = Dequantize {
                scale: Scale::PerColumn(&scales),
                bias: Some(&fbias),
                activation: Activation::Clamp {
                    min: -50.0,
                    max: 50.0,
                },
            };
            igemm(
                c,
                av,
                3,
                &p,
                Output::F32 {
                    c: MatMut::col_major(&mut out, M, N).unwrap(),
                    dequantize: d,
                },
            )
            .unwrap();
            out.iter().map(|v| v.to_bits()).collect()
        }
        3 => {
            let mut out = vec![0u8; M * N];
            let r = Requantize {
                bias: Some(&ibias),
                relu: true,
                ..Requantize::new(Scale::PerTensor(0.003), 120)
            };
            igemm(
                c,
                av,
                3,
                &p,
                Output::U8 {
                    c: MatMut::row_major(&mut out, M, N).unwrap(),
                    requantize: r,
                },
            )
            .unwrap();
            out.iter().map(|&v| v as u32).collect()
        }
        _ => {
            let mut out = vec![0i8; M * N];
            let r = Requantize {
                clamp: Some((-90, 100)),
                ..Requantize::new(Scale::PerColumn(&scales), -4)
            };
            igemm(
                c,
                av,
                3,
                &p,
                Output::S8 {
                    c: MatMut::row_major(&mut out, M, N).unwrap(),
                    requantize: r,
                },
            )
            .unwrap();
            out.iter().map(|&v| v as u8 as u32).collect()
        }
    }
}

#[test]
fn igemm_every_pipeline() {
    for (pipe, name) in ["s32", "s32 accumulate", "f32", "u8", "s8"].iter().enumerate() {
        same_for_every_thread_count(&format!("igemm {name}"), |c| {
            run_igemm(c, pipe as u8, Saturation::Exact)
        });
    }
    same_for_every_thread_count("igemm s32 saturation allowed", |c| {
        run_igemm(c, 0, Saturation::Allow)
    });
}

#[test]
fn quantized_linear_both_modes() {
    let (m, n, k) = (90, 170, 200);
    let w: Vec<f32> = lcg(4, n * k)
        .iter()
        .map(|&v| (v % 2001) as f32 / 1000.0 - 1.0)
        .collect();
    let x: Vec<f32> = lcg(5, m * k)
        .iter()
        .map(|&v| (v % 4001) as f32 / 100.0 - 20.0)
        .collect();
    let bias: Vec<f32> = (0..n).map(|j| j as f32 / 8.0).collect();
    for mode in [ActivationQuantization::PerRow, ActivationQuantization::PerTensor] {
        same_for_every_thread_count(&format!("quantized linear {mode:?}"), |c| {
            let lin =
                QuantizedLinear::new(c, MatRef::row_major(&w, n, k).unwrap(), Some(&bias), mode).unwrap();
            let mut y = vec![0f32; m * n];
            lin.forward(
                c,
                MatRef::row_major(&x, m, k).unwrap(),
                MatMut::row_major(&mut y, m, n).unwrap(),
            )
            .unwrap();
            y.iter().map(|v| v.to_bits()).collect::<Vec<u32>>()
        });
    }
}

#[test]
fn scans_top_k_and_many_query() {
    // 4096 × 40 f32 = 640 KiB and 9000 × 64 s8 = 562 KiB: past the
    // single-task threshold, so 2 and 3 threads really split the rows.
    let (rows, d) = (4096, 40);
    let dbf: Vec<f32> = lcg(6, rows * d)
        .iter()
        .map(|&v| (v % 1000) as f32 / 37.0 - 13.0)
        .collect();
    let qf: Vec<f32> = lcg(7, 3 * d)
        .iter()
        .map(|&v| (v % 1000) as f32 / 91.0 - 5.0)
        .collect();
    let (rows8, d8) = (9000, 64);
    let db8: Vec<i8> = lcg(8, rows8 * d8).iter().map(|&v| v as i8).collect();
    let q8: Vec<i8> = lcg(9, 3 * d8).iter().map(|&v| v as i8).collect();
    let dbu: Vec<u8> = db8.iter().map(|&v| v as u8).collect();
    let qu: Vec<u8> = q8.iter().map(|&v| v as u8).collect();
    for metric in [Metric::InnerProduct, Metric::L2Squared] {
        same_for_every_thread_count(&format!("f32 scan {metric:?}"), |c| {
            let db = MatRef::row_major(&dbf, rows, d).unwrap();
            let mut s = vec![0f32; rows];
            dot::scan_scores(c, &qf[..d], db, metric, &mut s).unwrap();
            let top = dot::scan_top_k(c, &qf[..d], db, metric, 25).unwrap();
            let many =
                dot::scan_many_top_k(c, MatRef::row_major(&qf, 3, d).unwrap(), db, metric, 25).unwrap();
            let bits =
                |v: &[dot::Neighbor<f32>]| v.iter().map(|n| (n.index, n.score.to_bits())).collect::<Vec<_>>();
            (
                s.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                bits(&top),
                many.iter().map(|l| bits(l)).collect::<Vec<_>>(),
            )
        });
        same_for_every_thread_count(&format!("s8 scan {metric:?}"), |c| {
            let db = MatRef::row_major(&db8, rows8, d8).unwrap();
            let mut s = vec![0i32; rows8];
            dot::scan_scores(c, &q8[..d8], db, metric, &mut s).unwrap();
            let top = dot::scan_top_k(c, &q8[..d8], db, metric, 25).unwrap();
            let many =
                dot::scan_many_top_k(c, MatRef::row_major(&q8, 3, d8).unwrap(), db, metric, 25).unwrap();
            (s, top, many)
        });
        same_for_every_thread_count(&format!("u8 scan {metric:?}"), |c| {
            let db = MatRef::row_major(&dbu, rows8, d8).unwrap();
            let top = dot::scan_top_k(c, &qu[..d8], db, metric, 25).unwrap();
            let many =
                dot::scan_many_top_k(c, MatRef::row_major(&qu, 3, d8).unwrap(), db, metric, 25).unwrap();
            (top, many)
        });
    }
    let bf: Vec<half::bf16> = dbf.iter().map(|&v| half::bf16::from_f32(v)).collect();
    let qb: Vec<half::bf16> = qf[..d].iter().map(|&v| half::bf16::from_f32(v)).collect();
    same_for_every_thread_count("bf16 top-k", |c| {
        let t = dot::scan_top_k(
            c,
            &qb,
            MatRef::row_major(&bf, rows, d).unwrap(),
            Metric::InnerProduct,
            25,
        )
        .unwrap();
        t.iter().map(|n| (n.index, n.score.to_bits())).collect::<Vec<_>>()
    });
    let hf: Vec<half::f16> = dbf.iter().map(|&v| half::f16::from_f32(v)).collect();
    let qh: Vec<half::f16> = qf[..d].iter().map(|&v| half::f16::from_f32(v)).collect();
    same_for_every_thread_count("f16 top-k", |c| {
        let t = dot::scan_top_k(
            c,
            &qh,
            MatRef::row_major(&hf, rows, d).unwrap(),
            Metric::L2Squared,
            25,
        )
        .unwrap();
        t.iter().map(|n| (n.index, n.score.to_bits())).collect::<Vec<_>>()
    });
    for scheme in [QuantScheme::PerVector, QuantScheme::PerDimension] {
        let idx = QuantizedS8::quantize(MatRef::row_major(&dbf, rows, d).unwrap(), scheme).unwrap();
        same_for_every_thread_count(&format!("s8 index {scheme:?}"), |c| {
            let t = idx.search(c, &qf[..d], 25).unwrap();
            t.iter().map(|n| (n.index, n.score.to_bits())).collect::<Vec<_>>()
        });
    }
}

#[test]
fn sgemm_plain_packed_and_strided() {
    let (m, n, k) = (170, 190, 150);
    let a: Vec<f32> = lcg(11, m * k)
        .iter()
        .map(|&v| (v % 2001) as f32 / 500.0 - 2.0)
        .collect();
    let b: Vec<f32> = lcg(12, k * n)
        .iter()
        .map(|&v| (v % 2001) as f32 / 700.0 - 1.5)
        .collect();
    let c0: Vec<f32> = lcg(13, m * n).iter().map(|&v| (v % 101) as f32 - 50.0).collect();
    same_for_every_thread_count("sgemm", |c| {
        let mut out = c0.clone();
        lowp::sgemm(
            c,
            0.75,
            MatRef::row_major(&a, m, k).unwrap(),
            MatRef::row_major(&b, k, n).unwrap(),
            0.5,
            MatMut::row_major(&mut out, m, n).unwrap(),
        )
        .unwrap();
        out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    });
    same_for_every_thread_count("sgemm transposed operands, column-major C", |c| {
        let mut out = c0.clone();
        lowp::sgemm(
            c,
            -1.0,
            MatRef::row_major(&a, k, m).unwrap().t(),
            MatRef::row_major(&b, n, k).unwrap().t(),
            0.0,
            MatMut::col_major(&mut out, m, n).unwrap(),
        )
        .unwrap();
        out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    });
    same_for_every_thread_count("sgemm_packed", |c| {
        let packed = lowp::PackedB::<f32>::new(c, MatRef::row_major(&b, k, n).unwrap()).unwrap();
        let mut out = c0.clone();
        lowp::sgemm_packed(
            c,
            1.0,
            MatRef::row_major(&a, m, k).unwrap(),
            &packed,
            1.0,
            MatMut::row_major(&mut out, m, n).unwrap(),
        )
        .unwrap();
        out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
    });
}

/// The GEMV (row sweep, dot scans), small-M (B streaming) and A-in-place paths, with
/// enough work to be split over N.
#[test]
fn sgemm_gemv_and_small_m() {
    for &(m, n, k) in &[(1, 2000, 600), (3, 2000, 600), (12, 1000, 600), (64, 640, 768)] {
        let a: Vec<f32> = lcg(21, m * k)
            .iter()
            .map(|&v| (v % 2001) as f32 / 500.0 - 2.0)
            .collect();
        let b: Vec<f32> = lcg(22, k * n)
            .iter()
            .map(|&v| (v % 2001) as f32 / 700.0 - 1.5)
            .collect();
        let c0: Vec<f32> = lcg(23, m * n).iter().map(|&v| (v % 101) as f32 - 50.0).collect();
        for col_major_b in [false, true] {
            same_for_every_thread_count(&format!("sgemm {m}x{n}x{k} col-major B {col_major_b}"), |c| {
                let mut out = c0.clone();
                let bv = if col_major_b {
                    MatRef::col_major(&b, k, n).unwrap()
                } else {
                    MatRef::row_major(&b, k, n).unwrap()
                };
                lowp::sgemm(
                    c,
                    0.75,
                    MatRef::row_major(&a, m, k).unwrap(),
                    bv,
                    0.5,
                    MatMut::row_major(&mut out, m, n).unwrap(),
                )
                .unwrap();
                out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            });
        }
        same_for_every_thread_count(&format!("sgemm_packed {m}x{n}x{k}"), |c| {
            let mut out = c0.clone();
            let pb = lowp::PackedB::<f32>::new(c, MatRef::row_major(&b, k, n).unwrap()).unwrap();
            lowp::sgemm_packed(
                c,
                0.75,
                MatRef::row_major(&a, m, k).unwrap(),
                &pb,
                0.5,
                MatMut::row_major(&mut out, m, n).unwrap(),
            )
            .unwrap();
            out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        });
    }
}

#[test]
fn sum_probe() {
    let data: Vec<u64> = lcg(10, 70_000).iter().map(|&v| v as u64 * 977).collect();
    same_for_every_thread_count("sum_u64", |c| dot::sum_u64(c, &data));
}
