//! The quantized index's batched search and the u8-query × s8-database
//! scans, against the oracle (`lowp_reference::dot`): same neighbours,
//! same scores, on every level and across the batched search's chunks.

mod common;

use common::{contexts, SplitMix};
use lowp::dot::{scan_scores_u8s8, scan_top_k_u8s8, QuantScheme, QuantizedS8};
use lowp::MatRef;
use lowp_reference::dot::{dot_i64, top_k, RefMetric};

/// Clustered data: rows of very different norms, so ignoring the
/// per-vector scales ranks badly.
fn data(rows: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut r = SplitMix(seed);
    (0..rows)
        .flat_map(|i| {
            let norm = 0.05 + (i % 17) as f32;
            (0..d).map(|_| r.f32() * norm).collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn search_many_equals_the_oracle_with_the_scales_applied() {
    let (rows, d, nq, k) = (2048 + 700, 48, 5, 10);
    let db = data(rows, d, 1);
    let qs = data(nq, d, 2);
    for scheme in [QuantScheme::PerVector, QuantScheme::PerDimension] {
        let ix = QuantizedS8::quantize(MatRef::row_major(&db, rows, d).unwrap(), scheme).unwrap();
        // The oracle: exact i32 dots of the codes, scaled as documented.
        let want: Vec<Vec<(usize, f32)>> = (0..nq)
            .map(|q| {
                let (codes, sq) = ix.quantize_query(&qs[q * d..(q + 1) * d]).unwrap();
                let scores: Vec<f32> = (0..rows)
                    .map(|r| {
                        let raw = dot_i64(&codes, &ix.data()[r * d..(r + 1) * d]) as i32;
                        match scheme {
                            QuantScheme::PerVector => raw as f32 * (ix.scales()[r] * sq),
                            QuantScheme::PerDimension => raw as f32 * sq,
                        }
                    })
                    .collect();
                top_k(&scores, k, RefMetric::InnerProduct)
            })
            .collect();
        for ctx in contexts(2) {
            let got = ix
                .search_many(&ctx, MatRef::row_major(&qs, nq, d).unwrap(), k)
                .unwrap();
            assert_eq!(got.len(), nq);
            for (q, (g, w)) in got.iter().zip(&want).enumerate() {
                let g: Vec<(usize, f32)> = g.iter().map(|n| (n.index, n.score)).collect();
                assert_eq!(&g, w, "{scheme:?} {} query {q}", ctx.isa());
                let one = ix.search(&ctx, &qs[q * d..(q + 1) * d], k).unwrap();
                assert_eq!(
                    one,
                    got[q],
                    "{scheme:?} {} query {q}: search vs search_many",
                    ctx.isa()
                );
            }
        }
    }
    // Ranking the codes alone (no scales) finds other rows: why `view()`
    // is not for ranking under per-vector scales.
    let ix = QuantizedS8::quantize(MatRef::row_major(&db, rows, d).unwrap(), QuantScheme::PerVector).unwrap();
    let ctx = &contexts(1)[0];
    let (codes, _) = ix.quantize_query(&qs[..d]).unwrap();
    let unscaled = lowp::dot::scan_top_k(ctx, &codes, ix.view(), lowp::dot::Metric::InnerProduct, k).unwrap();
    let scaled = ix.search(ctx, &qs[..d], k).unwrap();
    assert!(lowp::dot::recall_at_k(&scaled, &unscaled) < 1.0);
    // Errors name the argument.
    let e = ix
        .search_many(ctx, MatRef::row_major(&qs[..d - 1], 1, d - 1).unwrap(), k)
        .unwrap_err();
    assert!(e.to_string().contains("queries"), "{e}");
}

#[test]
fn u8_query_against_s8_database_equals_the_oracle() {
    let mut r = SplitMix(3);
    for (rows, d) in [(1, 1), (37, 5), (1500, 130), (0, 8)] {
        let db: Vec<i8> = (0..rows * d).map(|_| r.next() as u8 as i8).collect();
        let query: Vec<u8> = (0..d).map(|_| r.next() as u8).collect();
        for zp in [0, 1, 128, 200, 255] {
            let shifted: Vec<i32> = query.iter().map(|&q| q as i32 - zp).collect();
            let want: Vec<i32> = (0..rows)
                .map(|i| dot_i64(&shifted, &db[i * d..(i + 1) * d]) as i32)
                .collect();
            let want_top = top_k(&want, 7, RefMetric::InnerProduct);
            for ctx in contexts(2) {
                let view = MatRef::row_major(&db, rows, d).unwrap();
                let mut got = vec![0i32; rows];
                scan_scores_u8s8(&ctx, &query, zp, view, &mut got).unwrap();
                assert_eq!(got, want, "{} {rows}x{d} zp {zp}", ctx.isa());
                let top = scan_top_k_u8s8(&ctx, &query, zp, view, 7).unwrap();
                let top: Vec<(usize, i32)> = top.iter().map(|n| (n.index, n.score)).collect();
                assert_eq!(top, want_top, "{} {rows}x{d} zp {zp}", ctx.isa());
            }
        }
    }
    let ctx = &contexts(1)[0];
    let db = [0i8; 4];
    let e = scan_top_k_u8s8(ctx, &[1, 2], 256, MatRef::row_major(&db, 2, 2).unwrap(), 1).unwrap_err();
    assert!(e.to_string().contains("zero_point"), "{e}");
    let e = scan_top_k_u8s8(ctx, &[1, 2, 3], 0, MatRef::row_major(&db, 2, 2).unwrap(), 1).unwrap_err();
    assert!(e.to_string().contains("query"), "{e}");
}
