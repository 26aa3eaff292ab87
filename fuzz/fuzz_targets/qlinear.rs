//! Differential fuzzing of the dynamic quantized linear layer
//! (`lowp::igemm::QuantizedLinear`): weights and bias quantized and packed
//! on EVERY available ISA level, inputs with any strides, per-row and
//! per-tensor activation quantization, 1, 2 or 3 threads.
//!
//! - Every level (and thread count) gives bit-identical outputs: the
//!   quantization is scalar and the INT8 GEMM exact.
//! - Each output is within the documented quantization bound of the f64
//!   product `x·Wᵀ + bias`: `Σ_k (|x_k|·sw_j/2 + |w_jk|·sx/2 + sx·sw_j/4)`
//!   plus f32 rounding, with `sw_j` the layer's weight scales and `sx` the
//!   activation scale (recomputed here from the input's range).
//! - Non-finite weights, bias or inputs give `Err` naming them; shapes that
//!   disagree give `Err`; nothing panics.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::{contexts, f32_or_special, layout, shrink_mn, Bytes};
use libfuzzer_sys::fuzz_target;
use lowp::igemm::{ActivationQuantization, QuantizedLinear};
use lowp::{Error, MatMut, MatRef};

#[derive(Arbitrary, Debug)]
struct Case {
    m: u8,
    n: u8,
    k: u16,
    w_layout: (u8, u8),
    x_layout: (u8, u8),
    y_layout: u8,
    bias: bool,
    per_tensor: bool,
    special: u8,
    threads: u8,
    values: Vec<u8>,
}

fn value(src: &mut Bytes<'_>, special: u8) -> f32 {
    let menu = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        -f32::MAX / 3.0,
        1e30,
    ];
    f32_or_special(src, special, 97, &menu)
}

fn arg_of(e: &Error) -> Option<&'static str> {
    match e {
        Error::InvalidParameter { arg, .. } | Error::Overflow { arg, .. } => Some(arg),
        _ => None,
    }
}

fuzz_target!(|case: Case| {
    let mut src = Bytes::new(&case.values);
    let mut m = usize::from(case.m % 24);
    let mut n = usize::from(case.n % 70);
    let k = usize::from(case.k % 600);
    shrink_mn(&mut m, &mut n, k, 150_000);
    let (wrs, wcs, wlen) = layout(case.w_layout.0, case.w_layout.1, n, k);
    let (xrs, xcs, xlen) = layout(case.x_layout.0, case.x_layout.1, m, k);
    let (yrs, ycs, ylen) = layout(case.y_layout, case.y_layout / 3, m, n);
    let w: Vec<f32> = (0..wlen).map(|_| value(&mut src, case.special)).collect();
    let x: Vec<f32> = (0..xlen).map(|_| value(&mut src, case.special)).collect();
    let bias: Option<Vec<f32>> = case
        .bias
        .then(|| (0..n).map(|_| value(&mut src, case.special)).collect());
    let wv = MatRef::new(&w, n, k, wrs, wcs).unwrap();
    let xv = MatRef::new(&x, m, k, xrs, xcs).unwrap();
    let mode = if case.per_tensor {
        ActivationQuantization::PerTensor
    } else {
        ActivationQuantization::PerRow
    };

    let w_at = |j: usize, kk: usize| w[j * wrs + kk * wcs];
    let x_at = |i: usize, kk: usize| x[i * xrs + kk * xcs];
    let w_finite = (0..n).all(|j| (0..k).all(|kk| w_at(j, kk).is_finite()));
    let b_finite = bias.as_ref().is_none_or(|b| b.iter().all(|v| v.is_finite()));
    let x_finite = (0..m).all(|i| (0..k).all(|kk| x_at(i, kk).is_finite()));

    let mut first: Option<Vec<u32>> = None;
    for ctx in contexts(case.threads) {
        let isa = ctx.isa();
        let lin = match QuantizedLinear::new(ctx, wv, bias.as_deref(), mode) {
            Ok(l) => {
                assert!(w_finite && b_finite, "{isa}: non-finite weight or bias accepted");
                l
            }
            Err(e) => {
                assert!(!(w_finite && b_finite), "{isa}: finite layer refused: {e}");
                let a = arg_of(&e);
                assert!(
                    (a == Some("weight") && !w_finite) || (a == Some("bias") && !b_finite),
                    "{isa}: wrong argument named: {e}"
                );
                return;
            }
        };
        assert_eq!((lin.in_features(), lin.out_features()), (k, n));
        assert_eq!(lin.weight_scales().len(), n);
        let mut y = vec![f32::from_bits(0x7fc0_beef); ylen];
        let r = lin.forward(ctx, xv, MatMut::new(&mut y, m, n, yrs, ycs).unwrap());
        match r {
            // An empty output reads nothing: Ok even for non-finite x.
            Ok(()) => assert!(x_finite || m == 0 || n == 0, "{isa}: non-finite input accepted"),
            Err(e) => {
                assert!(!x_finite, "{isa}: finite input refused: {e}");
                assert_eq!(arg_of(&e), Some("x"), "{isa}: {e}");
                continue;
            }
        }
        let got: Vec<u32> = (0..m)
            .flat_map(|i| (0..n).map(move |j| (i, j)))
            .map(|(i, j)| y[i * yrs + j * ycs].to_bits())
            .collect();
        match &first {
            Some(f) => assert_eq!(f, &got, "{isa}: output differs from the first level"),
            None => {
                // Against the f64 product, with the documented bound.
                let sw = lin.weight_scales();
                let range = |rows: std::ops::Range<usize>| {
                    rows.flat_map(|i| (0..k).map(move |kk| (i, kk)))
                        .fold((0.0f32, 0.0f32), |(lo, hi), (i, kk)| {
                            (lo.min(x_at(i, kk)), hi.max(x_at(i, kk)))
                        })
                };
                let tensor = range(0..m);
                for i in 0..m {
                    let (lo, hi) = if case.per_tensor { tensor } else { range(i..i + 1) };
                    // The step the library really quantized with: the f32 scale (for a
                    // subnormal range, f32 rounding makes it coarser than the f64 one).
                    let sx = ((hi - lo) / 255.0f32) as f64;
                    if hi > lo && ((hi - lo) as f64) < 255.0 * f32::MIN_POSITIVE as f64 {
                        // A subnormal activation step (or one that underflows to
                        // 0): f32 cannot carry the scale products to the stated
                        // bound (documented on QuantizedLinear).
                        continue;
                    }
                    for j in 0..n {
                        let mut want = bias.as_ref().map_or(0.0, |b| b[j] as f64);
                        let mut mag = want.abs();
                        let mut bound = 0.0f64;
                        let swj = sw[j] as f64;
                        if swj > 0.0 && swj < f32::MIN_POSITIVE as f64 {
                            continue; // a subnormal weight step, as for sx above
                        }
                        for kk in 0..k {
                            let (xv, wv) = (x_at(i, kk) as f64, w_at(j, kk) as f64);
                            want += xv * wv;
                            mag += (xv * wv).abs();
                            bound += xv.abs() * swj / 2.0 + wv.abs() * sx / 2.0 + sx * swj / 4.0;
                        }
                        if mag > 1e37 || bound > 1e37 {
                            continue; // f32 overflow territory
                        }
                        // f32 rounding of the scales, the products and the
                        // conversions: a few ulps of everything involved.
                        let slack = 1e-5 * (mag + bound) + (k as f64 + 1.0) * 1e-38;
                        let g = f32::from_bits(got[i * n + j]) as f64;
                        assert!(
                            (g - want).abs() <= bound * 1.0001 + slack,
                            "{isa} ({i},{j}) k={k}: got {g}, want {want}, |err| {} > bound {bound} + {slack} (sx {sx}, sw {swj})",
                            (g - want).abs()
                        );
                    }
                }
                first = Some(got);
            }
        }
        // A wrong input width is refused.
        if k > 0 && m > 0 {
            let short = MatRef::new(&x, m, k - 1, xrs, xcs).unwrap();
            let mut y2 = vec![0f32; ylen];
            let r = lin.forward(ctx, short, MatMut::new(&mut y2, m, n, yrs, ycs).unwrap());
            assert!(matches!(r, Err(Error::ShapeMismatch { .. })), "{isa}: {r:?}");
        }
    }
});
