//! The per-call thread count (issue 21's cost model: small products stay on
//! fewer threads than the context has) never changes a result: sgemm on
//! each of its paths and igemm into every output give one thread's bits
//! for 1 to 4 threads, at shapes on both sides of the model's threshold,
//! and the INT8 results match the oracle.

use lowp::igemm::{
    igemm, Dequantize, Output, PackOptions, PackedI8Weights, Requantize, Saturation, Scale, WeightZeroPoint,
};
use lowp::{sgemm, Context, MatMut, MatRef};
use lowp_reference::igemm as oracle;

/// Rows × columns × depth: one row (GEMV: B-streaming bound), a few rows,
/// tiny (one thread whatever the context), around the two-thread threshold,
/// and past it.
const SHAPES: [(usize, usize, usize); 6] = [
    (1, 3072, 768),
    (8, 768, 600),
    (16, 16, 16),
    (64, 64, 64),
    (128, 128, 128),
    (200, 192, 256),
];

/// One call's s32, f32 (bits), u8 and s8 outputs.
type Outputs = (Vec<i32>, Vec<u32>, Vec<u8>, Vec<i8>);

fn ctx(threads: usize) -> Context {
    Context::builder().threads(threads).ignore_env().build().unwrap()
}

fn values(len: usize, seed: usize) -> impl Iterator<Item = usize> {
    (0..len).map(move |i| (i.wrapping_mul(7919).wrapping_add(seed)) % 1009)
}

#[test]
fn sgemm_bits_do_not_depend_on_the_thread_count() {
    for (m, n, k) in SHAPES {
        let a: Vec<f32> = values(m * k, 1).map(|v| v as f32 / 1008.0 - 0.5).collect();
        let b: Vec<f32> = values(k * n, 2).map(|v| v as f32 / 504.0 - 1.0).collect();
        let run = |threads: usize| {
            let mut c: Vec<f32> = values(m * n, 3).map(|v| v as f32).collect();
            let (av, bv) = (
                MatRef::row_major(&a, m, k).unwrap(),
                MatRef::row_major(&b, k, n).unwrap(),
            );
            sgemm(
                &ctx(threads),
                0.5,
                av,
                bv,
                0.25,
                MatMut::row_major(&mut c, m, n).unwrap(),
            )
            .unwrap();
            c.iter().map(|x| x.to_bits()).collect::<Vec<u32>>()
        };
        let one = run(1);
        // A product of inputs below 1 in magnitude: |c| stays well inside
        // 0.25·1008 + 0.5·k; a wrong partition would leave zeros or stale values.
        assert!(one.iter().any(|&x| f32::from_bits(x) != 0.0));
        for threads in 2..=4 {
            assert_eq!(run(threads), one, "{m}x{n}x{k}, {threads} threads");
        }
    }
}

#[test]
fn igemm_outputs_do_not_depend_on_the_thread_count() {
    for (m, n, k) in SHAPES {
        let av: Vec<u8> = values(m * k, 4).map(|v| v as u8).collect();
        let bv: Vec<i8> = values(k * n, 5).map(|v| v as u8 as i8).collect();
        let (a, b) = (
            MatRef::row_major(&av, m, k).unwrap(),
            MatRef::row_major(&bv, k, n).unwrap(),
        );
        let (za, zb) = (3, WeightZeroPoint::PerTensor(-2));
        let want = oracle::igemm_s32(a, za, b, &zb, Saturation::Exact);
        let scale = Scale::PerTensor(1.0 / 4096.0);
        let mut first: Option<Outputs> = None;
        for threads in 1..=4 {
            let c = ctx(threads);
            let p = PackedI8Weights::pack(&c, b, zb, PackOptions::default()).unwrap();
            let mut s32 = vec![0i32; m * n];
            let out = Output::S32 {
                c: MatMut::row_major(&mut s32, m, n).unwrap(),
                accumulate: false,
            };
            igemm(&c, a, za, &p, out).unwrap();
            assert_eq!(s32, want, "{m}x{n}x{k} s32, {threads} threads");
            let mut f = vec![0f32; m * n];
            let out = Output::F32 {
                c: MatMut::row_major(&mut f, m, n).unwrap(),
                dequantize: Dequantize::new(scale),
            };
            igemm(&c, a, za, &p, out).unwrap();
            let mut u8s = vec![0u8; m * n];
            let out = Output::U8 {
                c: MatMut::row_major(&mut u8s, m, n).unwrap(),
                requantize: Requantize::new(scale, 7),
            };
            igemm(&c, a, za, &p, out).unwrap();
            let mut s8s = vec![0i8; m * n];
            let out = Output::S8 {
                c: MatMut::row_major(&mut s8s, m, n).unwrap(),
                requantize: Requantize::new(scale, -7),
            };
            igemm(&c, a, za, &p, out).unwrap();
            let got = (s32, f.iter().map(|x| x.to_bits()).collect(), u8s, s8s);
            match &first {
                None => first = Some(got),
                Some(one) => assert!(got == *one, "{m}x{n}x{k}: {threads} threads differ from one"),
            }
        }
    }
}
