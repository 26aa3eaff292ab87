//! Differential fuzzing of the dot products, scans and top-K: every pair
//! function (f32, bf16, f16, s8, u8, u8·s8; dot, squared distance, cosine),
//! `scan_scores`, `scan_top_k`, `scan_many_top_k` and the s8 index
//! (`QuantizedS8`) for every element type and metric, on EVERY available ISA
//! level at 1, 2 or 3 threads.
//!
//! Integer results must equal the oracle exactly (and so each other across
//! levels); float results must lie within the bound documented in
//! `lowp::dot` (`(n + 4)·ε·Σ|a_i·b_i|`, plus the BF16 subnormal term, plus
//! `n·2⁻¹⁴⁹` for products that underflow f32). NaN and ±Inf inputs must
//! propagate as the oracle's f64 result does. Top-K must be exactly the
//! oracle's ranking of the level's own scores, and the many-query result
//! exactly `scan_top_k` per query, except for f32: its many-query scores
//! come from the FP32 GEMM (another summation order; squared distances as
//! `‖q‖² + ‖x‖² − 2·q·x`), so each must lie within the bound documented in
//! `lowp::dot::scan_many_top_k` and the list be ranked. Invalid inputs give
//! `Err`.
#![no_main]

mod common;

use arbitrary::Arbitrary;
use common::{contexts, f32_or_special, Bytes};
use half::{bf16, f16};
use libfuzzer_sys::fuzz_target;
use lowp::dot::{self, Metric, Neighbor, QuantScheme, QuantizedS8, ScanElem};
use lowp_reference::dot as oracle;
use lowp_reference::dot::{RefElem, RefMetric};
use lowp::{Context, Error, MatRef};

#[derive(Arbitrary, Debug)]
enum Op {
    Pair {
        ty: u8,
        len: u16,
        special: u8,
    },
    Scan {
        ty: u8,
        d: u8,
        rows: u16,
        big: bool,
        pad: u8,
        l2: bool,
        k: u8,
        queries: u8,
        special: u8,
        col2: bool,
    },
    Index {
        rows: u8,
        d: u8,
        per_dim: bool,
        k: u8,
        special: u8,
    },
}

#[derive(Arbitrary, Debug)]
struct Case {
    threads: u8,
    op: Op,
    values: Vec<u8>,
}

const EPS: f64 = f32::EPSILON as f64 / 2.0; // 2^-24 is the unit roundoff; the doc's ε = 2^-23 is looser
const DOC_EPS: f64 = 1.0 / 8_388_608.0; // 2^-23, the documented ε
const UNDERFLOW: f64 = 1.401298464324817e-45; // 2^-149

trait Elem: ScanElem + RefElem + Copy + std::fmt::Debug {
    const FLOAT: bool;
    /// Whether many-query scans run on the FP32 GEMM (f32 only).
    const GEMM_F32: bool = false;
    const BF16: bool = false;
    fn make(src: &mut Bytes<'_>, special: u8) -> Self;
}

fn float_value(src: &mut Bytes<'_>, special: u8) -> f32 {
    f32_or_special(
        src,
        special,
        64,
        &[f32::NAN, f32::INFINITY, f32::NEG_INFINITY, f32::MAX],
    )
}

impl Elem for f32 {
    const FLOAT: bool = true;
    const GEMM_F32: bool = true;
    fn make(src: &mut Bytes<'_>, special: u8) -> f32 {
        float_value(src, special)
    }
}
impl Elem for bf16 {
    const FLOAT: bool = true;
    const BF16: bool = true;
    fn make(src: &mut Bytes<'_>, special: u8) -> bf16 {
        bf16::from_f32(float_value(src, special))
    }
}
impl Elem for f16 {
    const FLOAT: bool = true;
    fn make(src: &mut Bytes<'_>, special: u8) -> f16 {
        f16::from_f32(float_value(src, special))
    }
}
impl Elem for i8 {
    const FLOAT: bool = false;
    fn make(src: &mut Bytes<'_>, special: u8) -> i8 {
        let b = src.byte();
        if special & 1 != 0 {
            [i8::MIN, i8::MAX, 0, -1][usize::from(b % 4)]
        } else {
            b as i8
        }
    }
}
impl Elem for u8 {
    const FLOAT: bool = false;
    fn make(src: &mut Bytes<'_>, special: u8) -> u8 {
        let b = src.byte();
        if special & 1 != 0 {
            [0, 255, 128, 1][usize::from(b % 4)]
        } else {
            b
        }
    }
}

fn is_subnormal(x: f64) -> bool {
    x != 0.0 && x.abs() < f32::MIN_POSITIVE as f64
}

/// Checks a float result against the f64 oracle `want` with the documented
/// bound; `mag` is Σ|a_i·b_i| (or Σ(a_i−b_i)²), `extra` any further
/// allowance.
fn check_float(what: &str, got: f32, want: f64, n: usize, mag: f64, extra: f64) {
    if want.is_nan() || mag.is_nan() {
        assert!(got.is_nan(), "{what}: want NaN, got {got}");
        return;
    }
    if mag.is_infinite() || mag >= f32::MAX as f64 / 4.0 {
        // Products or partial sums may overflow f32 (as in any BLAS): any
        // result, inf or NaN included, is what f32 arithmetic gives.
        return;
    }
    if want.is_infinite() {
        assert_eq!(got as f64, want, "{what}: want {want}, got {got}");
        return;
    }
    let bound = (n as f64 + 4.0) * DOC_EPS * mag + n as f64 * UNDERFLOW + extra;
    let _ = EPS;
    assert!(
        (got as f64 - want).abs() <= bound,
        "{what}: got {got}, want {want}, |err| {} > bound {bound} (n {n})",
        (got as f64 - want).abs()
    );
}

/// Σ|a_i·b_i| over pairs where an input is subnormal (BF16 path's allowance).
fn bf16_sub<A: RefElem>(a: &[A], b: &[A], is_bf16: bool) -> f64 {
    if !is_bf16 {
        return 0.0;
    }
    a.iter()
        .zip(b)
        .filter(|(x, y)| is_subnormal(x.to_f64()) || is_subnormal(y.to_f64()))
        .map(|(x, y)| (x.to_f64() * y.to_f64()).abs())
        .sum()
}

fn l2_mag<A: RefElem>(a: &[A], b: &[A]) -> f64 {
    oracle::l2_squared(a, b)
}

fn same<S: PartialOrd + Copy>(a: S, b: S) -> bool {
    #[allow(clippy::eq_op)]
    let nan = |x: S| x != x;
    a == b || (nan(a) && nan(b))
}

fn same_list<S: PartialOrd + Copy + std::fmt::Debug>(what: &str, got: &[Neighbor<S>], want: &[(usize, S)]) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        assert!(
            g.index == w.0 && same(g.score, w.1),
            "{what}: {got:?} vs {want:?}"
        );
    }
}

/// A float pair function (dot, squared distance, cosine).
type PairFn<T> = fn(&Context, &[T], &[T]) -> lowp::Result<f32>;

fn float_pairs<T: Elem>(ctxs: &[Context], src: &mut Bytes<'_>, len: usize, special: u8, f: [PairFn<T>; 3]) {
    let a: Vec<T> = (0..len).map(|_| T::make(src, special)).collect();
    let b: Vec<T> = (0..len).map(|_| T::make(src, special)).collect();
    let sub = bf16_sub(&a, &b, T::BF16);
    for ctx in ctxs {
        let isa = ctx.isa();
        let d = f[0](ctx, &a, &b).expect("equal lengths");
        check_float(
            &format!("{isa} dot n={len}"),
            d,
            oracle::dot(&a, &b),
            len,
            oracle::dot_abs(&a, &b),
            sub,
        );
        let l = f[1](ctx, &a, &b).expect("equal lengths");
        check_float(
            &format!("{isa} l2 n={len}"),
            l,
            oracle::l2_squared(&a, &b),
            len,
            l2_mag(&a, &b),
            sub,
        );
        let c = f[2](ctx, &a, &b).expect("equal lengths");
        let (aa, bb) = (oracle::dot(&a, &a), oracle::dot(&b, &b));
        let want = oracle::cosine(&a, &b);
        if want.is_nan() || aa.is_nan() || bb.is_nan() || aa.is_infinite() || bb.is_infinite() {
            // Non-finite inputs: no value to compare against, but no panic.
        } else if aa > 1e-20 && bb > 1e-20 && sub == 0.0 && aa.max(bb) < f32::MAX as f64 / 4.0 {
            let mag = oracle::dot_abs(&a, &b) / (aa.sqrt() * bb.sqrt());
            let bound = 4.0 * (len as f64 + 4.0) * DOC_EPS * (mag + want.abs()) + 1e-6;
            assert!(
                (c as f64 - want).abs() <= bound,
                "{isa} cosine n={len}: {c} vs {want}"
            );
        }
        // Mismatched lengths are refused.
        if len > 0 {
            assert!(matches!(f[0](ctx, &a[1..], &b), Err(Error::ShapeMismatch { .. })));
        }
    }
}

fn int_pairs(ctxs: &[Context], src: &mut Bytes<'_>, len: usize, special: u8) {
    let a8: Vec<i8> = (0..len).map(|_| i8::make(src, special)).collect();
    let b8: Vec<i8> = (0..len).map(|_| i8::make(src, special)).collect();
    let au: Vec<u8> = (0..len).map(|_| u8::make(src, special)).collect();
    let bu: Vec<u8> = (0..len).map(|_| u8::make(src, special)).collect();
    let cos = |ab: i64, aa: i64, bb: i64| -> f32 {
        if aa == 0 || bb == 0 {
            0.0
        } else {
            (ab as f64 / ((aa as f64).sqrt() * (bb as f64).sqrt())) as f32
        }
    };
    for ctx in ctxs {
        let isa = ctx.isa();
        assert_eq!(
            dot::dot_s8(ctx, &a8, &b8).unwrap() as i64,
            oracle::dot_i64(&a8, &b8),
            "{isa} dot_s8"
        );
        assert_eq!(
            dot::dot_u8(ctx, &au, &bu).unwrap() as i64,
            oracle::dot_i64(&au, &bu),
            "{isa} dot_u8"
        );
        assert_eq!(
            dot::dot_u8s8(ctx, &au, &b8).unwrap() as i64,
            oracle::dot_i64(&au, &b8),
            "{isa} dot_u8s8"
        );
        assert_eq!(
            dot::l2_squared_s8(ctx, &a8, &b8).unwrap() as i64,
            oracle::l2_squared_i64(&a8, &b8),
            "{isa} l2_s8"
        );
        assert_eq!(
            dot::l2_squared_u8(ctx, &au, &bu).unwrap() as i64,
            oracle::l2_squared_i64(&au, &bu),
            "{isa} l2_u8"
        );
        let want = cos(
            oracle::dot_i64(&a8, &b8),
            oracle::dot_i64(&a8, &a8),
            oracle::dot_i64(&b8, &b8),
        );
        assert_eq!(
            dot::cosine_s8(ctx, &a8, &b8).unwrap().to_bits(),
            want.to_bits(),
            "{isa} cosine_s8"
        );
        let want = cos(
            oracle::dot_i64(&au, &bu),
            oracle::dot_i64(&au, &au),
            oracle::dot_i64(&bu, &bu),
        );
        assert_eq!(
            dot::cosine_u8(ctx, &au, &bu).unwrap().to_bits(),
            want.to_bits(),
            "{isa} cosine_u8"
        );
        if len > 0 {
            assert!(matches!(
                dot::dot_u8s8(ctx, &au, &b8[1..]),
                Err(Error::ShapeMismatch { .. })
            ));
        }
    }
}

/// Score of one row by the oracle, as the level's score type would be
/// checked: exact for integers, bounded for floats.
fn check_score<T: Elem>(what: &str, got: T::Score, q: &[T], row: &[T], metric: Metric) -> bool
where
    T::Score: Into<f64>,
{
    let g: f64 = got.into();
    match metric {
        Metric::InnerProduct => {
            let want = oracle::dot(q, row);
            if T::FLOAT {
                check_float(
                    what,
                    g as f32,
                    want,
                    q.len(),
                    oracle::dot_abs(q, row),
                    bf16_sub(q, row, T::BF16),
                );
            } else {
                assert_eq!(g, want, "{what}");
            }
        }
        Metric::L2Squared => {
            let want = oracle::l2_squared(q, row);
            if T::FLOAT {
                check_float(what, g as f32, want, q.len(), want, bf16_sub(q, row, T::BF16));
            } else {
                assert_eq!(g, want, "{what}");
            }
        }
    }
    true
}

/// An f32 many-query list: `min(k, rows)` entries, ranked (score, then
/// index; NaN last), each score within the documented GEMM bound of its
/// row's exact score: `(d + 4)·ε·Σ|q_i·x_i|` for inner products,
/// `(d + 6)·ε·(‖q‖² + ‖x‖² + 2·Σ|q_i·x_i|)` for squared distances.
#[allow(clippy::too_many_arguments)]
fn gemm_list<T: Elem>(what: &str, got: &[Neighbor<T::Score>], q: &[T], data: &[T], rows: usize, rs: usize, metric: Metric, k: usize)
where
    T::Score: Into<f64>,
{
    let d = q.len();
    assert_eq!(got.len(), k.min(rows), "{what}: {got:?}");
    let rm = match metric {
        Metric::InnerProduct => RefMetric::InnerProduct,
        Metric::L2Squared => RefMetric::L2Squared,
    };
    for w in got.windows(2) {
        let (a, b): (f64, f64) = (w[0].score.into(), w[1].score.into());
        let o = oracle::rank(&a, &b, rm).then(w[0].index.cmp(&w[1].index));
        assert!(o == std::cmp::Ordering::Less, "{what}: not ranked: {got:?}");
    }
    for n in got {
        let row = &data[n.index * rs..n.index * rs + d];
        let g: f64 = n.score.into();
        match metric {
            Metric::InnerProduct => check_float(what, g as f32, oracle::dot(q, row), d, oracle::dot_abs(q, row), 0.0),
            Metric::L2Squared => {
                let mag = oracle::dot(q, q) + oracle::dot(row, row) + 2.0 * oracle::dot_abs(q, row);
                check_float(what, g as f32, oracle::l2_squared(q, row), d + 2, mag, 0.0)
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn scan<T: Elem>(
    ctxs: &[Context],
    src: &mut Bytes<'_>,
    d: usize,
    rows: usize,
    pad: usize,
    metric: Metric,
    k: usize,
    nq: usize,
    special: u8,
    col2: bool,
) where
    T::Score: Into<f64>,
{
    let rs = d + pad;
    let len = if rows == 0 { 0 } else { (rows - 1) * rs + d };
    let data: Vec<T> = (0..len.max(1)).map(|_| T::make(src, special)).collect();
    let q: Vec<T> = (0..d).map(|_| T::make(src, special)).collect();
    let qs: Vec<T> = (0..nq * d).map(|_| T::make(src, special)).collect();
    let db = MatRef::new(&data, rows, d, rs.max(1), 1).unwrap();
    let rm = match metric {
        Metric::InnerProduct => RefMetric::InnerProduct,
        Metric::L2Squared => RefMetric::L2Squared,
    };
    for ctx in ctxs {
        let isa = ctx.isa();
        let mut out = vec![<T::Score as dot::Score>::ZERO; rows];
        dot::scan_scores(ctx, &q, db, metric, &mut out).expect("valid scan");
        for (r, &s) in out.iter().enumerate() {
            let row = &data[r * rs..r * rs + d];
            check_score::<T>(
                &format!("{isa} scan row {r} d {d} {metric:?}"),
                s,
                &q,
                row,
                metric,
            );
        }
        let top = dot::scan_top_k(ctx, &q, db, metric, k).expect("valid top-k");
        same_list(
            &format!("{isa} top-{k} of {rows}"),
            &top,
            &oracle::top_k(&out, k, rm),
        );
        if nq > 0 {
            let qm = MatRef::new(&qs, nq, d, d.max(1), 1).unwrap();
            let many = dot::scan_many_top_k(ctx, qm, db, metric, k).expect("valid many-query");
            assert_eq!(many.len(), nq);
            for (i, got) in many.iter().enumerate() {
                let qi = &qs[i * d..(i + 1) * d];
                if T::GEMM_F32 {
                    gemm_list::<T>(&format!("{isa} many-query {i}"), got, qi, &data, rows, rs, metric, k);
                    continue;
                }
                let one = dot::scan_top_k(ctx, qi, db, metric, k).unwrap();
                let want: Vec<(usize, T::Score)> = one.iter().map(|n| (n.index, n.score)).collect();
                same_list(&format!("{isa} many-query {i}"), got, &want);
            }
        }
        // Wrong out length, wrong query length and strided rows are refused.
        let mut short = vec![<T::Score as dot::Score>::ZERO; rows + 1];
        assert!(matches!(
            dot::scan_scores(ctx, &q, db, metric, &mut short),
            Err(Error::ShapeMismatch { .. })
        ));
        let mut q1 = q.clone();
        q1.push(q.first().copied().unwrap_or_else(|| T::make(src, 0)));
        assert!(matches!(
            dot::scan_top_k(ctx, &q1, db, metric, k),
            Err(Error::ShapeMismatch { .. })
        ));
        if col2 && d > 1 && rows > 0 {
            let strided = MatRef::new(&data, rows.min(len / 2 + 1), d / 2, rs, 2);
            if let Ok(s) = strided {
                let r = dot::scan_top_k(ctx, &q[..d / 2], s, metric, k);
                assert!(matches!(r, Err(Error::InvalidStride { arg: "db", .. })), "{r:?}");
            }
        }
    }
}

fn index(
    ctxs: &[Context],
    src: &mut Bytes<'_>,
    rows: usize,
    d: usize,
    scheme: QuantScheme,
    k: usize,
    special: u8,
) {
    let data: Vec<f32> = (0..rows * d).map(|_| float_value(src, special)).collect();
    let q: Vec<f32> = (0..d).map(|_| float_value(src, special)).collect();
    let db = MatRef::row_major(&data, rows, d).unwrap();
    let idx = match QuantizedS8::quantize(db, scheme) {
        Ok(i) => {
            assert!(data.iter().all(|x| x.is_finite()), "non-finite db accepted");
            i
        }
        Err(e) => {
            assert!(data.iter().any(|x| !x.is_finite()), "finite db refused: {e}");
            assert!(matches!(e, Error::InvalidParameter { arg: "db", .. }), "{e}");
            return;
        }
    };
    let mut first: Option<Vec<Neighbor<f32>>> = None;
    for ctx in ctxs {
        match idx.search(ctx, &q, k) {
            Ok(r) => {
                assert!(q.iter().all(|x| x.is_finite()));
                assert!(r.len() == k.min(rows));
                if let Some(f) = &first {
                    let a: Vec<(usize, u32)> = f.iter().map(|n| (n.index, n.score.to_bits())).collect();
                    let b: Vec<(usize, u32)> = r.iter().map(|n| (n.index, n.score.to_bits())).collect();
                    assert_eq!(a, b, "{}: index search differs between levels", ctx.isa());
                } else {
                    first = Some(r);
                }
            }
            Err(e) => {
                assert!(q.iter().any(|x| !x.is_finite()), "finite query refused: {e}");
                assert!(matches!(e, Error::InvalidParameter { arg: "query", .. }), "{e}");
            }
        }
    }
}

fuzz_target!(|case: Case| {
    let ctxs = contexts(case.threads);
    let mut src = Bytes::new(&case.values);
    match case.op {
        Op::Pair { ty, len, special } => {
            let len = usize::from(len % 2100);
            match ty % 4 {
                0 => float_pairs::<f32>(
                    ctxs,
                    &mut src,
                    len,
                    special,
                    [dot::dot_f32, dot::l2_squared_f32, dot::cosine_f32],
                ),
                1 => float_pairs::<bf16>(
                    ctxs,
                    &mut src,
                    len,
                    special,
                    [dot::dot_bf16, dot::l2_squared_bf16, dot::cosine_bf16],
                ),
                2 => float_pairs::<f16>(
                    ctxs,
                    &mut src,
                    len,
                    special,
                    [dot::dot_f16, dot::l2_squared_f16, dot::cosine_f16],
                ),
                _ => int_pairs(ctxs, &mut src, len, special),
            }
        }
        Op::Scan {
            ty,
            d,
            rows,
            big,
            pad,
            l2,
            k,
            queries,
            special,
            col2,
        } => {
            let d = usize::from(d % 80);
            // Big scans (past the single-task threshold) with short rows.
            let (d, rows) = if big {
                (d % 9, usize::from(rows) * 2 + 40_000)
            } else {
                (d, usize::from(rows % 300))
            };
            let pad = usize::from(pad % 4);
            let metric = if l2 {
                Metric::L2Squared
            } else {
                Metric::InnerProduct
            };
            let k = usize::from(k % 40);
            let nq = if big {
                usize::from(queries % 2)
            } else {
                usize::from(queries % 5)
            };
            match ty % 5 {
                0 => scan::<f32>(ctxs, &mut src, d, rows, pad, metric, k, nq, special, col2),
                1 => scan::<bf16>(ctxs, &mut src, d, rows, pad, metric, k, nq, special, col2),
                2 => scan::<f16>(ctxs, &mut src, d, rows, pad, metric, k, nq, special, col2),
                3 => scan::<i8>(ctxs, &mut src, d, rows, pad, metric, k, nq, special, col2),
                _ => scan::<u8>(ctxs, &mut src, d, rows, pad, metric, k, nq, special, col2),
            }
        }
        Op::Index {
            rows,
            d,
            per_dim,
            k,
            special,
        } => {
            let scheme = if per_dim {
                QuantScheme::PerDimension
            } else {
                QuantScheme::PerVector
            };
            index(
                ctxs,
                &mut src,
                usize::from(rows % 200),
                usize::from(d % 64),
                scheme,
                usize::from(k % 20),
                special,
            );
        }
    }
});
