//! Scans: one query against a row-major database, top 10 by inner product
//! ([`lowp::dot::scan_top_k`]): `scan_s8_ip` and `scan_f32_ip`, 1,000,000
//! vectors of 128 (`--shapes`: N is the vector count, K the dim). Memory
//! bound: the JSON lines carry `n_vectors`, `dim` and `gbytes_per_s`
//! (database bytes read per second), compared with `peak_read_bw`, or with
//! `peak_read_bw_l3` when the database fits in half the L3.
//!
//! Many queries ([`lowp::dot::scan_many_top_k`], a GEMM per database chunk
//! then top-10 per query): `scan_many_s8_ip` (the database read in place)
//! and `scan_many_s8_ip_packed` (a [`PackedDatabase`] packed in the set-up),
//! 64 queries against 1,000,000 × 128 s8 (`--shapes MxNxK`: M queries, N
//! vectors, K dim). Compute bound: GOP/s (2·M·N·K per call) against the
//! level's u8×s8 peak.

use super::data::{f32s, s8s, scan_shape, scan_shapes};
use crate::bench::case::{peak_u8s8, read_bw_peak_for, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use lowp::dot::{scan_many_top_k, scan_top_k, Metric, PackedDatabase, ScanElem};
use lowp::peak::Work;
use lowp::{AlignedBuffer, MatRef, Zeroed};
use std::sync::{Arc, OnceLock};

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "scan",
    about: "top-10 inner-product scans scan_s8_ip and scan_f32_ip (1,000,000 x 128); \
            many queries scan_many_s8_ip and scan_many_s8_ip_packed (64 x 1,000,000 x 128)",
    cases,
    compare: |_| Vec::<CompareRow>::new(),
};

const TOP_K: usize = 10;

/// A scan's database (huge-page backed) and query, made once per case.
type SharedDb<T> = Arc<OnceLock<(Arc<AlignedBuffer<T>>, Arc<Vec<T>>)>>;

/// The database and the query, made once per case.
type Shared<T> = Arc<OnceLock<(Arc<Vec<T>>, Arc<Vec<T>>)>>;

fn cases(opts: &CaseOpts) -> Vec<Case> {
    let shapes = scan_shapes(opts, &[(1_000_000, 128)]);
    let mut out = Vec::new();
    for shape in &shapes {
        out.push(case::<i8>("scan_s8_ip", shape.clone(), s8s));
    }
    for shape in &shapes {
        out.push(case::<f32>("scan_f32_ip", shape.clone(), f32s));
    }
    let many: Vec<Shape> = match &opts.shapes {
        Some(s) => s.iter().map(|s| many_shape(s.m, s.n, s.k)).collect(),
        None => vec![many_shape(64, 1_000_000, 128)],
    };
    for shape in many {
        out.push(many_case("scan_many_s8_ip", shape.clone(), false));
        out.push(many_case("scan_many_s8_ip_packed", shape, true));
    }
    out
}

/// `m` queries against `n_vectors` rows of `dim`.
fn many_shape(m: usize, n_vectors: usize, dim: usize) -> Shape {
    let mut s = scan_shape(n_vectors, dim);
    s.m = m;
    s.extra.push(("queries", serde_json::json!(m)));
    s
}

/// Many s8 queries against one s8 database, top 10 each: the database read
/// in place, or packed once in the set-up (`packed`).
fn many_case(op: &str, shape: Shape, packed: bool) -> Case {
    let (nq, rows, dim) = (shape.m, shape.n, shape.k);
    let db: Shared<i8> = Arc::new(OnceLock::new());
    Case {
        op: op.to_string(),
        impl_name: "lowp",
        label: Some(format!("{nq}x{rows}x{dim} top{TOP_K}")),
        shape,
        isas: IsaSel::Each,
        memory_bound: false,
        is_peak: false,
        peak_for: peak_u8s8,
        setup: Box::new(move |ctx| {
            let (data, queries) =
                db.get_or_init(|| (Arc::new(s8s(rows * dim, 9)), Arc::new(s8s(nq * dim, 10))));
            let (data, queries) = (data.clone(), queries.clone());
            let ctx = ctx.clone();
            let index = if packed {
                Some(PackedDatabase::new(&ctx, MatRef::row_major(&data, rows, dim)?)?)
            } else {
                None
            };
            let call = move || {
                let q = MatRef::row_major(&queries, nq, dim)?;
                match &index {
                    Some(ix) => ix.top_k(&ctx, q, Metric::InnerProduct, TOP_K),
                    None => scan_many_top_k(
                        &ctx,
                        q,
                        MatRef::row_major(&data, rows, dim)?,
                        Metric::InnerProduct,
                        TOP_K,
                    ),
                }
            };
            call()?;
            let work = Work {
                ops: 2.0 * (nq * rows * dim) as f64,
                bytes: (rows * dim) as f64,
            };
            Ok(Box::new(move || {
                std::hint::black_box(call().ok());
                work
            }))
        }),
    }
}

fn case<T: ScanElem + Zeroed + Send + Sync + 'static>(
    op: &str,
    shape: Shape,
    gen: fn(usize, u64) -> Vec<T>,
) -> Case {
    let (rows, dim) = (shape.n, shape.k);
    // The database is made once and shared by every context, in an
    // AlignedBuffer: on transparent huge pages whatever ran before (a
    // plain Vec of 128 MB late in a long suite may get 4 KiB pages).
    let db: SharedDb<T> = Arc::new(OnceLock::new());
    Case {
        op: op.to_string(),
        impl_name: "lowp",
        label: Some(format!("{rows}x{dim} top{TOP_K}")),
        shape,
        isas: IsaSel::Each,
        memory_bound: true,
        is_peak: false,
        peak_for: read_bw_peak_for(rows * dim * std::mem::size_of::<T>()),
        setup: Box::new(move |ctx| {
            let (data, query) = db.get_or_init(|| {
                (
                    Arc::new(AlignedBuffer::from_slice(&gen(rows * dim, 9))),
                    Arc::new(gen(dim, 10)),
                )
            });
            let (data, query) = (data.clone(), query.clone());
            let ctx = ctx.clone();
            let call = move || {
                scan_top_k(
                    &ctx,
                    &query,
                    MatRef::row_major(&data, rows, dim)?,
                    Metric::InnerProduct,
                    TOP_K,
                )
            };
            // One checked call in the set-up: the timed calls cannot fail.
            call()?;
            let work = Work {
                ops: 2.0 * (rows * dim) as f64,
                bytes: (rows * dim * std::mem::size_of::<T>()) as f64,
            };
            Ok(Box::new(move || {
                std::hint::black_box(call().ok());
                work
            }))
        }),
    }
}
