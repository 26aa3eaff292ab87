//! Differential fuzzing of the BF16 GEMM: `lowp::gemm_bf16`,
//! `gemm_bf16_packed` and `gemm_bf16_f32` (A in f32, B packed from f32),
//! with any strides, alpha/beta from a menu, NaN/Inf/subnormal operands and
//! odd K, on EVERY available ISA level and 1 to 3 threads: each result is
//! bit-identical to `lowp_reference::gemm_bf16` (every NaN counted equal),
//! and shapes that disagree give `Err`, never a panic.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::{contexts, f32_or_special, layout, shrink_mn, Bytes};
use half::bf16;
use libfuzzer_sys::fuzz_target;
use lowp::{MatMut, MatRef, PackedB};
use lowp_reference::gemm_bf16 as oracle;

#[derive(Arbitrary, Debug)]
struct Case {
    m: u8,
    n: u8,
    k: u16,
    a_layout: (u8, u8),
    b_layout: (u8, u8),
    c_layout: u8,
    alpha: u8,
    beta: u8,
    special: u8,
    threads: u8,
    wrong: u8,
    values: Vec<u8>,
}

fn scalar(sel: u8) -> f32 {
    [0.0, 1.0, -1.0, 0.5, 1e-20, 3e15, -2.75][usize::from(sel % 7)]
}

fn bits(x: &[f32]) -> Vec<u32> {
    x.iter()
        .map(|v| if v.is_nan() { 0x7fc0_0000 } else { v.to_bits() })
        .collect()
}

fuzz_target!(|case: Case| {
    let (mut m, mut n, k) = (
        usize::from(case.m % 80),
        usize::from(case.n % 80),
        usize::from(case.k % 600),
    );
    shrink_mn(&mut m, &mut n, k.max(1), 200_000);
    let mut src = Bytes::new(&case.values);
    let menu = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e38, 1e-39];
    let mut fill = |len: usize| -> Vec<f32> {
        (0..len)
            .map(|_| f32_or_special(&mut src, case.special, 31, &menu))
            .collect()
    };
    let (ra, ca, la) = layout(case.a_layout.0, case.a_layout.1, m, k);
    let (rb, cb, lb) = layout(case.b_layout.0, case.b_layout.1, k, n);
    let (rc, cc, lc) = layout(case.c_layout, case.c_layout / 3, m, n);
    let (a32, b32, c0) = (fill(la), fill(lb), fill(lc));
    let round = |v: &[f32]| v.iter().map(|&x| oracle::f32_to_bf16(x)).collect::<Vec<bf16>>();
    let (a, b) = (round(&a32), round(&b32));
    let (alpha, beta) = (scalar(case.alpha), scalar(case.beta));
    let av = MatRef::new(&a, m, k, ra, ca).unwrap();
    let bv = MatRef::new(&b, k, n, rb, cb).unwrap();
    let mut want = c0.clone();
    oracle::gemm_bf16(alpha, av, bv, beta, MatMut::new(&mut want, m, n, rc, cc).unwrap()).unwrap();
    let want = bits(&want);
    for ctx in contexts(case.threads) {
        let isa = ctx.isa();
        let mut got = c0.clone();
        lowp::gemm_bf16(
            ctx,
            alpha,
            av,
            bv,
            beta,
            MatMut::new(&mut got, m, n, rc, cc).unwrap(),
        )
        .unwrap();
        assert_eq!(bits(&got), want, "{isa} gemm_bf16");
        let packed = PackedB::<bf16>::new(ctx, bv).unwrap();
        let mut got = c0.clone();
        lowp::gemm_bf16_packed(
            ctx,
            alpha,
            av,
            &packed,
            beta,
            MatMut::new(&mut got, m, n, rc, cc).unwrap(),
        )
        .unwrap();
        assert_eq!(bits(&got), want, "{isa} gemm_bf16_packed");
        let packed = PackedB::from_f32(ctx, MatRef::new(&b32, k, n, rb, cb).unwrap()).unwrap();
        let mut got = c0.clone();
        let a32v = MatRef::new(&a32, m, k, ra, ca).unwrap();
        lowp::gemm_bf16_f32(
            ctx,
            alpha,
            a32v,
            &packed,
            beta,
            MatMut::new(&mut got, m, n, rc, cc).unwrap(),
        )
        .unwrap();
        assert_eq!(bits(&got), want, "{isa} gemm_bf16_f32");
        if case.wrong % 4 == 1 && m > 0 {
            // C one row short: Err, not a panic.
            let mut c = vec![0.0f32; (m - 1) * n];
            let short = MatMut::row_major(&mut c, m - 1, n).unwrap();
            assert!(lowp::gemm_bf16(ctx, alpha, av, bv, beta, short).is_err());
        }
    }
});
