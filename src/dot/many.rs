//! Many queries against one database, top `k` per query.
//!
//! This is a GEMM (queries × databaseᵀ) followed by a top-K per query. It
//! will route to the INT8 GEMM (s8) and the f32 GEMM once those land; until
//! then it runs this blocked loop over the scan kernels: the database is
//! cut into blocks that fit in half the L2, each block is read from memory
//! once and scored against every query while it is cache-resident, and each
//! query keeps its own bounded heap. Workers take disjoint row ranges (as in
//! [`super::scan_top_k`]) and the per-query heaps are merged at the end, so
//! the result equals `scan_top_k` for each query, for every thread count.

use super::scan::{check_db, rows_from, split, Metric, ScanElem, Score};
use super::topk::{merge, Neighbor, TopK};
use crate::error::{Error, Result};
use crate::{Context, MatRef};
use std::sync::Mutex;

/// The `k` best database rows for every query row, best first (the same
/// order and tie rule as [`super::scan_top_k`]); `result[i]` is for
/// `queries` row `i`.
///
/// `Err` when `queries.cols() != db.cols()`, either has non-contiguous rows,
/// or (s8/u8) the length could overflow i32.
pub fn scan_many_top_k<T: ScanElem>(
    ctx: &Context,
    queries: MatRef<'_, T>,
    db: MatRef<'_, T>,
    metric: Metric,
    k: usize,
) -> Result<Vec<Vec<Neighbor<T::Score>>>> {
    let d = queries.cols();
    let data = check_db("queries", d, &db, metric)?;
    if !queries.is_row_contiguous() {
        return Err(Error::InvalidStride {
            arg: "queries",
            msg: format!(
                "rows must be contiguous (column stride 1), got column stride {}",
                queries.col_stride()
            ),
        });
    }
    let (nq, rows) = (queries.rows(), db.rows());
    // One result list per query (a zero-size view may claim any count).
    if nq > isize::MAX as usize / 32 {
        return Err(Error::overflow(
            "queries",
            format!("{nq} queries' result lists exceed the address space"),
        ));
    }
    if rows == 0 || k == 0 {
        return Ok(vec![Vec::new(); nq]);
    }
    if d == 0 {
        return Ok(vec![super::scan::empty_rows_top_k(rows, k); nq]);
    }
    let (qdata, qrs, rs) = (queries.as_slice(), queries.row_stride(), db.row_stride());
    let row_bytes = (d * std::mem::size_of::<T>()).max(1);
    let block = ((ctx.cache_sizes().l2 / 2) / row_bytes).clamp(64, 8192) / 64 * 64;
    let (tasks, chunk) = split(ctx, rows, row_bytes);
    let kern = &ctx.kernels().dot;
    type Parts<S> = Vec<Mutex<Vec<Vec<Neighbor<S>>>>>;
    let parts: Parts<T::Score> = (0..tasks).map(|_| Mutex::new(Vec::new())).collect();
    ctx.run_parallel(tasks, |t| {
        let (r0, r1) = (t * chunk, ((t + 1) * chunk).min(rows));
        let mut heaps: Vec<TopK<T::Score>> = (0..nq).map(|_| TopK::new(k, metric)).collect();
        let mut buf = vec![<T::Score as Score>::ZERO; block.min(r1 - r0)];
        let mut b0 = r0;
        while b0 < r1 {
            let n = block.min(r1 - b0);
            for (qi, heap) in heaps.iter_mut().enumerate() {
                let q = &rows_from(qdata, qi, qrs, d)[..d];
                T::score_rows(kern, metric, q, rows_from(data, b0, rs, d), rs, n, &mut buf[..n]);
                heap.push_all(b0, &buf[..n]);
            }
            b0 += n;
        }
        *parts[t].lock().unwrap_or_else(|e| e.into_inner()) = heaps.into_iter().map(TopK::into_vec).collect();
    });
    let mut per_task: Vec<Vec<Vec<Neighbor<T::Score>>>> = parts
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    Ok((0..nq)
        .map(|qi| {
            let lists = per_task.iter_mut().map(|p| std::mem::take(&mut p[qi])).collect();
            merge(lists, k, metric)
        })
        .collect())
}
