//! Quantization conversions ([`lowp::quant`]): `quantize_f32_{u8,s8}`,
//! `dequantize_{u8,s8}_f32`, `requantize_s32_{u8,s8}` at 256 elements
//! (1 KiB of f32), 64 Ki (256 KiB, L2) and 16 Mi (far beyond the LLC).
//! Memory-bound: GB/s counts bytes read plus written, beside the triad
//! probe. JSON: `m = 1`, `n = k = elements`.
//!
//! `histogram_f32` is the calibration observer
//! ([`HistogramObserver::observe_on`], on the bench's threads) over the
//! same f32 data, `minmax_f32` the min-max observer (one plain read pass
//! through lowp's code); both count the bytes read and compare with
//! `peak_read_bw`, the read probe on the same threads.

use crate::bench::case::{Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use lowp::igemm::{Requantize, Scale};
use lowp::peak::Work;
use lowp::quant::{
    dequantize, quantize, requantize, HistogramObserver, MinMaxObserver, Observer, QuantParams, QuantType,
};
use lowp::Context;
use serde_json::json;

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "quant",
    about: "quantize / dequantize / requantize, u8 and s8, 1 KiB to 64 MiB (GB/s vs triad)",
    cases,
    compare: |_| Vec::<CompareRow>::new(),
};

const SIZES: &[usize] = &[256, 64 << 10, 16 << 20];

fn peak_triad(_: lowp::Isa) -> Option<&'static str> {
    Some("peak_triad")
}

fn peak_read_bw(_: lowp::Isa) -> Option<&'static str> {
    Some("peak_read_bw")
}

fn sizes(opts: &CaseOpts) -> Vec<usize> {
    match &opts.shapes {
        Some(s) => s.iter().map(|s| s.k).collect(),
        None => SIZES.to_vec(),
    }
}

fn cases(opts: &CaseOpts) -> Vec<Case> {
    let mut v = Vec::new();
    for &n in &sizes(opts) {
        v.push(case_q::<u8>("quantize_f32_u8", n));
        v.push(case_q::<i8>("quantize_f32_s8", n));
        v.push(case_dq::<u8>("dequantize_u8_f32", n));
        v.push(case_dq::<i8>("dequantize_s8_f32", n));
        v.push(case_rq::<u8>("requantize_s32_u8", n));
        v.push(case_rq::<i8>("requantize_s32_s8", n));
        v.push(case_hist(n));
        v.push(case_minmax(n));
    }
    v
}

fn params<Q: QuantType>() -> QuantParams {
    QuantParams::per_tensor(Q::DTYPE, 0.02, 0).expect("valid params")
}

fn f32s(n: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 7919 % 1000) as f32 - 500.0) * 0.01)
        .collect()
}

fn case_q<Q: QuantType>(op: &str, n: usize) -> Case {
    case(op, n, 5, move |ctx: &Context| {
        let (x, mut q, p) = (f32s(n), vec![Q::default(); n], params::<Q>());
        quantize(ctx, &x, &mut q, &p)?;
        let ctx = ctx.clone();
        Ok(Box::new(move || {
            std::hint::black_box(quantize(&ctx, std::hint::black_box(&x), &mut q, &p).ok());
        }) as Box<dyn FnMut()>)
    })
}

fn case_dq<Q: QuantType>(op: &str, n: usize) -> Case {
    case(op, n, 5, move |ctx: &Context| {
        let (mut y, p) = (vec![0f32; n], params::<Q>());
        let q: Vec<Q> = (0..n).map(|i| Q::from_i32((i % 97) as i32)).collect();
        dequantize(ctx, &q, &mut y, &p)?;
        let ctx = ctx.clone();
        Ok(Box::new(move || {
            std::hint::black_box(dequantize(&ctx, std::hint::black_box(&q), &mut y, &p).ok());
        }) as Box<dyn FnMut()>)
    })
}

fn case_rq<Q: QuantType>(op: &str, n: usize) -> Case {
    case(op, n, 5, move |ctx: &Context| {
        let v: Vec<i32> = (0..n).map(|i| (i * 7919 % 20_000) as i32 - 10_000).collect();
        let mut q = vec![Q::default(); n];
        let p = Requantize::new(Scale::PerTensor(0.01), 0);
        requantize(ctx, &v, &mut q, &p)?;
        let ctx = ctx.clone();
        Ok(Box::new(move || {
            std::hint::black_box(requantize(&ctx, std::hint::black_box(&v), &mut q, &p).ok());
        }) as Box<dyn FnMut()>)
    })
}

fn case_hist(n: usize) -> Case {
    let mut c = case("histogram_f32", n, 4, move |ctx: &Context| {
        let x = f32s(n);
        let ctx = ctx.clone();
        Ok(Box::new(move || {
            let mut o = HistogramObserver::default();
            o.observe_on(&ctx, std::hint::black_box(&x));
            std::hint::black_box(o);
        }) as Box<dyn FnMut()>)
    });
    c.peak_for = peak_read_bw;
    c
}

fn case_minmax(n: usize) -> Case {
    let mut c = case("minmax_f32", n, 4, move |_: &Context| {
        let x = f32s(n);
        Ok(Box::new(move || {
            let mut o = MinMaxObserver::default();
            o.observe(std::hint::black_box(&x));
            std::hint::black_box(o);
        }) as Box<dyn FnMut()>)
    });
    c.peak_for = peak_read_bw;
    c
}

/// A conversion case over `n` elements moving `bytes_per_elem` bytes each
/// (read + written); `make` checks one call and returns the timed call.
fn case(
    op: &str,
    n: usize,
    bytes_per_elem: usize,
    make: impl Fn(&Context) -> crate::CliResult<Box<dyn FnMut()>> + 'static,
) -> Case {
    let work = Work {
        ops: n as f64,
        bytes: (n * bytes_per_elem) as f64,
    };
    Case {
        op: op.to_string(),
        impl_name: "lowp",
        shape: Shape {
            m: 1,
            n,
            k: n,
            extra: vec![("elements", json!(n))],
        },
        label: Some(format!("n={n}")),
        isas: IsaSel::Each,
        memory_bound: true,
        is_peak: false,
        peak_for: peak_triad,
        setup: Box::new(move |ctx| {
            let mut call = make(ctx)?;
            Ok(Box::new(move || {
                call();
                work
            }))
        }),
    }
}
