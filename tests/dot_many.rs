//! Many queries against a database (a GEMM per chunk, then top-K per query):
//! `scan_many_top_k` and `PackedDatabase` against the oracles in
//! `lowp_reference::dot`, every ISA level, 1/2/3 threads.
//!
//! Stated bounds: s8/u8 scores (inner product and squared distance) are
//! bit-exact, so the top-K lists (ties to the lower index) equal the
//! oracle's. f32 inner products are within `(d + 4)·ε·Σ|q_i·x_i|` and f32
//! squared distances (`‖q‖² + ‖x‖² − 2·q·x`) within
//! `(d + 6)·ε·(‖q‖² + ‖x‖² + 2·Σ|q_i·x_i|)`, `ε = 2⁻²³`; on small-integer
//! data every f32 sum is exact and the lists equal the oracle's.

use lowp::dot::{self, Metric, Neighbor, PackedDatabase, CHUNK_ROWS, QUERY_GROUP};
use lowp::{Context, Error, Isa, MatRef};
use lowp_reference::dot as oracle;
use lowp_reference::dot::RefMetric;
use proptest::prelude::*;

mod common;

use common::{env_contexts as ctxs, SplitMix as Rng};

const EPS: f64 = f32::EPSILON as f64;
const METRICS: [Metric; 2] = [Metric::InnerProduct, Metric::L2Squared];

fn rm(m: Metric) -> RefMetric {
    match m {
        Metric::InnerProduct => RefMetric::InnerProduct,
        Metric::L2Squared => RefMetric::L2Squared,
    }
}

fn pairs<S: Copy>(v: &[Neighbor<S>]) -> Vec<(usize, S)> {
    v.iter().map(|n| (n.index, n.score)).collect()
}

/// The oracle's top `k` of every query (rows of `qs`, stride `qrs`).
#[allow(clippy::too_many_arguments)]
fn oracle_lists<T: oracle::RefElem, S: PartialOrd + Copy>(
    qs: &[T],
    nq: usize,
    qrs: usize,
    db: &[T],
    rows: usize,
    d: usize,
    rs: usize,
    metric: Metric,
    k: usize,
    conv: impl Fn(f64) -> S,
) -> Vec<Vec<(usize, S)>> {
    (0..nq)
        .map(|i| {
            let q = &qs[i * qrs..i * qrs + d];
            let s: Vec<S> = oracle::scan_scores(q, db, rows, rs, rm(metric))
                .into_iter()
                .map(&conv)
                .collect();
            oracle::top_k(&s, k, rm(metric))
        })
        .collect()
}

fn lists<S: Copy>(v: &[Vec<Neighbor<S>>]) -> Vec<Vec<(usize, S)>> {
    v.iter().map(|l| pairs(l)).collect()
}

/// s8 and u8, values with many ties and the extremes, shapes across the
/// chunk and query-group boundaries, db row padding, both metrics: the
/// one-off GEMM path and the packed database equal the oracle on every
/// level and thread count.
#[test]
fn integer_many_queries_match_the_oracle() {
    let mut rng = Rng(17);
    for &(rows, d, pad, nq, k) in &[
        (1, 1, 0, 1, 3),
        (5, 3, 2, 2, 5),
        (CHUNK_ROWS + 1, 33, 1, 3, 10),
        (2 * CHUNK_ROWS + 77, 130, 0, QUERY_GROUP + 5, 7),
        // More than two wide groups (in place: 2·QUERY_GROUP queries per
        // GEMM over CHUNK_ROWS / 2 rows), the last one short.
        (CHUNK_ROWS + 5, 20, 1, 4 * QUERY_GROUP + 3, 4),
    ] {
        let rs = d + pad;
        let qrs = d + 3;
        let db8: Vec<i8> = (0..rows * rs)
            .map(|_| [-128i8, 127, -1, 0, 1, 2][rng.below(6)])
            .collect();
        let q8: Vec<i8> = (0..nq * qrs).map(|_| rng.next() as i8).collect();
        let dbu: Vec<u8> = (0..rows * rs).map(|_| rng.below(4) as u8 * 85).collect();
        let qu: Vec<u8> = (0..nq * qrs).map(|_| rng.next() as u8).collect();
        let (v8, vu) = (
            MatRef::new(&db8, rows, d, rs, 1).unwrap(),
            MatRef::new(&dbu, rows, d, rs, 1).unwrap(),
        );
        let (qv8, qvu) = (
            MatRef::new(&q8, nq, d, qrs, 1).unwrap(),
            MatRef::new(&qu, nq, d, qrs, 1).unwrap(),
        );
        for metric in METRICS {
            let w8 = oracle_lists(&q8, nq, qrs, &db8, rows, d, rs, metric, k, |x| x as i32);
            let wu = oracle_lists(&qu, nq, qrs, &dbu, rows, d, rs, metric, k, |x| x as i32);
            for threads in [1, 2, 3] {
                for ctx in ctxs(threads) {
                    let what = format!("{} t={threads} rows={rows} d={d} nq={nq} {metric:?}", ctx.isa());
                    let got = dot::scan_many_top_k(&ctx, qv8, v8, metric, k).unwrap();
                    assert_eq!(lists(&got), w8, "s8 {what}");
                    let ix = PackedDatabase::new(&ctx, v8).unwrap();
                    assert_eq!(
                        lists(&ix.top_k(&ctx, qv8, metric, k).unwrap()),
                        w8,
                        "s8 packed {what}"
                    );
                    let got = dot::scan_many_top_k(&ctx, qvu, vu, metric, k).unwrap();
                    assert_eq!(lists(&got), wu, "u8 {what}");
                    let ix = PackedDatabase::new(&ctx, vu).unwrap();
                    assert_eq!(
                        lists(&ix.top_k(&ctx, qvu, metric, k).unwrap()),
                        wu,
                        "u8 packed {what}"
                    );
                }
            }
        }
    }
}

/// f32 on small-integer data (every sum exact in f32, the squared distance
/// through the norms included): lists equal the oracle's, ties included.
#[test]
fn float_many_queries_on_exact_data_match_the_oracle() {
    let mut rng = Rng(23);
    for &(rows, d, nq) in &[(7, 5, 3), (CHUNK_ROWS + 300, 48, 9)] {
        let db: Vec<f32> = (0..rows * d).map(|_| rng.below(7) as f32 - 3.0).collect();
        let qs: Vec<f32> = (0..nq * d).map(|_| rng.below(9) as f32 - 4.0).collect();
        let v = MatRef::row_major(&db, rows, d).unwrap();
        let qv = MatRef::row_major(&qs, nq, d).unwrap();
        for metric in METRICS {
            let want = oracle_lists(&qs, nq, d, &db, rows, d, d, metric, 12, |x| x as f32);
            for threads in [1, 3] {
                for ctx in ctxs(threads) {
                    let got = dot::scan_many_top_k(&ctx, qv, v, metric, 12).unwrap();
                    assert_eq!(lists(&got), want, "{} t={threads} {metric:?}", ctx.isa());
                    let ix = PackedDatabase::new(&ctx, v).unwrap();
                    let got = ix.top_k(&ctx, qv, metric, 12).unwrap();
                    assert_eq!(lists(&got), want, "{} packed t={threads} {metric:?}", ctx.isa());
                }
            }
        }
    }
}

/// f32 on random data: every returned score within the stated bound of the
/// exact score of its row, no row left out that is better than the last
/// returned by more than twice the bound, and the lists (scores
/// bit-identical) the same for 1, 2 and 3 threads.
#[test]
fn float_many_queries_within_bound_and_thread_independent() {
    let mut rng = Rng(29);
    let (rows, d, nq, k) = (3 * CHUNK_ROWS + 5, 96, QUERY_GROUP + 3, 10);
    let db: Vec<f32> = (0..rows * d).map(|_| rng.f32()).collect();
    let qs: Vec<f32> = (0..nq * d).map(|_| rng.f32()).collect();
    let v = MatRef::row_major(&db, rows, d).unwrap();
    let qv = MatRef::row_major(&qs, nq, d).unwrap();
    let norm = |x: &[f32]| oracle::dot(x, x);
    let tol = |q: &[f32], x: &[f32], m: Metric| match m {
        Metric::InnerProduct => (d as f64 + 4.0) * EPS * oracle::dot_abs(q, x),
        Metric::L2Squared => (d as f64 + 6.0) * EPS * (norm(q) + norm(x) + 2.0 * oracle::dot_abs(q, x)),
    };
    for isa in Isa::available() {
        for metric in METRICS {
            let mut first: Option<Vec<Vec<(usize, f32)>>> = None;
            for threads in [1, 2, 3] {
                let ctx = Context::builder().max_isa(isa).threads(threads).build().unwrap();
                let got = lists(&dot::scan_many_top_k(&ctx, qv, v, metric, k).unwrap());
                let packed = PackedDatabase::new(&ctx, v).unwrap();
                let got_p = lists(&packed.top_k(&ctx, qv, metric, k).unwrap());
                for (i, (l, lp)) in got.iter().zip(&got_p).enumerate().step_by(7) {
                    let q = &qs[i * d..(i + 1) * d];
                    let exact = oracle::scan_scores(q, &db, rows, d, rm(metric));
                    for list in [l, lp] {
                        assert_eq!(list.len(), k);
                        for &(r, s) in list {
                            let x = &db[r * d..(r + 1) * d];
                            assert!(
                                (s as f64 - exact[r]).abs() <= tol(q, x, metric),
                                "{isa} {metric:?} q{i} row {r}"
                            );
                        }
                        let (last_r, _) = list[k - 1];
                        let last = exact[last_r];
                        let slack = 2.0 * tol(q, &db[last_r * d..(last_r + 1) * d], metric) + 1e-4;
                        for (r, &e) in exact.iter().enumerate() {
                            let better = match metric {
                                Metric::InnerProduct => e > last + slack,
                                Metric::L2Squared => e < last - slack,
                            };
                            assert!(
                                !better || list.iter().any(|&(j, _)| j == r),
                                "{isa} {metric:?} q{i} missed row {r}"
                            );
                        }
                    }
                }
                match &first {
                    None => first = Some(got),
                    Some(f) => assert_eq!(&got, f, "{isa} {metric:?}: {threads} threads differ from 1"),
                }
            }
        }
    }
}

#[test]
fn bad_many_query_input_is_refused() {
    let ctx = Context::builder().threads(1).build().unwrap();
    let db = [1i8; 24];
    let v = MatRef::row_major(&db, 6, 4).unwrap();
    let ix = PackedDatabase::new(&ctx, v).unwrap();
    assert_eq!((ix.rows(), ix.dim(), ix.isa()), (6, 4, ctx.isa()));
    let q3 = MatRef::row_major(&db[..6], 2, 3).unwrap();
    let e = ix.top_k(&ctx, q3, Metric::InnerProduct, 1).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    let qcm = MatRef::col_major(&db[..8], 2, 4).unwrap();
    assert!(matches!(
        ix.top_k(&ctx, qcm, Metric::InnerProduct, 1),
        Err(Error::InvalidStride { arg: "queries", .. })
    ));
    assert!(matches!(
        dot::scan_many_top_k(&ctx, qcm, v, Metric::InnerProduct, 1),
        Err(Error::InvalidStride { arg: "queries", .. })
    ));
    let dcm = MatRef::col_major(&db, 6, 4).unwrap();
    assert!(matches!(
        PackedDatabase::new(&ctx, dcm),
        Err(Error::InvalidStride { arg: "db", .. })
    ));
    // A context of another level cannot use this layout.
    if let Some(&other) = Isa::available().iter().find(|&&i| i != ctx.isa()) {
        let c2 = Context::builder().max_isa(other).threads(1).build().unwrap();
        let q = MatRef::row_major(&db[..4], 1, 4).unwrap();
        let e = ix.top_k(&c2, q, Metric::InnerProduct, 1).unwrap_err();
        assert!(matches!(e, Error::LayoutMismatch { .. }), "{e}");
        assert!(e.to_string().contains("pack it again"), "{e}");
    }
    // k = 0, no rows, no queries, zero-length vectors.
    let q = MatRef::row_major(&db[..8], 2, 4).unwrap();
    let r = ix.top_k(&ctx, q, Metric::L2Squared, 0).unwrap();
    assert_eq!(r, vec![Vec::new(), Vec::new()]);
    let none = MatRef::row_major(&db[..0], 0, 4).unwrap();
    assert!(ix.top_k(&ctx, none, Metric::L2Squared, 3).unwrap().is_empty());
    let e0 = PackedDatabase::new(&ctx, MatRef::row_major(&db[..0], 0, 4).unwrap()).unwrap();
    assert_eq!(
        e0.top_k(&ctx, q, Metric::InnerProduct, 3).unwrap(),
        vec![Vec::new(), Vec::new()]
    );
    let empty: [i8; 0] = [];
    let z = PackedDatabase::new(&ctx, MatRef::new(&empty, 3, 0, 0, 1).unwrap()).unwrap();
    let zq = MatRef::new(&empty, 1, 0, 0, 1).unwrap();
    assert_eq!(
        pairs(&z.top_k(&ctx, zq, Metric::L2Squared, 2).unwrap()[0]),
        vec![(0, 0), (1, 0)]
    );
    // Vectors longer than the INT8 GEMM's K limit: refused by the packed
    // database; the one-off scan takes the blocked loop and stays exact.
    let long = lowp::igemm::MAX_K + 1;
    let row: Vec<i8> = (0..long).map(|i| if i % 3 == 0 { -128 } else { 127 }).collect();
    let big = row.repeat(2);
    let bv = MatRef::row_major(&big, 2, long).unwrap();
    assert!(matches!(
        PackedDatabase::new(&ctx, bv),
        Err(Error::Overflow { arg: "db", .. })
    ));
    let top = dot::scan_many_top_k(
        &ctx,
        MatRef::row_major(&big[..long], 1, long).unwrap(),
        bv,
        Metric::InnerProduct,
        2,
    )
    .unwrap();
    let want = oracle::dot_i64(&big[..long], &big[..long]) as i32;
    assert_eq!(pairs(&top[0]), vec![(0, want), (1, want)]);
    // s8 squared distances past the exact length (inner products are fine).
    let bs = vec![1i8; dot::MAX_LEN_U8 + 1];
    let bsv = MatRef::row_major(&bs, 1, bs.len()).unwrap();
    let is = PackedDatabase::new(&ctx, bsv).unwrap();
    assert!(matches!(
        is.top_k(&ctx, bsv, Metric::L2Squared, 1),
        Err(Error::Overflow { .. })
    ));
    assert_eq!(
        pairs(&is.top_k(&ctx, bsv, Metric::InnerProduct, 1).unwrap()[0]),
        vec![(0, bs.len() as i32)]
    );
    // u8 vectors past the exact length are refused when packed.
    let bu = vec![0u8; dot::MAX_LEN_U8 + 1];
    let buv = MatRef::row_major(&bu, 1, bu.len()).unwrap();
    assert!(matches!(
        PackedDatabase::new(&ctx, buv),
        Err(Error::Overflow { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Awkward shapes (primes, 1, non-multiples of the GEMM tiles) and
    /// extreme s8 values: the GEMM path and the packed database equal the
    /// oracle on every level, 2 threads.
    #[test]
    fn prop_s8_many(rows in 1usize..400, d in 1usize..150, nq in 1usize..80, k in 1usize..20,
                    l2 in any::<bool>(), seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let pick = |r: &mut Rng| if r.below(3) == 0 { [-128i8, 127][r.below(2)] } else { r.next() as i8 };
        let db: Vec<i8> = (0..rows * d).map(|_| pick(&mut rng)).collect();
        let qs: Vec<i8> = (0..nq * d).map(|_| pick(&mut rng)).collect();
        let metric = if l2 { Metric::L2Squared } else { Metric::InnerProduct };
        let want = oracle_lists(&qs, nq, d, &db, rows, d, d, metric, k, |x| x as i32);
        let (v, qv) = (MatRef::row_major(&db, rows, d).unwrap(), MatRef::row_major(&qs, nq, d).unwrap());
        for ctx in ctxs(2) {
            prop_assert_eq!(lists(&dot::scan_many_top_k(&ctx, qv, v, metric, k).unwrap()), want.clone());
            let ix = PackedDatabase::new(&ctx, v).unwrap();
            prop_assert_eq!(lists(&ix.top_k(&ctx, qv, metric, k).unwrap()), want.clone());
        }
    }
}
