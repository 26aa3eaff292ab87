//! Scans: one query against a row-major database, top 10 by inner product
//! ([`lowp::dot::scan_top_k`]): `scan_s8_ip` and `scan_f32_ip`, 1,000,000
//! vectors of 128 (`--shapes`: N is the vector count, K the dim). Memory
//! bound: the JSON lines carry `n_vectors`, `dim` and `gbytes_per_s`
//! (database bytes read per second), compared with `peak_read_bw`.

use super::data::{f32s, s8s, scan_shapes};
use crate::bench::case::{peak_read_bw, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use lowp::dot::{scan_top_k, Metric, ScanElem};
use lowp::peak::Work;
use lowp::MatRef;
use std::sync::{Arc, OnceLock};

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "scan",
    about: "top-10 inner-product scans scan_s8_ip and scan_f32_ip (1,000,000 x 128)",
    cases,
    compare: |_| Vec::<CompareRow>::new(),
};

const TOP_K: usize = 10;

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
    out
}

fn case<T: ScanElem + Send + Sync + 'static>(op: &str, shape: Shape, gen: fn(usize, u64) -> Vec<T>) -> Case {
    let (rows, dim) = (shape.n, shape.k);
    // The database is made once and shared by every context.
    let db: Shared<T> = Arc::new(OnceLock::new());
    Case {
        op: op.to_string(),
        impl_name: "lowp",
        label: Some(format!("{rows}x{dim} top{TOP_K}")),
        shape,
        isas: IsaSel::Each,
        memory_bound: true,
        is_peak: false,
        peak_for: peak_read_bw,
        setup: Box::new(move |ctx| {
            let (data, query) = db.get_or_init(|| (Arc::new(gen(rows * dim, 9)), Arc::new(gen(dim, 10))));
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
