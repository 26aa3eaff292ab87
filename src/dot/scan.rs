//! One query against a row-major database: every score, or the top `k`.
//!
//! The database is split into chunks of whole 64-row groups, one per worker
//! of the [`Context`]; each worker streams its rows once, scoring a block
//! of up to 1024 rows into a small buffer and offering the scores to its
//! own bounded heap; the heaps are merged at the end under a total order
//! (score, then lower index). A row's score is computed by the same kernel
//! in the same operation order wherever the chunk boundaries fall, so the
//! result is identical for every thread count.

use super::table::{DotKernels, Kern, ScanRows};
use super::topk::{merge, Neighbor, TopK};
use super::{check_int_len, MAX_LEN_S8, MAX_LEN_U8};
use crate::error::{Error, Result};
use crate::{Context, MatRef};
use half::{bf16, f16};
use std::fmt::Debug;
use std::sync::Mutex;

/// What a scan ranks by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Metric {
    /// Inner product: larger is better.
    InnerProduct,
    /// Squared Euclidean distance: smaller is better.
    L2Squared,
}

mod sealed {
    use super::{Context, DotKernels, MatRef, Metric, Neighbor, Result, ScanElem};

    pub trait Sealed {}

    /// The crate-private half of [`ScanElem`].
    pub trait ScanRowsImpl {
        /// Scores `rows` rows (row `r` at `db[r·row_stride..][..q.len()]`) into `out`.
        fn score_rows(
            k: &DotKernels,
            metric: Metric,
            q: &[Self],
            db: &[Self],
            row_stride: usize,
            rows: usize,
            out: &mut [<Self as ScanElem>::Score],
        ) where
            Self: ScanElem + Sized;

        /// Top `k` of `rows` rows (row stride `rs`) for every query
        /// (validated, all sizes > 0): the GEMM path or the blocked loop.
        #[allow(clippy::type_complexity)]
        fn many_top_k(
            ctx: &Context,
            queries: MatRef<'_, Self>,
            data: &[Self],
            rows: usize,
            rs: usize,
            metric: Metric,
            k: usize,
        ) -> Result<Vec<Vec<Neighbor<<Self as ScanElem>::Score>>>>
        where
            Self: ScanElem + Sized;
    }
    impl Sealed for f32 {}
    impl Sealed for i32 {}
    impl Sealed for half::bf16 {}
    impl Sealed for half::f16 {}
    impl Sealed for i8 {}
    impl Sealed for u8 {}
}

/// A score type: `f32` for float elements, `i32` (exact) for integer ones.
pub trait Score: Copy + PartialOrd + Send + Sync + Debug + 'static + sealed::Sealed {
    /// The score of an empty (zero-length) vector.
    const ZERO: Self;
    /// Whether this is NaN (such scores rank last).
    fn is_nan(&self) -> bool;
}

impl Score for f32 {
    const ZERO: f32 = 0.0;
    fn is_nan(&self) -> bool {
        f32::is_nan(*self)
    }
}

impl Score for i32 {
    const ZERO: i32 = 0;
    fn is_nan(&self) -> bool {
        false
    }
}

/// An element type a database can hold: f32, bf16, f16 (f32 scores) or
/// s8, u8 (exact i32 scores).
pub trait ScanElem: Copy + Send + Sync + 'static + sealed::Sealed + sealed::ScanRowsImpl {
    /// The score type.
    type Score: Score;
    /// The longest vector whose scores are exact in i32 under `metric`
    /// (`usize::MAX` for float types).
    fn max_dim(metric: Metric) -> usize;
}

/// Checks the one thing a raw kernel call relies on: every row lies in `db`
/// and `out` has room. Panics otherwise (an internal error, never user input:
/// the public functions validate first).
fn assert_rows<T, S>(d: usize, db: &[T], row_stride: usize, rows: usize, out: &[S]) {
    let need = (rows - 1)
        .checked_mul(row_stride)
        .and_then(|x| x.checked_add(d))
        .expect("row offsets overflow");
    assert!(need <= db.len() && out.len() >= rows, "rows outside the database");
}

/// Scores row by row with a pair kernel.
///
/// # Safety
/// `q` valid for `d` reads, every row `r < out.len()` at `db + r·rs` valid for
/// `d` reads, and `f`'s features detected.
unsafe fn per_row<U, S>(
    f: unsafe fn(*const U, *const U, usize) -> S,
    q: *const U,
    db: *const U,
    rs: usize,
    d: usize,
    out: &mut [S],
) {
    for (r, o) in out.iter_mut().enumerate() {
        // SAFETY: forwarded from the caller.
        *o = unsafe { f(q, db.add(r * rs), d) };
    }
}

macro_rules! scan_elem {
    ($t:ty, $s:ty, $u:ty, $max_ip:expr, $max_l2:expr, $ip:ident, $l2:ident, $block:expr, $many:ident) => {
        impl ScanElem for $t {
            type Score = $s;
            fn max_dim(metric: Metric) -> usize {
                match metric {
                    Metric::InnerProduct => $max_ip,
                    Metric::L2Squared => $max_l2,
                }
            }
        }
        impl sealed::ScanRowsImpl for $t {
            fn score_rows(
                k: &DotKernels,
                metric: Metric,
                q: &[Self],
                db: &[Self],
                row_stride: usize,
                rows: usize,
                out: &mut [$s],
            ) {
                let d = q.len();
                if rows == 0 {
                    return;
                }
                if d == 0 {
                    out[..rows].fill(<$s as Score>::ZERO);
                    return;
                }
                assert_rows(d, db, row_stride, rows, out);
                let out = &mut out[..rows];
                let (qp, dbp) = (q.as_ptr() as *const $u, db.as_ptr() as *const $u);
                let block: Option<Kern<ScanRows<$u, $s>>> = ($block)(k);
                match (metric, block) {
                    (Metric::InnerProduct, Some(s)) => {
                        // SAFETY: assert_rows checked every row and the output;
                        // the table holds only kernels whose features were detected.
                        unsafe { (s.f)(qp, dbp, row_stride, rows, d, out.as_mut_ptr()) }
                    }
                    // SAFETY: as above.
                    (Metric::InnerProduct, None) => unsafe { per_row(k.$ip.f, qp, dbp, row_stride, d, out) },
                    // SAFETY: as above.
                    (Metric::L2Squared, _) => unsafe { per_row(k.$l2.f, qp, dbp, row_stride, d, out) },
                }
            }
            fn many_top_k(
                ctx: &Context,
                queries: MatRef<'_, $t>,
                data: &[$t],
                rows: usize,
                rs: usize,
                metric: Metric,
                k: usize,
            ) -> Result<Vec<Vec<Neighbor<$s>>>> {
                super::many::$many(ctx, queries, data, rows, rs, metric, k)
            }
        }
    };
}

// bf16 and f16 are `#[repr(transparent)]` over u16, the kernels' element type.
scan_elem!(
    f32,
    f32,
    f32,
    usize::MAX,
    usize::MAX,
    dot_f32,
    l2sq_f32,
    |k: &DotKernels| k.scan_f32_ip,
    gemm_many
);
scan_elem!(
    bf16,
    f32,
    u16,
    usize::MAX,
    usize::MAX,
    dot_bf16,
    l2sq_bf16,
    |_: &DotKernels| None,
    blocked_many
);
scan_elem!(
    f16,
    f32,
    u16,
    usize::MAX,
    usize::MAX,
    dot_f16,
    l2sq_f16,
    |_: &DotKernels| None,
    blocked_many
);
scan_elem!(
    i8,
    i32,
    i8,
    MAX_LEN_S8,
    MAX_LEN_U8,
    dot_s8,
    l2sq_s8,
    |k: &DotKernels| k.scan_s8_ip,
    gemm_many
);
scan_elem!(
    u8,
    i32,
    u8,
    MAX_LEN_U8,
    MAX_LEN_U8,
    dot_u8,
    l2sq_u8,
    |_: &DotKernels| None,
    gemm_many
);

/// Validates a query against a database; returns the data slice.
pub(crate) fn check_db<'a, T: ScanElem>(
    q_arg: &'static str,
    d: usize,
    db: &MatRef<'a, T>,
    metric: Metric,
) -> Result<&'a [T]> {
    if db.cols() != d {
        return Err(Error::shape(format!(
            "{q_arg} has {d} elements but db has {} columns",
            db.cols()
        )));
    }
    if !db.is_row_contiguous() {
        return Err(Error::InvalidStride {
            arg: "db",
            msg: format!(
                "rows must be contiguous (column stride 1), got column stride {}",
                db.col_stride()
            ),
        });
    }
    check_int_len(q_arg, d, T::max_dim(metric), "a score")?;
    Ok(db.as_slice())
}

/// How rows are split over workers: `(tasks, rows per task)`. Chunks are
/// whole 64-row groups; small scans stay on the calling thread.
pub(crate) fn split(ctx: &Context, rows: usize, row_bytes: usize) -> (usize, usize) {
    let bytes = rows.saturating_mul(row_bytes.max(1));
    let want = if bytes < (1 << 18) { 1 } else { ctx.num_threads() };
    let want = want.clamp(1, rows.div_ceil(64).max(1));
    let chunk = rows.div_ceil(want).div_ceil(64).max(1) * 64;
    (rows.div_ceil(chunk).max(1), chunk)
}

/// The database from row `r` on (empty for zero-length rows, whose slice
/// may be empty whatever the stride).
pub(crate) fn rows_from<T>(data: &[T], r: usize, row_stride: usize, d: usize) -> &[T] {
    if d == 0 {
        &data[..0]
    } else {
        &data[r * row_stride..]
    }
}

/// The top `k` of `rows` zero-length rows: every score is that of an empty
/// vector, so ties give the first rows. (A zero-size view may claim any
/// number of rows: no scan over them.)
pub(crate) fn empty_rows_top_k<S: Score>(rows: usize, k: usize) -> Vec<Neighbor<S>> {
    (0..rows.min(k))
        .map(|index| Neighbor {
            index,
            score: S::ZERO,
        })
        .collect()
}

/// Rows scored per block inside a worker (the scores buffer stays in L1).
pub(crate) const BLOCK_ROWS: usize = 1024;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Scores every row of `db` against `query` into `out` (`out[r]` for row `r`).
///
/// `Err` when `query.len() != db.cols()`, rows are not contiguous
/// (`col_stride != 1`), `out.len() != db.rows()`, or (s8/u8) the length
/// could overflow i32.
///
/// ```
/// use lowp::{dot::{scan_scores, Metric}, Context, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// let db = [1i8, 2, 3, 4, 5, 6];
/// let mut out = [0i32; 3];
/// scan_scores(&ctx, &[1, -1], MatRef::row_major(&db, 3, 2)?, Metric::InnerProduct, &mut out)?;
/// assert_eq!(out, [-1, -1, -1]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn scan_scores<T: ScanElem>(
    ctx: &Context,
    query: &[T],
    db: MatRef<'_, T>,
    metric: Metric,
    out: &mut [T::Score],
) -> Result<()> {
    let data = check_db("query", query.len(), &db, metric)?;
    let rows = db.rows();
    if out.len() != rows {
        return Err(Error::shape(format!(
            "out has {} elements but db has {rows} rows",
            out.len()
        )));
    }
    if rows == 0 {
        return Ok(());
    }
    let rs = db.row_stride();
    let (tasks, chunk) = split(ctx, rows, std::mem::size_of_val(query));
    let k = &ctx.kernels().dot;
    let slots: Vec<Mutex<&mut [T::Score]>> = out.chunks_mut(chunk).map(Mutex::new).collect();
    ctx.run_parallel(tasks, |t| {
        let mut o = lock(&slots[t]);
        let n = o.len();
        T::score_rows(
            k,
            metric,
            query,
            rows_from(data, t * chunk, rs, query.len()),
            rs,
            n,
            &mut o,
        );
    });
    Ok(())
}

/// The `k` best rows of `db` for `query`, best first: largest inner product
/// or smallest squared distance, ties to the lower row index, NaN scores
/// last. Fewer than `k` when `db` has fewer rows. Identical for every thread
/// count.
///
/// `Err` as [`scan_scores`].
///
/// ```
/// use lowp::{dot::{scan_top_k, Metric}, Context, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// let db = [1.0f32, 0.0, 0.0, 1.0, 1.0, 1.0];
/// let top = scan_top_k(&ctx, &[2.0, 2.0], MatRef::row_major(&db, 3, 2)?, Metric::InnerProduct, 2)?;
/// assert_eq!((top[0].index, top[0].score), (2, 4.0));
/// assert_eq!(top[1].index, 0); // tie with row 1: the lower index wins
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn scan_top_k<T: ScanElem>(
    ctx: &Context,
    query: &[T],
    db: MatRef<'_, T>,
    metric: Metric,
    k: usize,
) -> Result<Vec<Neighbor<T::Score>>> {
    let data = check_db("query", query.len(), &db, metric)?;
    let rows = db.rows();
    if rows == 0 || k == 0 {
        return Ok(Vec::new());
    }
    if query.is_empty() {
        return Ok(empty_rows_top_k(rows, k));
    }
    let rs = db.row_stride();
    let (tasks, chunk) = split(ctx, rows, std::mem::size_of_val(query));
    let kern = &ctx.kernels().dot;
    let parts: Vec<Mutex<Vec<Neighbor<T::Score>>>> = (0..tasks).map(|_| Mutex::new(Vec::new())).collect();
    ctx.run_parallel(tasks, |t| {
        let (r0, r1) = (t * chunk, ((t + 1) * chunk).min(rows));
        let mut heap = TopK::new(k, metric);
        let mut buf = vec![<T::Score as Score>::ZERO; BLOCK_ROWS.min(r1 - r0)];
        let mut b0 = r0;
        while b0 < r1 {
            let n = BLOCK_ROWS.min(r1 - b0);
            T::score_rows(
                kern,
                metric,
                query,
                rows_from(data, b0, rs, query.len()),
                rs,
                n,
                &mut buf[..n],
            );
            heap.push_all(b0, &buf[..n]);
            b0 += n;
        }
        *lock(&parts[t]) = heap.into_vec();
    });
    let parts = parts
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect();
    Ok(merge(parts, k, metric))
}
