//! Differential fuzzing of the FP32 GEMM: `lowp::sgemm`, `sgemm_packed`
//! (B packed once per level, used twice) and the raw-pointer entry
//! `lowp::raw::sgemm` (negative strides included), with any strides and
//! transposes, alpha/beta from a menu that includes 0, ±1, tiny and huge,
//! on EVERY available ISA level.
//!
//! Each result is within `(k + 4)·ε·(|α|·Σ|a||b| + |β|·|c|)` plus
//! `(k + 2)·2⁻¹⁴⁹·(1 + |α|)` (products that underflow f32 lose up to half a
//! subnormal ulp each, then are scaled by α) of `lowp_reference::sgemm`; a level run with 2 or
//! 3 threads is bit-identical to the same level with 1 thread; BLAS
//! semantics hold (beta = 0 does not read C, so NaN in C does not leak;
//! NaN/Inf in A or B propagate as the oracle's). Shapes that disagree give
//! `Err`, never a panic.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::{contexts, f32_or_special, layout, shrink_mn, Bytes};
use libfuzzer_sys::fuzz_target;
use lowp::{Error, MatMut, MatRef, PackedB};

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
    raw_neg: u8,
    wrong: u8,
    values: Vec<u8>,
}

fn scalar(src: &mut Bytes<'_>, sel: u8) -> f32 {
    match sel % 10 {
        0 => 0.0,
        1 => 1.0,
        2 => -1.0,
        3 => 0.5,
        4 => 1e-20,
        5 => 3e15,
        _ => src.f32_small(),
    }
}

fn value(src: &mut Bytes<'_>, special: u8) -> f32 {
    f32_or_special(src, special, 61, &[f32::NAN, f32::INFINITY, f32::NEG_INFINITY])
}

/// Element-wise check of `got` (an `m × n` accessor) against the oracle.
#[allow(clippy::too_many_arguments)]
fn check(
    what: &str,
    got: impl Fn(usize, usize) -> f32,
    want: &[f32],
    a: &MatRef<'_, f32>,
    b: &MatRef<'_, f32>,
    c0: impl Fn(usize, usize) -> f32,
    alpha: f32,
    beta: f32,
) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    for i in 0..m {
        for j in 0..n {
            let (g, w) = (got(i, j), want[i * n + j]);
            let abs: f64 = (0..k)
                .map(|p| (*a.get(i, p).unwrap() as f64 * *b.get(p, j).unwrap() as f64).abs())
                .sum();
            let cabs = if beta == 0.0 {
                0.0
            } else {
                (beta as f64 * c0(i, j) as f64).abs()
            };
            // BLAS: alpha = 0 or k = 0 does not read A or B.
            let mag = if alpha == 0.0 || k == 0 {
                cabs
            } else {
                alpha.abs() as f64 * abs + cabs
            };
            if w.is_nan() || mag.is_nan() {
                assert!(g.is_nan(), "{what} ({i},{j}): want NaN, got {g}");
                continue;
            }
            if mag >= f32::MAX as f64 / 4.0 {
                continue; // f32 overflow territory: any f32 outcome is legitimate
            }
            let bound = (k as f64 + 4.0) * f32::EPSILON as f64 * mag
                + (k as f64 + 2.0) * 1.5e-45 * (1.0 + alpha.abs() as f64);
            assert!(
                (g as f64 - w as f64).abs() <= bound,
                "{what} ({i},{j}) m={m} n={n} k={k} α={alpha} β={beta}: got {g}, want {w}, bound {bound:e}"
            );
        }
    }
}

fuzz_target!(|case: Case| {
    let mut src = Bytes::new(&case.values);
    let mut m = usize::from(case.m % 70);
    let mut n = usize::from(case.n % 70);
    let k = usize::from(case.k % 400);
    shrink_mn(&mut m, &mut n, k, 150_000);
    let (ars, acs, alen) = layout(case.a_layout.0, case.a_layout.1, m, k);
    let (brs, bcs, blen) = layout(case.b_layout.0, case.b_layout.1, k, n);
    let (crs, ccs, clen) = layout(case.c_layout, case.c_layout / 3, m, n);
    let a_data: Vec<f32> = (0..alen).map(|_| value(&mut src, case.special)).collect();
    let b_data: Vec<f32> = (0..blen).map(|_| value(&mut src, case.special)).collect();
    let c_data: Vec<f32> = (0..clen).map(|_| value(&mut src, case.special)).collect();
    let alpha = scalar(&mut src, case.alpha);
    let beta = scalar(&mut src, case.beta);
    let a = MatRef::new(&a_data, m, k, ars, acs).unwrap();
    let b = MatRef::new(&b_data, k, n, brs, bcs).unwrap();
    let c0 = |i: usize, j: usize| c_data[i * crs + j * ccs];
    // The oracle (f64 sums), row-major.
    let mut want = vec![0f32; m * n];
    for i in 0..m {
        for j in 0..n {
            want[i * n + j] = c0(i, j);
        }
    }
    lowp_reference::sgemm::sgemm(
        alpha,
        a,
        b,
        beta,
        MatMut::new(&mut want, m, n, n.max(1), 1).unwrap(),
    )
    .unwrap();
    // BLAS: alpha = 0 or k = 0 gives beta·C without reading A or B; the
    // oracle's f64 loop computes alpha·Σ, so model that case here.
    if alpha == 0.0 || k == 0 {
        for i in 0..m {
            for j in 0..n {
                want[i * n + j] = if beta == 0.0 { 0.0 } else { beta * c0(i, j) };
            }
        }
    }
    // A fresh copy of C as an `m × cols` view with C's strides, passed to
    // `call`: the buffer afterwards and the call's result.
    let run = |cols: usize, call: &dyn Fn(MatMut<'_, f32>) -> lowp::Result<()>| {
        let mut c = c_data.clone();
        let r = call(MatMut::new(&mut c, m, cols, crs, ccs).unwrap());
        (c, r)
    };
    let check_c =
        |what: &str, c: &[f32]| check(what, |i, j| c[i * crs + j * ccs], &want, &a, &b, c0, alpha, beta);
    let one = contexts(0);
    let many = contexts(case.threads);
    for (idx, ctx) in one.iter().enumerate() {
        let isa = ctx.isa();
        let (c, r) = run(n, &|c| lowp::sgemm(ctx, alpha, a, b, beta, c));
        r.expect("valid sgemm");
        check_c(&format!("{isa} sgemm"), &c);
        // Same level, 2 or 3 threads: bit-identical.
        let tctx = &many[idx];
        if tctx.num_threads() != ctx.num_threads() {
            let (ct, r) = run(n, &|c| lowp::sgemm(tctx, alpha, a, b, beta, c));
            r.unwrap();
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&ct),
                bits(&c),
                "{isa}: {} threads differ from 1",
                tctx.num_threads()
            );
        }
        // Prepacked B, used twice.
        let packed = PackedB::<f32>::new(ctx, b).expect("valid pack");
        assert_eq!((packed.rows(), packed.cols()), (k, n));
        for _ in 0..2 {
            let (cp, r) = run(n, &|c| lowp::sgemm_packed(ctx, alpha, a, &packed, beta, c));
            r.expect("valid packed sgemm");
            check_c(&format!("{isa} sgemm_packed"), &cp);
        }
        // Packed for another level: refused by name.
        if let Some(other) = one
            .iter()
            .find(|o| o.kernels().sgemm.name() != ctx.kernels().sgemm.name())
        {
            let (_, r) = run(n, &|c| lowp::sgemm_packed(other, alpha, a, &packed, beta, c));
            assert!(matches!(r, Err(Error::LayoutMismatch { .. })), "{r:?}");
        }
        // Shapes that disagree.
        if case.wrong % 3 == 1 && n > 0 {
            let (_, r) = run(n - 1, &|c| lowp::sgemm(ctx, alpha, a, b, beta, c));
            assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{r:?}");
        }
    }
    // The raw entry (default context), with some strides negated: element
    // (0, 0) then sits at the far end of that dimension's span.
    let neg = |s: usize, dim: usize, flip: bool| -> (isize, usize) {
        if flip && dim > 1 {
            (-(s as isize), (dim - 1) * s)
        } else {
            (s as isize, 0)
        }
    };
    let f = case.raw_neg;
    let (rsa, oa1) = neg(ars, m, f & 1 != 0);
    let (csa, oa2) = neg(acs, k, f & 2 != 0);
    let (rsb, ob1) = neg(brs, k, f & 4 != 0);
    let (csb, ob2) = neg(bcs, n, f & 8 != 0);
    let (rsc, oc1) = neg(crs, m, f & 16 != 0);
    let (csc, oc2) = neg(ccs, n, f & 32 != 0);
    // Negated strides address the same elements mirrored: (i, j) of the raw
    // call is element (m-1-i, ·) of the buffer. Build mirrored operands so
    // the raw call computes the same product as `a`, `b`.
    let flip_r = |flip: bool, dim: usize, i: usize| if flip && dim > 1 { dim - 1 - i } else { i };
    let mut ar = a_data.clone();
    for i in 0..m {
        for p in 0..k {
            ar[flip_r(f & 1 != 0, m, i) * ars + flip_r(f & 2 != 0, k, p) * acs] = *a.get(i, p).unwrap();
        }
    }
    let mut br = b_data.clone();
    for p in 0..k {
        for j in 0..n {
            br[flip_r(f & 4 != 0, k, p) * brs + flip_r(f & 8 != 0, n, j) * bcs] = *b.get(p, j).unwrap();
        }
    }
    let mut cr = c_data.clone();
    for i in 0..m {
        for j in 0..n {
            cr[flip_r(f & 16 != 0, m, i) * crs + flip_r(f & 32 != 0, n, j) * ccs] = c0(i, j);
        }
    }
    if m > 0 && n > 0 {
        // SAFETY: every (i, p), (p, j), (i, j) addressed lies in `ar`, `br`,
        // `cr` (the offsets start at the mirrored end of each negated
        // dimension), the three buffers are distinct allocations, and C's
        // strides come from a layout with distinct elements.
        unsafe {
            lowp::raw::sgemm(
                m,
                k,
                n,
                alpha,
                ar.as_ptr().add(oa1 + oa2),
                rsa,
                csa,
                br.as_ptr().add(ob1 + ob2),
                rsb,
                csb,
                beta,
                cr.as_mut_ptr().add(oc1 + oc2),
                rsc,
                csc,
            );
        }
        let got = |i: usize, j: usize| cr[flip_r(f & 16 != 0, m, i) * crs + flip_r(f & 32 != 0, n, j) * ccs];
        check("raw::sgemm", got, &want, &a, &b, c0, alpha, beta);
    }
});
