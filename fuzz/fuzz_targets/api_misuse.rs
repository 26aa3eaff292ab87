//! Arbitrary (mostly invalid) arguments to lowp's public compute API: shapes
//! that disagree, buffers too short, strides that overflow `isize` or make C
//! overlap itself, zero sizes with wild strides, K past the accumulator
//! bound, lengths past the exact-integer limits, per-column parameters of
//! the wrong length, weights packed for another ISA level, NaN/Inf inputs.
//!
//! Every call must return either a correct result (checked against the
//! oracle where one is cheap) or `Err` whose message names an argument of
//! the call; never a panic, never UB (ASan watches).
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::{contexts, Bytes};
use libfuzzer_sys::fuzz_target;
use lowp::dot::{self, Metric};
use lowp::igemm::{
    igemm, ActivationQuantization, Dequantize, KernelPreference, Output, PackOptions, PackedI8Weights,
    QuantizedLinear, Requantize, Saturation, Scale, WeightZeroPoint, MAX_K,
};
use lowp_reference::igemm as oracle;
use lowp::{Error, MatMut, MatRef};

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Size {
    Small(u8),
    Any(usize),
    NearMax(u8),
}

impl Size {
    fn get(self) -> usize {
        match self {
            Size::Small(v) => usize::from(v % 9),
            // Sizes a zero-size view can claim: up to a few thousand, or
            // near usize::MAX. (Between ~2^31 and isize::MAX/16 a 0×N
            // weight matrix would legitimately allocate O(N) metadata and
            // exhaust memory; that is allocation failure, not fuzzed.)
            Size::Any(v) => v % 5000,
            Size::NearMax(v) => usize::MAX - usize::from(v),
        }
    }
}

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Stride {
    Small(u8),
    Any(usize),
    NearIsizeMax(i8),
    NearMax(u8),
}

impl Stride {
    fn get(self) -> usize {
        match self {
            Stride::Small(v) => usize::from(v % 12),
            Stride::Any(v) => v,
            Stride::NearIsizeMax(d) => (isize::MAX as usize).wrapping_add(d as isize as usize),
            Stride::NearMax(v) => usize::MAX - usize::from(v),
        }
    }
}

/// A view request: dimensions, strides and the buffer length.
#[derive(Arbitrary, Debug, Clone, Copy)]
struct View {
    rows: Size,
    cols: Size,
    rs: Stride,
    cs: Stride,
    len: u16,
}

impl View {
    fn dims(&self) -> (usize, usize, usize, usize, usize) {
        (
            self.rows.get(),
            self.cols.get(),
            self.rs.get(),
            self.cs.get(),
            usize::from(self.len % 2048),
        )
    }
}

#[derive(Arbitrary, Debug)]
enum Call {
    Igemm {
        a: View,
        b: View,
        c: View,
        signed: (bool, bool),
        za: i32,
        zb: Option<i32>,
        out: u8,
        scale_len: Option<u8>,
        bias_len: Option<u8>,
        other_isa: bool,
        allow: bool,
        preference: u8,
    },
    BigK {
        k: u32,
        n: u8,
        signed: (bool, bool),
        za: u8,
        zb: u8,
        allow: bool,
        extremes: bool,
    },
    Linear {
        w: View,
        x: View,
        y: View,
        bias_len: Option<u8>,
        nan: u8,
        per_tensor: bool,
        other_isa: bool,
    },
    Pair {
        ty: u8,
        la: u32,
        lb: u32,
        nan: u8,
    },
    Scan {
        ty: u8,
        q_len: u32,
        db: View,
        out_len: u16,
        k: u16,
        l2: bool,
        many: Option<View>,
    },
    Index {
        db: View,
        q_len: u16,
        k: u16,
        nan: u8,
        per_dim: bool,
    },
}

#[derive(Arbitrary, Debug)]
struct Case {
    threads: u8,
    call: Call,
    values: Vec<u8>,
}

/// The error names one of `args` (in its `arg` field or its message).
fn assert_names(e: &Error, args: &[&str]) {
    let text = e.to_string();
    let field = match e {
        Error::BufferTooSmall { arg, .. }
        | Error::InvalidStride { arg, .. }
        | Error::Overflow { arg, .. }
        | Error::InvalidParameter { arg, .. }
        | Error::LayoutMismatch { arg, .. } => Some(*arg),
        _ => None,
    };
    let named = field.is_some_and(|f| args.contains(&f))
        || args.iter().any(|a| {
            text.split(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '.'))
                .any(|w| w == *a)
        });
    assert!(named, "error does not name any of {args:?}: {text}");
}

fn view<'a, T>(data: &'a [T], v: (usize, usize, usize, usize, usize)) -> lowp::Result<MatRef<'a, T>> {
    MatRef::new(&data[..v.4.min(data.len())], v.0, v.1, v.2, v.3)
}

fn view_mut<'a, T>(data: &'a mut [T], v: (usize, usize, usize, usize, usize)) -> lowp::Result<MatMut<'a, T>> {
    let l = v.4.min(data.len());
    MatMut::new(&mut data[..l], v.0, v.1, v.2, v.3)
}

const IGEMM_ARGS: &[&str] = &[
    "a",
    "b",
    "c",
    "bias",
    "scale",
    "zero_point",
    "a_zero_point",
    "requantize.zero_point",
    "requantize.clamp",
    "activation",
    "options.preference",
];

fn bytes_i8(src: &mut Bytes<'_>, n: usize) -> Vec<i8> {
    (0..n).map(|_| src.byte() as i8).collect()
}

fuzz_target!(|case: Case| {
    let ctxs = contexts(case.threads);
    let ctx = &ctxs[usize::from(case.threads / 3) % ctxs.len()];
    let other = &ctxs[usize::from(case.threads / 3 + 1) % ctxs.len()];
    let mut src = Bytes::new(&case.values);
    match case.call {
        Call::Igemm {
            a,
            b,
            c,
            signed,
            za,
            zb,
            out,
            scale_len,
            bias_len,
            other_isa,
            allow,
            preference,
        } => {
            let (ad, bd, cd) = (a.dims(), b.dims(), c.dims());
            let abuf: Vec<i8> = bytes_i8(&mut src, 2048);
            let abuf_u: Vec<u8> = abuf.iter().map(|&v| v as u8).collect();
            let bbuf: Vec<i8> = bytes_i8(&mut src, 2048);
            let bbuf_u: Vec<u8> = bbuf.iter().map(|&v| v as u8).collect();
            let zb_cols: Vec<i32> = (0..usize::from(zb.map_or(0, |z| z as u8 % 9)))
                .map(|_| i32::from(src.byte()))
                .collect();
            let zbp = match zb {
                Some(z) if z & 1 == 0 => WeightZeroPoint::PerTensor(z >> 1),
                Some(_) => WeightZeroPoint::PerColumn(&zb_cols),
                None => WeightZeroPoint::PerTensor(0),
            };
            let options = PackOptions {
                saturation: if allow {
                    Saturation::Allow
                } else {
                    Saturation::Exact
                },
                preference: [
                    KernelPreference::Auto,
                    KernelPreference::Ymm,
                    KernelPreference::ExactS16,
                ][usize::from(preference % 3)],
            };
            let pack_ctx = if other_isa { other } else { ctx };
            let packed = match signed.1 {
                true => view(&bbuf, bd).and_then(|bv| PackedI8Weights::pack(pack_ctx, bv, zbp, options)),
                false => view(&bbuf_u, bd).and_then(|bv| PackedI8Weights::pack(pack_ctx, bv, zbp, options)),
            };
            let packed = match packed {
                Ok(p) => p,
                Err(e) => return assert_names(&e, &["b", "zero_point", "options.preference", "matrix"]),
            };
            let n = packed.n();
            let scales: Vec<f32> = (0..usize::from(scale_len.unwrap_or(0) % 9))
                .map(|_| f32::from(src.byte()) / 16.0 - 1.0)
                .collect();
            let scale = match scale_len {
                None => Scale::PerTensor(f32::from(src.byte() as i8) / 8.0),
                Some(_) => Scale::PerColumn(&scales),
            };
            let fbias: Vec<f32> = (0..usize::from(bias_len.unwrap_or(0) % 9))
                .map(|_| f32::from(src.byte() as i8))
                .collect();
            let ibias: Vec<i32> = fbias.iter().map(|&v| v as i32).collect();
            let mut c32 = vec![0i32; 2048];
            let mut cf = vec![0f32; 2048];
            let mut c8 = vec![0u8; 2048];
            let mut cs8 = vec![0i8; 2048];
            let zp = i32::from(src.byte() as i8) * 3;
            let req = Requantize {
                scale,
                bias: bias_len.map(|_| &ibias[..]),
                zero_point: zp,
                relu: zp & 1 == 0,
                clamp: (zp & 2 == 0).then(|| (i32::from(src.byte() as i8), i32::from(src.byte() as i8))),
            };
            let deq = Dequantize {
                scale,
                bias: bias_len.map(|_| &fbias[..]),
                activation: lowp::igemm::Activation::Clamp {
                    min: f32::from(src.byte() as i8),
                    max: f32::from(src.byte() as i8),
                },
            };
            let r = (|| -> lowp::Result<()> {
                let o = match out % 4 {
                    0 => Output::S32 {
                        c: view_mut(&mut c32, cd)?,
                        accumulate: out & 4 != 0,
                    },
                    1 => Output::F32 {
                        c: view_mut(&mut cf, cd)?,
                        dequantize: deq,
                    },
                    2 => Output::U8 {
                        c: view_mut(&mut c8, cd)?,
                        requantize: req,
                    },
                    _ => Output::S8 {
                        c: view_mut(&mut cs8, cd)?,
                        requantize: req,
                    },
                };
                if signed.0 {
                    igemm(ctx, view(&abuf, ad)?, za, &packed, o)
                } else {
                    igemm(ctx, view(&abuf_u, ad)?, za, &packed, o)
                }
            })();
            match r {
                Err(e) => assert_names(&e, &[IGEMM_ARGS, &["matrix"]].concat()),
                Ok(()) => {
                    // Accepted: the shapes agreed and the levels matched.
                    assert_eq!(packed.isa(), ctx.isa());
                    assert_eq!((cd.0, cd.1), (ad.0, n));
                    assert_eq!(ad.1, packed.k());
                    // (An empty C may claim ~usize::MAX rows: no per-row walk then.)
                    if out % 4 == 0
                        && !(allow && ctx.kernels().igemm.main.saturates)
                        && out & 4 == 0
                        && cd.0.min(cd.1) > 0
                    {
                        // Raw s32: check against the oracle.
                        let cv = view(&c32, cd).unwrap();
                        let bv_s;
                        let bv_u;
                        let want = match (signed.0, signed.1) {
                            (true, true) => {
                                bv_s = view(&bbuf, bd).unwrap();
                                oracle::igemm_s32(view(&abuf, ad).unwrap(), za, bv_s, &zbp, Saturation::Exact)
                            }
                            (false, true) => {
                                bv_s = view(&bbuf, bd).unwrap();
                                oracle::igemm_s32(
                                    view(&abuf_u, ad).unwrap(),
                                    za,
                                    bv_s,
                                    &zbp,
                                    Saturation::Exact,
                                )
                            }
                            (true, false) => {
                                bv_u = view(&bbuf_u, bd).unwrap();
                                oracle::igemm_s32(view(&abuf, ad).unwrap(), za, bv_u, &zbp, Saturation::Exact)
                            }
                            (false, false) => {
                                bv_u = view(&bbuf_u, bd).unwrap();
                                oracle::igemm_s32(
                                    view(&abuf_u, ad).unwrap(),
                                    za,
                                    bv_u,
                                    &zbp,
                                    Saturation::Exact,
                                )
                            }
                        };
                        for i in 0..cd.0 {
                            for j in 0..cd.1 {
                                assert_eq!(*cv.get(i, j).unwrap(), want[i * cd.1 + j], "({i},{j})");
                            }
                        }
                    }
                }
            }
        }
        Call::BigK {
            k,
            n,
            signed,
            za,
            zb,
            allow,
            extremes,
        } => {
            // K around the accumulator bounds (33,025 for u8·u8, 65,793 for
            // u8·s8, MAX_K), one or two columns: Err exactly when the
            // worst case of these operands can leave i32.
            let k = match k % 4 {
                0 => 33_025 + (k as usize >> 2) % 8 - 4,
                1 => 65_793 + (k as usize >> 2) % 8 - 4,
                2 => MAX_K + (k as usize >> 2) % 8 - 4,
                _ => (k as usize >> 2) % 70_000,
            };
            let n = usize::from(n % 2) + 1;
            let byte = |src: &mut Bytes<'_>| {
                if extremes {
                    if src.byte() & 1 == 0 {
                        0x80u8
                    } else {
                        0x7f
                    }
                } else {
                    src.byte()
                }
            };
            let a8: Vec<u8> = (0..k).map(|_| byte(&mut src)).collect();
            let b8: Vec<u8> = (0..k * n).map(|_| byte(&mut src)).collect();
            let (za, zb) = (i32::from(za), i32::from(zb));
            let options = PackOptions {
                saturation: if allow {
                    Saturation::Allow
                } else {
                    Saturation::Exact
                },
                ..Default::default()
            };
            macro_rules! go {
                ($ta:ty, $tb:ty) => {{
                    let a: Vec<$ta> = a8.iter().map(|&v| v as $ta).collect();
                    let b: Vec<$tb> = b8.iter().map(|&v| v as $tb).collect();
                    let (za, zb) = (
                        za - if <$ta as lowp::igemm::Int8>::SIGNED {
                            128
                        } else {
                            0
                        },
                        zb - if <$tb as lowp::igemm::Int8>::SIGNED {
                            128
                        } else {
                            0
                        },
                    );
                    let bv = MatRef::new(&b, k, n, n, 1).unwrap();
                    let av = MatRef::new(&a, 1, k, k.max(1), 1).unwrap();
                    let p = match PackedI8Weights::pack(ctx, bv, WeightZeroPoint::PerTensor(zb), options) {
                        Ok(p) => {
                            assert!(k <= MAX_K, "K = {k} > MAX_K packed");
                            p
                        }
                        Err(e) => {
                            assert!(k > MAX_K, "K = {k} refused: {e}");
                            return assert_names(&e, &["b"]);
                        }
                    };
                    let mut c = vec![0i32; n];
                    let r = igemm(
                        ctx,
                        av,
                        za,
                        &p,
                        Output::S32 {
                            c: MatMut::new(&mut c, 1, n, n, 1).unwrap(),
                            accumulate: false,
                        },
                    );
                    // The documented bound (exact mode): K·max|a−za|·max|b−zb| ≤ i32::MAX.
                    let max_a = (<$ta as lowp::igemm::Int8>::MIN - za)
                        .abs()
                        .max((<$ta as lowp::igemm::Int8>::MAX - za).abs()) as i64;
                    let max_b = b
                        .iter()
                        .map(|&v| (i32::from(v) - zb).abs() as i64)
                        .max()
                        .unwrap_or(0);
                    let risky = k as i64 * max_a * max_b > i32::MAX as i64;
                    match r {
                        Ok(()) => {
                            assert!(
                                allow || !risky,
                                "K = {k}: a call that can overflow was accepted"
                            );
                            if !(allow && ctx.kernels().igemm.main.saturates) {
                                let want = oracle::igemm_s32(
                                    av,
                                    za,
                                    bv,
                                    &WeightZeroPoint::PerTensor(zb),
                                    Saturation::Exact,
                                );
                                assert_eq!(c, want, "K = {k}");
                            }
                        }
                        Err(e) => {
                            assert!(matches!(e, Error::Overflow { arg: "a", .. }), "{e}");
                            assert!(allow || risky, "K = {k}: a safe call was refused: {e}");
                        }
                    }
                }};
            }
            match signed {
                (false, false) => go!(u8, u8),
                (false, true) => go!(u8, i8),
                (true, false) => go!(i8, u8),
                (true, true) => go!(i8, i8),
            }
        }
        Call::Linear {
            w,
            x,
            y,
            bias_len,
            nan,
            per_tensor,
            other_isa,
        } => {
            let special = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.0][usize::from(nan % 4)];
            let fb = |src: &mut Bytes<'_>| if src.byte() == 0 { special } else { src.f32_small() };
            let wb: Vec<f32> = (0..2048).map(|_| fb(&mut src)).collect();
            let xb: Vec<f32> = (0..2048).map(|_| fb(&mut src)).collect();
            let bias: Vec<f32> = (0..usize::from(bias_len.unwrap_or(0) % 9))
                .map(|_| fb(&mut src))
                .collect();
            let mut yb = vec![0f32; 2048];
            let mode = if per_tensor {
                ActivationQuantization::PerTensor
            } else {
                ActivationQuantization::PerRow
            };
            let lin = match view(&wb, w.dims()).and_then(|wv| {
                QuantizedLinear::new(
                    if other_isa { other } else { ctx },
                    wv,
                    bias_len.map(|_| &bias[..]),
                    mode,
                )
            }) {
                Ok(l) => l,
                Err(e) => return assert_names(&e, &["weight", "bias", "matrix"]),
            };
            let r = view(&xb, x.dims()).and_then(|xv| {
                let yv = view_mut(&mut yb, y.dims())?;
                lin.forward(ctx, xv, yv)
            });
            if let Err(e) = r {
                assert_names(&e, &["x", "y", "c", "b", "matrix"]);
            }
        }
        Call::Pair { ty, la, lb, nan } => {
            // Lengths near the exact-integer limits are allowed (rarely).
            let len = |l: u32| {
                if l & 1 == 0 {
                    (l as usize >> 1) % 64
                } else {
                    (l as usize >> 1) % 140_000
                }
            };
            let (la, lb) = (len(la), len(lb));
            let special = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, -0.0][usize::from(nan % 4)];
            macro_rules! ints {
                ($f:path, $ta:ty, $tb:ty, $max:expr) => {{
                    let a: Vec<$ta> = (0..la).map(|_| src.byte() as $ta).collect();
                    let b: Vec<$tb> = (0..lb).map(|_| src.byte() as $tb).collect();
                    match $f(ctx, &a, &b) {
                        Ok(v) => {
                            assert!(la == lb && la <= $max);
                            let want: i64 = a
                                .iter()
                                .zip(&b)
                                .map(|(&x, &y)| i64::from(x) * i64::from(y))
                                .sum();
                            assert_eq!(v as i64, want);
                        }
                        Err(e) => {
                            assert!(la != lb || la > $max, "{e}");
                            assert_names(&e, &["a", "b"]);
                        }
                    }
                }};
            }
            match ty % 4 {
                0 => ints!(dot::dot_s8, i8, i8, dot::MAX_LEN_S8),
                1 => ints!(dot::dot_u8s8, u8, i8, dot::MAX_LEN_U8S8),
                2 => ints!(dot::dot_u8, u8, u8, dot::MAX_LEN_U8),
                _ => {
                    let (la, lb) = (la % 5000, lb % 5000);
                    let a: Vec<f32> = (0..la)
                        .map(|_| if src.byte() < 4 { special } else { src.f32_small() })
                        .collect();
                    let b: Vec<f32> = (0..lb).map(|_| src.f32_small()).collect();
                    match dot::dot_f32(ctx, &a, &b) {
                        Ok(v) => {
                            assert_eq!(la, lb);
                            // NaN in → NaN out; ±Inf times a non-zero finite → ±Inf or NaN.
                            if a.iter().any(|x| x.is_nan()) {
                                assert!(v.is_nan(), "NaN input gave {v}");
                            }
                            if a.iter().any(|x| x.is_infinite()) && b.iter().all(|y| *y != 0.0) {
                                assert!(!v.is_finite(), "Inf input gave {v}");
                            }
                            let l = dot::l2_squared_f32(ctx, &a, &b).unwrap();
                            if a.iter().any(|x| !x.is_finite()) {
                                assert!(!l.is_finite(), "non-finite input gave distance {l}");
                            }
                        }
                        Err(e) => {
                            assert_ne!(la, lb);
                            assert_names(&e, &["a", "b"]);
                        }
                    }
                }
            }
        }
        Call::Scan {
            ty,
            q_len,
            db,
            out_len,
            k,
            l2,
            many,
        } => {
            let metric = if l2 {
                Metric::L2Squared
            } else {
                Metric::InnerProduct
            };
            let q_len = if q_len & 1 == 0 {
                (q_len as usize >> 1) % 16
            } else {
                (q_len as usize >> 1) % 70_000
            };
            // k bounded: with zero-length rows a zero-size view may claim
            // thousands of rows, and the result (queries × min(rows, k)
            // neighbours) is what the caller asked for; keep it small.
            let k = usize::from(k % 300);
            macro_rules! go {
                ($t:ty, $mk:expr) => {{
                    let mk = $mk;
                    let data: Vec<$t> = (0..2048).map(|_| mk(src.byte())).collect();
                    let q: Vec<$t> = (0..q_len).map(|_| mk(src.byte())).collect();
                    let dbv = match view(&data, db.dims()) {
                        Ok(v) => v,
                        Err(e) => return assert_names(&e, &["matrix"]),
                    };
                    // Row stride 0 lets a small buffer hold many (aliased)
                    // rows: legitimate, but keep the work per input small.
                    let work = |nq: usize| {
                        dbv.rows()
                            .saturating_mul(dbv.cols().max(1))
                            .saturating_mul(nq)
                    };
                    if dbv.cols() > 0 && work(1) > 1 << 21 {
                        return;
                    }
                    let mut out = vec![Default::default(); usize::from(out_len % 64)];
                    if let Err(e) = dot::scan_scores(ctx, &q, dbv, metric, &mut out) {
                        assert_names(&e, &["query", "db", "out"]);
                    }
                    match dot::scan_top_k(ctx, &q, dbv, metric, k) {
                        Ok(t) => assert!(t.len() <= k.min(dbv.rows())),
                        Err(e) => assert_names(&e, &["query", "db"]),
                    }
                    if let Some(mv) = many {
                        let qd: Vec<$t> = (0..2048).map(|_| mk(src.byte())).collect();
                        match view(&qd, mv.dims()) {
                            Ok(qv) if dbv.cols() > 0 && work(qv.rows().max(1)) > 1 << 22 => {}
                            Ok(qv) => match dot::scan_many_top_k(ctx, qv, dbv, metric, k) {
                                Ok(t) => assert_eq!(t.len(), qv.rows()),
                                Err(e) => assert_names(&e, &["queries", "db"]),
                            },
                            Err(e) => assert_names(&e, &["matrix"]),
                        }
                    }
                }};
            }
            match ty % 5 {
                0 => go!(f32, |b: u8| if b == 0xff { f32::NAN } else { f32::from(b as i8) }),
                1 => go!(half::bf16, |b: u8| half::bf16::from_f32(if b == 0xff {
                    f32::INFINITY
                } else {
                    f32::from(b as i8)
                })),
                2 => go!(half::f16, |b: u8| half::f16::from_f32(f32::from(b as i8))),
                3 => go!(i8, |b: u8| b as i8),
                _ => go!(u8, |b: u8| b),
            }
        }
        Call::Index {
            db,
            q_len,
            k,
            nan,
            per_dim,
        } => {
            let special = [f32::NAN, f32::INFINITY, 1e38, 1e-42][usize::from(nan % 4)];
            let data: Vec<f32> = (0..2048)
                .map(|_| if src.byte() == 0 { special } else { src.f32_small() })
                .collect();
            let q: Vec<f32> = (0..usize::from(q_len % 300))
                .map(|_| if src.byte() == 0 { special } else { src.f32_small() })
                .collect();
            let scheme = if per_dim {
                dot::QuantScheme::PerDimension
            } else {
                dot::QuantScheme::PerVector
            };
            let idx = match view(&data, db.dims()).and_then(|v| dot::QuantizedS8::quantize(v, scheme)) {
                Ok(i) => i,
                Err(e) => return assert_names(&e, &["db", "matrix"]),
            };
            match idx.search(ctx, &q, usize::from(k)) {
                Ok(r) => assert!(r.len() <= usize::from(k)),
                Err(e) => assert_names(&e, &["query"]),
            }
        }
    }
});
