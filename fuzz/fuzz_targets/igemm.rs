//! Differential fuzzing of the INT8 GEMM: every sign combination (u8/s8 ×
//! u8/s8), zero points per tensor or per column, both saturation modes,
//! every kernel preference, every output pipeline (s32 with and without
//! accumulation, dequantized f32, requantized u8/s8 with bias, ReLU, clamp)
//! and any strides, run on EVERY available ISA level at 1, 2 or 3 threads
//! with the weights packed once per level and reused for two calls.
//!
//! Each level is compared bit for bit with `lowp_reference::igemm` (the
//! saturating model where the level's chain may saturate and the caller
//! allowed it, the exact result otherwise). Invalid parameters (zero points
//! out of range, scales that are not finite and positive, non-finite bias,
//! empty clamps, a kernel preference the level lacks) must give `Err` naming
//! one of the invalid arguments, never a panic.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::{contexts, int8_value, layout, shrink_mn, Bytes};
use libfuzzer_sys::fuzz_target;
use lowp::igemm::{
    igemm, Activation, Dequantize, Int8, KernelPreference, Output, PackOptions, PackedI8Weights, Requantize,
    Saturation, Scale, WeightZeroPoint,
};
use lowp_reference::igemm as oracle;
use lowp::{Error, MatMut, MatRef};

#[derive(Arbitrary, Debug, Clone, Copy)]
enum ScaleSpec {
    Tensor,
    Column,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum OutSpec {
    S32 {
        accumulate: bool,
        layout: u8,
    },
    F32 {
        scale: ScaleSpec,
        bias: Option<u8>,
        act: u8,
        layout: u8,
    },
    U8 {
        req: ReqSpec,
        layout: u8,
    },
    S8 {
        req: ReqSpec,
        layout: u8,
    },
}

#[derive(Arbitrary, Debug, Clone, Copy)]
struct ReqSpec {
    scale: ScaleSpec,
    bias: bool,
    zero_point: i16,
    relu: bool,
    clamp: Option<(i16, i16)>,
}

#[derive(Arbitrary, Debug)]
struct Case {
    m: u8,
    n: u8,
    k: u16,
    a_signed: bool,
    b_signed: bool,
    a_layout: (u8, u8),
    b_layout: (u8, u8),
    za: i16,
    zb: Option<i16>,
    value_mode: (u8, u8),
    allow_saturation: bool,
    preference: u8,
    threads: u8,
    out: OutSpec,
    values: Vec<u8>,
}

trait V: Int8 + lowp_reference::igemm::Int8 {
    fn from_i32(v: i32) -> Self;
}
impl V for u8 {
    fn from_i32(v: i32) -> u8 {
        v as u8
    }
}
impl V for i8 {
    fn from_i32(v: i32) -> i8 {
        v as i8
    }
}

fn arg_of(e: &Error) -> Option<&'static str> {
    match e {
        Error::BufferTooSmall { arg, .. }
        | Error::InvalidStride { arg, .. }
        | Error::Overflow { arg, .. }
        | Error::InvalidParameter { arg, .. }
        | Error::LayoutMismatch { arg, .. } => Some(arg),
        _ => None,
    }
}

/// A scale: mostly valid (many magnitudes), sometimes invalid.
fn scale_value(src: &mut Bytes<'_>) -> f32 {
    let b = src.byte();
    let m = 1.0 + f32::from(src.byte()) / 64.0;
    match b % 16 {
        0 => 0.0,
        1 => -m,
        2 => f32::NAN,
        3 => f32::INFINITY,
        4 => f32::MAX,
        5 => m * 1e20,
        6 => f32::MIN_POSITIVE / 4.0, // subnormal
        7 => m * 1e-6,
        8 => 0.5,
        9 => 1.0,
        _ => m * 10f32.powi(i32::from(b % 7) - 4),
    }
}

fn scale_ok(s: f32) -> bool {
    s.is_finite() && s > 0.0
}

struct Scales {
    tensor: f32,
    cols: Vec<f32>,
    per_col: bool,
}

impl Scales {
    fn new(spec: ScaleSpec, n: usize, src: &mut Bytes<'_>) -> Scales {
        match spec {
            ScaleSpec::Tensor => Scales {
                tensor: scale_value(src),
                cols: vec![],
                per_col: false,
            },
            ScaleSpec::Column => Scales {
                tensor: 1.0,
                cols: (0..n).map(|_| scale_value(src)).collect(),
                per_col: true,
            },
        }
    }
    fn get(&self) -> Scale<'_> {
        if self.per_col {
            Scale::PerColumn(&self.cols)
        } else {
            Scale::PerTensor(self.tensor)
        }
    }
    fn valid(&self) -> bool {
        if self.per_col {
            self.cols.iter().all(|&s| scale_ok(s))
        } else {
            scale_ok(self.tensor)
        }
    }
}

fn run<A: V, B: V>(case: &Case) {
    let mut src = Bytes::new(&case.values);
    let mut m = usize::from(case.m % 41);
    let mut n = usize::from(case.n % 81);
    let k = if case.k & 0x8000 != 0 {
        usize::from(case.k % 4200)
    } else {
        usize::from(case.k % 300)
    };
    // Keep the oracle (and ASan) fast: at most ~200k multiply-adds.
    shrink_mn(&mut m, &mut n, k, 200_000);
    let (ars, acs, alen) = layout(case.a_layout.0, case.a_layout.1, m, k);
    let (brs, bcs, blen) = layout(case.b_layout.0, case.b_layout.1, k, n);
    let a_data: Vec<A> = (0..alen)
        .map(|_| A::from_i32(int8_value(&mut src, A::SIGNED, case.value_mode.0)))
        .collect();
    let b_data: Vec<B> = (0..blen)
        .map(|_| B::from_i32(int8_value(&mut src, B::SIGNED, case.value_mode.1)))
        .collect();
    let a = MatRef::new(&a_data, m, k, ars, acs).expect("a layout");
    let b = MatRef::new(&b_data, k, n, brs, bcs).expect("b layout");

    // Zero points: mostly inside the type's range.
    let in_range = |z: i32, signed: bool| {
        if signed {
            (-128..=127).contains(&z)
        } else {
            (0..=255).contains(&z)
        }
    };
    let za = i32::from(case.za % 300);
    let zb_cols: Vec<i32>;
    let zb = match case.zb {
        Some(z) => WeightZeroPoint::PerTensor(i32::from(z % 300)),
        None => {
            zb_cols = (0..n).map(|_| int8_value(&mut src, B::SIGNED, 0)).collect();
            WeightZeroPoint::PerColumn(&zb_cols)
        }
    };
    let za_ok = in_range(za, A::SIGNED);
    let zb_ok = (0..n).all(|j| in_range(oracle::zero_point_of(&zb, j), B::SIGNED));

    let saturation = if case.allow_saturation {
        Saturation::Allow
    } else {
        Saturation::Exact
    };
    let preference = match case.preference % 4 {
        1 => KernelPreference::Ymm,
        2 => KernelPreference::ExactS16,
        _ => KernelPreference::Auto,
    };

    // Output parameters (shared by every level).
    let out_layout = match case.out {
        OutSpec::S32 { layout: l, .. }
        | OutSpec::F32 { layout: l, .. }
        | OutSpec::U8 { layout: l, .. }
        | OutSpec::S8 { layout: l, .. } => l,
    };
    let (crs, ccs, clen) = layout(out_layout, out_layout / 3, m, n);
    let c_init: Vec<i32> = (0..clen).map(|_| i32::from(src.u16() as i16) * 7919).collect();
    let (deq_scale, deq_bias, act) = match case.out {
        OutSpec::F32 { scale, bias, act, .. } => {
            let s = Scales::new(scale, n, &mut src);
            let bias: Option<Vec<f32>> = bias.map(|bb| {
                (0..n)
                    .map(|j| match (bb as usize + j) % 23 {
                        0 if bb & 0x80 != 0 => f32::NAN,
                        1 if bb & 0x40 != 0 => f32::NEG_INFINITY,
                        _ => src.f32_small(),
                    })
                    .collect()
            });
            let a = match act % 4 {
                0 => Activation::Identity,
                1 => Activation::Relu,
                _ => {
                    let (x, y) = (src.f32_small(), src.f32_small());
                    let (lo, hi) = if act % 4 == 2 {
                        (x.min(y), x.max(y))
                    } else {
                        (x, y)
                    };
                    Activation::Clamp { min: lo, max: hi }
                }
            };
            (Some(s), bias, a)
        }
        _ => (None, None, Activation::Identity),
    };
    let req = match case.out {
        OutSpec::U8 { req, .. } | OutSpec::S8 { req, .. } => Some(req),
        _ => None,
    };
    let req_scale = req.map(|r| Scales::new(r.scale, n, &mut src));
    let req_bias: Option<Vec<i32>> = req.and_then(|r| {
        r.bias.then(|| {
            (0..n)
                .map(|_| i32::from(src.u16() as i16) * i32::from(src.byte()))
                .collect()
        })
    });

    let mut invalid: Vec<&'static str> = Vec::new();
    if !za_ok {
        invalid.push("a_zero_point");
    }
    let mut pack_invalid: Vec<&'static str> = Vec::new();
    if !zb_ok {
        pack_invalid.push("zero_point");
    }
    match case.out {
        OutSpec::F32 { .. } => {
            if !deq_scale.as_ref().unwrap().valid() {
                invalid.push("scale");
            }
            if deq_bias
                .as_ref()
                .is_some_and(|b| b.iter().any(|x| !x.is_finite()))
            {
                invalid.push("bias");
            }
            if let Activation::Clamp { min, max } = act {
                if min > max {
                    invalid.push("activation");
                }
            }
        }
        OutSpec::U8 { req: r, .. } | OutSpec::S8 { req: r, .. } => {
            let signed = matches!(case.out, OutSpec::S8 { .. });
            if !req_scale.as_ref().unwrap().valid() {
                invalid.push("scale");
            }
            let zp = i32::from(r.zero_point % 300);
            if !in_range(zp, signed) {
                invalid.push("requantize.zero_point");
            } else {
                let (qmin, qmax) = if signed { (-128, 127) } else { (0, 255) };
                let p = Requantize {
                    scale: Scale::PerTensor(1.0),
                    bias: None,
                    zero_point: zp,
                    relu: r.relu,
                    clamp: r.clamp.map(|(x, y)| (i32::from(x % 300), i32::from(y % 300))),
                };
                let (lo, hi) = oracle::bounds(&p, qmin, qmax);
                if lo > hi {
                    invalid.push("requantize.clamp");
                }
            }
        }
        OutSpec::S32 { .. } => {}
    }

    // The oracle's raw results, exact and saturating.
    let valid_input = za_ok && zb_ok;
    let exact = valid_input.then(|| oracle::igemm_s32(a, za, b, &zb, Saturation::Exact));
    let model =
        (valid_input && case.allow_saturation).then(|| oracle::igemm_s32(a, za, b, &zb, Saturation::Allow));

    for ctx in contexts(case.threads) {
        let kern = &ctx.kernels().igemm;
        let mut pinvalid = pack_invalid.clone();
        match preference {
            KernelPreference::Ymm if kern.alt.is_none() => pinvalid.push("options.preference"),
            KernelPreference::ExactS16 if kern.exact.is_none() => pinvalid.push("options.preference"),
            _ => {}
        }
        let packed = PackedI8Weights::pack(
            ctx,
            b,
            zb,
            PackOptions {
                saturation,
                preference,
            },
        );
        let packed = match packed {
            Ok(p) => {
                assert!(
                    pinvalid.is_empty(),
                    "{}: pack accepted invalid {pinvalid:?}",
                    ctx.isa()
                );
                p
            }
            Err(e) => {
                let arg = arg_of(&e);
                assert!(
                    arg.is_some_and(|a| pinvalid.contains(&a)),
                    "{}: pack refused valid input or named the wrong argument: {e} (invalid: {pinvalid:?})",
                    ctx.isa()
                );
                continue;
            }
        };
        assert_eq!((packed.k(), packed.n()), (k, n));
        let saturates =
            kern.main.saturates && case.allow_saturation && preference != KernelPreference::ExactS16;
        let raw = if saturates { model.as_ref() } else { exact.as_ref() };
        // Twice: the packed weights are reused, and the second call must
        // give the same result (no state left behind).
        for _ in 0..2 {
            check_call(
                ctx,
                &case.out,
                a,
                za,
                &packed,
                raw,
                &invalid,
                (m, n, crs, ccs, clen),
                &c_init,
                deq_scale.as_ref(),
                deq_bias.as_deref(),
                act,
                req,
                req_scale.as_ref(),
                req_bias.as_deref(),
            );
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn check_call<A: V>(
    ctx: &lowp::Context,
    out: &OutSpec,
    a: MatRef<'_, A>,
    za: i32,
    packed: &PackedI8Weights,
    raw: Option<&Vec<i32>>,
    invalid: &[&'static str],
    (m, n, crs, ccs, clen): (usize, usize, usize, usize, usize),
    c_init: &[i32],
    deq_scale: Option<&Scales>,
    deq_bias: Option<&[f32]>,
    act: Activation,
    req: Option<ReqSpec>,
    req_scale: Option<&Scales>,
    req_bias: Option<&[i32]>,
) {
    let isa = ctx.isa();
    let check_err = |r: lowp::Result<()>| -> bool {
        match r {
            Ok(()) => {
                assert!(invalid.is_empty(), "{isa}: igemm accepted invalid {invalid:?}");
                true
            }
            Err(e) => {
                assert!(
                    arg_of(&e).is_some_and(|x| invalid.contains(&x)),
                    "{isa}: igemm refused valid input or named the wrong argument: {e} (invalid: {invalid:?})"
                );
                false
            }
        }
    };
    // Offsets of (i, j) in C.
    let at = |i: usize, j: usize| i * crs + j * ccs;
    match *out {
        OutSpec::S32 { accumulate, .. } => {
            let mut c = c_init.to_vec();
            let r = igemm(
                ctx,
                a,
                za,
                packed,
                Output::S32 {
                    c: MatMut::new(&mut c, m, n, crs, ccs).unwrap(),
                    accumulate,
                },
            );
            if check_err(r) {
                let raw = raw.unwrap();
                for i in 0..m {
                    for j in 0..n {
                        let want = if accumulate {
                            c_init[at(i, j)].wrapping_add(raw[i * n + j])
                        } else {
                            raw[i * n + j]
                        };
                        assert_eq!(c[at(i, j)], want, "{isa} s32 ({i},{j}) accumulate={accumulate}");
                    }
                }
            }
        }
        OutSpec::F32 { .. } => {
            let s = deq_scale.unwrap();
            let mut c = vec![f32::from_bits(0x7fc0_dead); clen];
            let d = Dequantize {
                scale: s.get(),
                bias: deq_bias,
                activation: act,
            };
            let r = igemm(
                ctx,
                a,
                za,
                packed,
                Output::F32 {
                    c: MatMut::new(&mut c, m, n, crs, ccs).unwrap(),
                    dequantize: d,
                },
            );
            if check_err(r) {
                let raw = raw.unwrap();
                for i in 0..m {
                    for j in 0..n {
                        let want = oracle::dequantize_one(raw[i * n + j], j, &s.get(), deq_bias, act);
                        let got = c[at(i, j)];
                        assert!(
                            got.to_bits() == want.to_bits() || (got == 0.0 && want == 0.0),
                            "{isa} f32 ({i},{j}): {got} vs {want}"
                        );
                    }
                }
            }
        }
        OutSpec::U8 { req: _, .. } | OutSpec::S8 { req: _, .. } => {
            let r = req.unwrap();
            let s = req_scale.unwrap();
            let p = Requantize {
                scale: s.get(),
                bias: req_bias,
                zero_point: i32::from(r.zero_point % 300),
                relu: r.relu,
                clamp: r.clamp.map(|(x, y)| (i32::from(x % 300), i32::from(y % 300))),
            };
            let signed = matches!(out, OutSpec::S8 { .. });
            let (got, ok): (Vec<i32>, bool) = if signed {
                let mut c = vec![0x55i8; clen];
                let ok = check_err(igemm(
                    ctx,
                    a,
                    za,
                    packed,
                    Output::S8 {
                        c: MatMut::new(&mut c, m, n, crs, ccs).unwrap(),
                        requantize: p,
                    },
                ));
                (c.iter().map(|&v| i32::from(v)).collect(), ok)
            } else {
                let mut c = vec![0x55u8; clen];
                let ok = check_err(igemm(
                    ctx,
                    a,
                    za,
                    packed,
                    Output::U8 {
                        c: MatMut::new(&mut c, m, n, crs, ccs).unwrap(),
                        requantize: p,
                    },
                ));
                (c.iter().map(|&v| i32::from(v)).collect(), ok)
            };
            if ok {
                let raw = raw.unwrap();
                let (qmin, qmax) = if signed { (-128, 127) } else { (0, 255) };
                for i in 0..m {
                    for j in 0..n {
                        let want = oracle::requantize_one(raw[i * n + j], j, &p, qmin, qmax);
                        assert_eq!(got[at(i, j)], want, "{isa} requantize signed={signed} ({i},{j})");
                    }
                }
            }
        }
    }
}

fuzz_target!(|case: Case| {
    match (case.a_signed, case.b_signed) {
        (false, false) => run::<u8, u8>(&case),
        (false, true) => run::<u8, i8>(&case),
        (true, false) => run::<i8, u8>(&case),
        (true, true) => run::<i8, i8>(&case),
    }
});
