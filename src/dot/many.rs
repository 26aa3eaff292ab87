//! Many queries against one database, top `k` per query: a GEMM per chunk
//! of the database, then a top-K per query.
//!
//! For s8, u8 and f32 the scores of a group of up to [`QUERY_GROUP`]
//! queries against a chunk of [`CHUNK_ROWS`] database rows come out of one
//! GEMM call (the INT8 GEMM [`crate::igemm::igemm`] for s8/u8, exact; the
//! FP32 GEMM [`crate::sgemm()`] for f32) into a per-thread score block of at
//! most 512 KiB that stays in L2; each query's bounded heap then takes its
//! row of the block. The `M × rows` score matrix is never materialized.
//! Workers take disjoint runs of whole chunks; per-worker heaps are merged
//! under a total order (score, then lower index).
//!
//! - [`scan_many_top_k`] reads the database in place: each chunk is the
//!   GEMM's A operand (packed per call by the GEMM itself, cache block by
//!   cache block) and the queries are packed once per call as B.
//! - [`PackedDatabase`] packs the database once (as INT8 weights for s8/u8,
//!   as a prepacked f32 B for f32) for many calls on a fixed database; the
//!   queries are then the A operand.
//!
//! s8 operands enter the GEMM with zero point −128 (moved to u8 they are
//! the bytes the kernel multiplies), so the GEMM runs no compensation pass
//! and writes its tiles straight into the score block; the sums then exceed
//! `q·x` by `128·Σq` (in place: per query, which keeps each query's ranking,
//! removed in the L2 formula or from the kept inner products) or `128·Σx`
//! (packed database: per row, removed after each GEMM).
//!
//! Squared distances are `‖q‖² + ‖x‖² − 2·q·x` with the norms computed once.
//! For s8/u8 that is exact (wrapping i32 arithmetic on a result that fits),
//! so every integer score is bit-identical to the pair kernels and the
//! oracle. For f32 see [`scan_many_top_k`] for the bound.
//!
//! Chunk and group sizes are constants, so each score is computed by the
//! same calls whatever the thread count: results (f32 included) are
//! identical for every thread count. bf16/f16 (and s8/u8 vectors longer than
//! [`crate::igemm::MAX_K`]) run a blocked loop over the one-query scan
//! kernels instead, with the same guarantees.

use super::scan::{check_db, rows_from, split, Metric, ScanElem, Score};
use super::topk::{merge, push_rows, Neighbor, TopK};
use crate::error::{Error, Result};
use crate::igemm::{igemm, Int8, Output, PackOptions, PackedI8Weights, WeightZeroPoint, MAX_K};
use crate::{sgemm, sgemm_packed, Context, Isa, MatMut, MatRef, PackedB};
use std::sync::Mutex;

/// Database rows per GEMM chunk. A constant (not derived from the thread
/// count or the caches), so each f32 score comes from the same GEMM call
/// for every thread count.
pub const CHUNK_ROWS: usize = 2048;
/// Queries per GEMM call: with [`CHUNK_ROWS`], a 512 KiB score block.
/// (s8/u8 scans of more than `QUERY_GROUP` queries on a database read in
/// place use groups of `2·QUERY_GROUP` queries and chunks of
/// `CHUNK_ROWS / 2` rows instead, the same block: each chunk is then packed
/// half as often. The choice depends only on the number of queries.)
pub const QUERY_GROUP: usize = 64;

/// Per-call results of every query: `result[i]` for query row `i`.
type Lists<S> = Vec<Vec<Neighbor<S>>>;

mod sealed {
    use super::{Context, MatRef, Result, ScanElem};

    /// The crate-private half of [`super::IndexElem`]: how one element type
    /// runs its chunk GEMMs.
    pub trait GemmImpl: ScanElem {
        /// One packed database chunk.
        type Chunk: Clone + std::fmt::Debug + Send + Sync;
        /// A query group prepared for [`GemmImpl::score_chunk`].
        type Queries: Send + Sync;
        /// Longest vector the GEMM takes.
        const MAX_DIM: usize;
        /// Whether in-place scans of more than `QUERY_GROUP` queries use the
        /// wide groups (see [`super::QUERY_GROUP`]).
        const WIDE_GROUPS: bool;
        /// Whether [`GemmImpl::score_chunk`] writes row-major by database
        /// row (`out[j·g + i]`) instead of by query (`out[i·n + j]`).
        const ROWS_FIRST: bool;
        /// `‖x‖²`.
        fn norm(ctx: &Context, x: &[Self]) -> Result<Self::Score>;
        /// `qn + xn − 2·ip`.
        fn l2(qn: Self::Score, xn: Self::Score, ip: Self::Score) -> Self::Score;
        /// Prepares a group of queries (`g × d`) for `score_chunk`.
        fn prepare(ctx: &Context, q: MatRef<'_, Self>) -> Result<Self::Queries>;
        /// What `score_chunk` adds to every inner product of each query of
        /// the group (one entry per query), or `None` when it adds nothing.
        /// A per-query constant keeps each query's ranking (the shifted value
        /// is exact too), so the GEMM can skip that correction pass.
        fn offsets(prepared: &Self::Queries, g: usize) -> Option<Vec<Self::Score>>;
        /// `raw − offset`.
        fn unshift(raw: Self::Score, offset: Self::Score) -> Self::Score;
        /// `q_i · chunk_j` into `out` (`n = chunk.rows()`, `g = q.rows()`),
        /// laid out as [`GemmImpl::ROWS_FIRST`] says; the chunk read in place.
        fn score_chunk(
            ctx: &Context,
            q: MatRef<'_, Self>,
            prepared: &Self::Queries,
            chunk: MatRef<'_, Self>,
            out: &mut [Self::Score],
        ) -> Result<()>;
        /// Packs a chunk (`n × d`, one vector per row) once.
        fn pack_chunk(ctx: &Context, chunk: MatRef<'_, Self>) -> Result<Self::Chunk>;
        /// `out[i·n + j] = q_i · x_j` over a packed chunk of `n` rows.
        fn score_packed(
            ctx: &Context,
            q: MatRef<'_, Self>,
            chunk: &Self::Chunk,
            n: usize,
            out: &mut [Self::Score],
        ) -> Result<()>;
    }
}
use sealed::GemmImpl;

/// An element type whose many-query scans run on a GEMM and that a
/// [`PackedDatabase`] can hold: `i8`, `u8` (INT8 GEMM, exact) and `f32`.
pub trait IndexElem: ScanElem + sealed::GemmImpl {}
impl IndexElem for i8 {}
impl IndexElem for u8 {}
impl IndexElem for f32 {}

macro_rules! int_gemm {
    ($t:ty, $norm:path) => {
        impl sealed::GemmImpl for $t {
            type Chunk = PackedI8Weights;
            type Queries = PackedI8Weights;
            const MAX_DIM: usize = MAX_K;
            const WIDE_GROUPS: bool = true;
            const ROWS_FIRST: bool = true;
            fn norm(ctx: &Context, x: &[$t]) -> Result<i32> {
                $norm(ctx, x, x)
            }
            fn l2(qn: i32, xn: i32, ip: i32) -> i32 {
                // Exact: the true value fits i32 (the length was checked) and
                // wrapping arithmetic is exact modulo 2³².
                qn.wrapping_add(xn).wrapping_sub(ip.wrapping_mul(2))
            }
            fn prepare(ctx: &Context, q: MatRef<'_, $t>) -> Result<PackedI8Weights> {
                PackedI8Weights::pack(
                    ctx,
                    q.t(),
                    WeightZeroPoint::PerTensor(0),
                    PackOptions::default(),
                )
            }
            fn offsets(prepared: &PackedI8Weights, g: usize) -> Option<Vec<i32>> {
                // The chunk runs with zero point −U8_SHIFT (its bytes moved
                // to u8 are then the values the kernel multiplies, za' = 0),
                // so the GEMM leaves out −za'·Σq = −U8_SHIFT·Σ_k q[k]: the
                // raw sum exceeds q·x by U8_SHIFT·Σq (both fit i32: the
                // length is at most MAX_K, 255·128·MAX_K < 2³¹).
                let shift = <$t as Int8>::U8_SHIFT;
                (shift != 0).then(|| {
                    prepared.colsum[..g]
                        .iter()
                        .map(|&s| s.wrapping_mul(shift))
                        .collect()
                })
            }
            fn unshift(raw: i32, offset: i32) -> i32 {
                raw.wrapping_sub(offset)
            }
            fn score_chunk(
                ctx: &Context,
                q: MatRef<'_, $t>,
                prepared: &PackedI8Weights,
                chunk: MatRef<'_, $t>,
                out: &mut [i32],
            ) -> Result<()> {
                let (n, g) = (chunk.rows(), q.rows());
                // C = chunk · Qᵀ (n × g), row-major: the kernel's tiles are
                // copied row by row (`push_rows` reads it that way). The
                // zero point −U8_SHIFT leaves the s8 compensation out (see
                // `offsets`): the kernel writes C directly.
                let c = MatMut::row_major(&mut out[..n * g], n, g)?;
                igemm(
                    ctx,
                    chunk,
                    -<$t as Int8>::U8_SHIFT,
                    prepared,
                    Output::S32 {
                        c,
                        accumulate: false,
                    },
                )
            }
            fn pack_chunk(ctx: &Context, chunk: MatRef<'_, $t>) -> Result<PackedI8Weights> {
                PackedI8Weights::pack(
                    ctx,
                    chunk.t(),
                    WeightZeroPoint::PerTensor(0),
                    PackOptions::default(),
                )
            }
            fn score_packed(
                ctx: &Context,
                q: MatRef<'_, $t>,
                chunk: &PackedI8Weights,
                n: usize,
                out: &mut [i32],
            ) -> Result<()> {
                let g = q.rows();
                let c = MatMut::row_major(&mut out[..g * n], g, n)?;
                // As in `score_chunk`, the queries run with zero point
                // −U8_SHIFT (no compensation pass: the kernel writes C);
                // the raw sum exceeds q·x by U8_SHIFT·Σx, per database row,
                // removed here (wrapping: exact, the true values fit i32).
                let shift = <$t as Int8>::U8_SHIFT;
                igemm(
                    ctx,
                    q,
                    -shift,
                    chunk,
                    Output::S32 {
                        c,
                        accumulate: false,
                    },
                )?;
                if shift != 0 {
                    let off: Vec<i32> = chunk.colsum[..n]
                        .iter()
                        .map(|&s| s.wrapping_mul(shift))
                        .collect();
                    for row in out[..g * n].chunks_exact_mut(n) {
                        for (v, &o) in row.iter_mut().zip(&off) {
                            *v = v.wrapping_sub(o);
                        }
                    }
                }
                Ok(())
            }
        }
    };
}
int_gemm!(i8, super::dot_s8);
int_gemm!(u8, super::dot_u8);

impl sealed::GemmImpl for f32 {
    type Chunk = PackedB<f32>;
    type Queries = ();
    const MAX_DIM: usize = usize::MAX;
    const WIDE_GROUPS: bool = false;
    const ROWS_FIRST: bool = false;
    fn norm(ctx: &Context, x: &[f32]) -> Result<f32> {
        super::dot_f32(ctx, x, x)
    }
    fn l2(qn: f32, xn: f32, ip: f32) -> f32 {
        let v = (qn + xn) - 2.0 * ip;
        // Rounding can take a true 0 below 0; NaN stays NaN.
        if v < 0.0 {
            0.0
        } else {
            v
        }
    }
    fn prepare(_: &Context, _: MatRef<'_, f32>) -> Result<()> {
        Ok(())
    }
    fn offsets(_: &(), _: usize) -> Option<Vec<f32>> {
        None
    }
    fn unshift(raw: f32, _: f32) -> f32 {
        raw
    }
    fn score_chunk(
        ctx: &Context,
        q: MatRef<'_, f32>,
        _: &(),
        chunk: MatRef<'_, f32>,
        out: &mut [f32],
    ) -> Result<()> {
        let (n, g) = (chunk.rows(), q.rows());
        let c = MatMut::row_major(&mut out[..g * n], g, n)?;
        sgemm(ctx, 1.0, q, chunk.t(), 0.0, c)
    }
    fn pack_chunk(ctx: &Context, chunk: MatRef<'_, f32>) -> Result<PackedB<f32>> {
        PackedB::<f32>::new(ctx, chunk.t())
    }
    fn score_packed(
        ctx: &Context,
        q: MatRef<'_, f32>,
        chunk: &PackedB<f32>,
        n: usize,
        out: &mut [f32],
    ) -> Result<()> {
        let g = q.rows();
        let c = MatMut::row_major(&mut out[..g * n], g, n)?;
        sgemm_packed(ctx, 1.0, q, chunk, 0.0, c)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A one-thread context of `ctx`'s level (GEMM calls inside a worker).
fn single_thread(ctx: &Context) -> Result<Context> {
    if ctx.num_threads() == 1 {
        return Ok(ctx.clone());
    }
    Context::builder()
        .max_isa(ctx.isa())
        .threads(1)
        .cache_sizes(ctx.cache_sizes())
        .topology(ctx.topology().clone())
        .ignore_env()
        .build()
}

fn check_queries<T>(queries: &MatRef<'_, T>) -> Result<()> {
    if !queries.is_row_contiguous() {
        return Err(Error::InvalidStride {
            arg: "queries",
            msg: format!(
                "rows must be contiguous (column stride 1), got column stride {}",
                queries.col_stride()
            ),
        });
    }
    // One result list per query (a zero-size view may claim any count).
    if queries.rows() > isize::MAX as usize / 32 {
        return Err(Error::overflow(
            "queries",
            format!(
                "{} queries' result lists exceed the address space",
                queries.rows()
            ),
        ));
    }
    Ok(())
}

/// Rows `r0..r0 + n` of a row-major view's data (`d > 0`).
fn view<T>(data: &[T], r0: usize, n: usize, d: usize, rs: usize) -> Result<MatRef<'_, T>> {
    MatRef::named("db", rows_from(data, r0, rs, d), n, d, rs, 1)
}

/// The `k` best database rows for every query row, best first (the same
/// order and tie rule as [`super::scan_top_k`]); `result[i]` is for
/// `queries` row `i`. Identical for every thread count.
///
/// s8, u8 and f32 run as a GEMM per chunk of the database (see the module
/// docs of [`PackedDatabase`], which packs a fixed database once). s8/u8
/// scores are exact: equal to [`super::scan_top_k`] for each query. f32
/// scores come from the FP32 GEMM, accumulated in another order than the
/// one-query kernel: an inner product is within `(d + 4)·ε·Σ|q_i·x_i|` of
/// the exact value (`ε = 2⁻²³`); a squared distance, computed as
/// `‖q‖² + ‖x‖² − 2·q·x` (then clamped at 0), within
/// `(d + 6)·ε·(‖q‖² + ‖x‖² + 2·Σ|q_i·x_i|)`, which is larger than the
/// one-query kernel's bound when `q` and `x` are close (and where a squared
/// norm overflows f32, above about 1.8·10¹⁹ per element, the score is inf
/// or NaN where the one-query kernel may still be finite). bf16/f16 use the
/// one-query kernels (their scores equal [`super::scan_top_k`]'s).
///
/// `Err` when `queries.cols() != db.cols()`, either has non-contiguous rows,
/// or (s8/u8) the length could overflow i32.
///
/// ```
/// use lowp::{dot::{scan_many_top_k, Metric}, Context, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// let db = [1i8, 0, 0, 1, 1, 1];
/// let qs = [2i8, 1, -1, 3];
/// let top = scan_many_top_k(&ctx, MatRef::row_major(&qs, 2, 2)?, MatRef::row_major(&db, 3, 2)?,
///                           Metric::InnerProduct, 1)?;
/// assert_eq!((top[0][0].index, top[0][0].score), (2, 3));
/// assert_eq!((top[1][0].index, top[1][0].score), (1, 3));
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn scan_many_top_k<T: ScanElem>(
    ctx: &Context,
    queries: MatRef<'_, T>,
    db: MatRef<'_, T>,
    metric: Metric,
    k: usize,
) -> Result<Lists<T::Score>> {
    let d = queries.cols();
    let data = check_db("queries", d, &db, metric)?;
    check_queries(&queries)?;
    let (nq, rows) = (queries.rows(), db.rows());
    if rows == 0 || k == 0 {
        return Ok(vec![Vec::new(); nq]);
    }
    if d == 0 {
        return Ok(vec![super::scan::empty_rows_top_k(rows, k); nq]);
    }
    if nq == 0 {
        return Ok(Vec::new());
    }
    T::many_top_k(ctx, queries, data, rows, db.row_stride(), metric, k)
}

/// Where the chunks come from.
enum Source<'a, T: GemmImpl> {
    /// The database in place (`rows × d`, row stride `rs`).
    Rows { data: &'a [T], rs: usize },
    /// Packed chunks and the rows' squared norms.
    Packed {
        chunks: &'a [T::Chunk],
        norms: &'a [T::Score],
    },
}

/// The GEMM path of [`scan_many_top_k`] (inputs validated, all sizes > 0).
pub(crate) fn gemm_many<T: GemmImpl>(
    ctx: &Context,
    queries: MatRef<'_, T>,
    data: &[T],
    rows: usize,
    rs: usize,
    metric: Metric,
    k: usize,
) -> Result<Lists<T::Score>> {
    if queries.cols() > T::MAX_DIM {
        return blocked_many(ctx, queries, data, rows, rs, metric, k);
    }
    run_chunks(ctx, queries, rows, metric, k, &Source::Rows { data, rs })
}

/// The chunked GEMM + top-K driver.
fn run_chunks<T: GemmImpl>(
    ctx: &Context,
    queries: MatRef<'_, T>,
    rows: usize,
    metric: Metric,
    k: usize,
    src: &Source<'_, T>,
) -> Result<Lists<T::Score>> {
    let (nq, d) = (queries.rows(), queries.cols());
    let ctx1 = single_thread(ctx)?;
    let (qdata, qrs) = (queries.as_slice(), queries.row_stride());
    // Packed chunks hold CHUNK_ROWS rows; in place, many queries take the
    // wide groups (a function of nq only).
    let wide = T::WIDE_GROUPS && nq > QUERY_GROUP && matches!(src, Source::Rows { .. });
    let (chunk_rows, group) = if wide {
        (CHUNK_ROWS / 2, 2 * QUERY_GROUP)
    } else {
        (CHUNK_ROWS, QUERY_GROUP)
    };
    let groups: Vec<(usize, MatRef<'_, T>)> = (0..nq)
        .step_by(group)
        .map(|g0| {
            let g = group.min(nq - g0);
            MatRef::named("queries", rows_from(qdata, g0, qrs, d), g, d, qrs, 1).map(|v| (g0, v))
        })
        .collect::<Result<_>>()?;
    let prepared: Vec<T::Queries> = match src {
        Source::Rows { .. } => groups
            .iter()
            .map(|(_, q)| T::prepare(&ctx1, *q))
            .collect::<Result<_>>()?,
        Source::Packed { .. } => Vec::new(),
    };
    // Per query: what the in-place chunk scores exceed the inner products by.
    // (Packed chunks prepare nothing: their scores are exact.)
    let qoff: Option<Vec<T::Score>> = match src {
        Source::Rows { .. } => groups
            .iter()
            .zip(&prepared)
            .map(|((_, q), p)| T::offsets(p, q.rows()))
            .collect::<Option<Vec<_>>>()
            .map(|v| v.concat()),
        Source::Packed { .. } => None,
    };
    let l2 = metric == Metric::L2Squared;
    let qnorms: Vec<T::Score> = if l2 {
        (0..nq)
            .map(|i| T::norm(ctx, &rows_from(qdata, i, qrs, d)[..d]))
            .collect::<Result<_>>()?
    } else {
        Vec::new()
    };
    let n_chunks = rows.div_ceil(chunk_rows);
    // Small problems stay on the calling thread.
    let work = rows.saturating_mul(nq).saturating_mul(d);
    let want = if work < (1 << 22) { 1 } else { ctx.num_threads() };
    let per = n_chunks.div_ceil(want.clamp(1, n_chunks));
    let tasks = n_chunks.div_ceil(per);
    let parts: Vec<Mutex<Result<Lists<T::Score>>>> = (0..tasks).map(|_| Mutex::new(Ok(Vec::new()))).collect();
    let task = |t: usize| -> Result<Lists<T::Score>> {
        let mut heaps: Vec<TopK<T::Score>> = (0..nq).map(|_| TopK::new(k, metric)).collect();
        let block = group.min(nq) * chunk_rows.min(rows);
        let mut scores = vec![<T::Score as Score>::ZERO; block];
        let mut xn_buf: Vec<T::Score> = Vec::new();
        for c in t * per..((t + 1) * per).min(n_chunks) {
            let r0 = c * chunk_rows;
            let n = chunk_rows.min(rows - r0);
            let xn: &[T::Score] = match src {
                _ if !l2 => &[],
                Source::Rows { data, rs } => {
                    xn_buf.clear();
                    for r in r0..r0 + n {
                        xn_buf.push(T::norm(&ctx1, &rows_from(data, r, *rs, d)[..d])?);
                    }
                    &xn_buf
                }
                Source::Packed { norms, .. } => &norms[r0..r0 + n],
            };
            for (gi, (g0, q)) in groups.iter().enumerate() {
                let g = q.rows();
                let out = &mut scores[..g * n];
                match src {
                    Source::Rows { data, rs } => {
                        T::score_chunk(&ctx1, *q, &prepared[gi], view(data, r0, n, d, *rs)?, out)?
                    }
                    Source::Packed { chunks, .. } => T::score_packed(&ctx1, *q, &chunks[c], n, out)?,
                }
                if T::ROWS_FIRST && matches!(src, Source::Rows { .. }) {
                    match (&qoff, l2) {
                        (Some(off), true) => {
                            let off = &off[*g0..*g0 + g];
                            for (row, &x) in out.chunks_exact_mut(g).zip(xn) {
                                for ((v, &qn), &o) in row.iter_mut().zip(&qnorms[*g0..*g0 + g]).zip(off) {
                                    *v = T::l2(qn, x, T::unshift(*v, o));
                                }
                            }
                        }
                        (None, true) => {
                            for (row, &x) in out.chunks_exact_mut(g).zip(xn) {
                                for (v, &qn) in row.iter_mut().zip(&qnorms[*g0..*g0 + g]) {
                                    *v = T::l2(qn, x, *v);
                                }
                            }
                        }
                        // Inner products stay shifted per query (the same
                        // ranking); the kept ones are corrected at the end.
                        (_, false) => {}
                    }
                    push_rows(&mut heaps[*g0..*g0 + g], r0, out, metric);
                    continue;
                }
                for (i, s) in out.chunks_exact_mut(n).enumerate() {
                    if l2 {
                        let qn = qnorms[g0 + i];
                        let o = qoff.as_ref().map(|off| off[g0 + i]);
                        for (v, &x) in s.iter_mut().zip(xn) {
                            let ip = o.map_or(*v, |o| T::unshift(*v, o));
                            *v = T::l2(qn, x, ip);
                        }
                    }
                    heaps[g0 + i].push_all(r0, s);
                }
            }
        }
        Ok(heaps.into_iter().map(TopK::into_vec).collect())
    };
    ctx.run_parallel(tasks, |t| *lock(&parts[t]) = task(t));
    let mut per_task: Vec<Lists<T::Score>> = parts
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .collect::<Result<_>>()?;
    Ok((0..nq)
        .map(|qi| {
            let lists = per_task.iter_mut().map(|p| std::mem::take(&mut p[qi])).collect();
            let mut list = merge(lists, k, metric);
            if let (Some(off), false) = (&qoff, l2) {
                for nb in &mut list {
                    nb.score = T::unshift(nb.score, off[qi]);
                }
            }
            list
        })
        .collect())
}

/// The blocked loop over the one-query scan kernels (bf16/f16, and integer
/// vectors longer than the INT8 GEMM takes): the database is cut into
/// blocks that fit in half the L2, each block is read from memory once and
/// scored against every query while it is cache-resident.
pub(crate) fn blocked_many<T: ScanElem>(
    ctx: &Context,
    queries: MatRef<'_, T>,
    data: &[T],
    rows: usize,
    rs: usize,
    metric: Metric,
    k: usize,
) -> Result<Lists<T::Score>> {
    let (nq, d) = (queries.rows(), queries.cols());
    let (qdata, qrs) = (queries.as_slice(), queries.row_stride());
    let row_bytes = (d * std::mem::size_of::<T>()).max(1);
    let block = ((ctx.cache_sizes().l2 / 2) / row_bytes).clamp(64, 8192) / 64 * 64;
    let (tasks, chunk) = split(ctx, rows, row_bytes);
    let kern = &ctx.kernels().dot;
    let parts: Vec<Mutex<Lists<T::Score>>> = (0..tasks).map(|_| Mutex::new(Vec::new())).collect();
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
        *lock(&parts[t]) = heaps.into_iter().map(TopK::into_vec).collect();
    });
    let mut per_task: Vec<Lists<T::Score>> = parts
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

/// A database packed once for many-query top-K searches: the vectors cut
/// into chunks of [`CHUNK_ROWS`], each packed as the B operand of the GEMM
/// (INT8 weights for s8/u8, a prepacked f32 B for f32), plus every vector's
/// squared norm (for [`Metric::L2Squared`]). A user with a fixed database
/// packs it here once instead of letting every [`scan_many_top_k`] call
/// repack it; the packed copy takes about as much memory as the database.
///
/// Results equal [`scan_many_top_k`]'s on the same database (s8/u8: exactly,
/// and so [`super::scan_top_k`]'s; f32: within the same bound) and do not
/// depend on the thread count. The layout belongs to the ISA level of the
/// context it was packed with; searching with a context of another level is
/// an `Err` (pack it again with that context).
///
/// ```
/// use lowp::{dot::{Metric, PackedDatabase}, Context, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// // Four 3-dimensional s8 vectors, one per row.
/// let db = [1i8, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1];
/// let index = PackedDatabase::new(&ctx, MatRef::row_major(&db, 4, 3)?)?;
/// assert_eq!((index.rows(), index.dim()), (4, 3));
/// let queries = [0i8, 5, 0, 2, 2, 2];
/// let top = index.top_k(&ctx, MatRef::row_major(&queries, 2, 3)?, Metric::InnerProduct, 2)?;
/// assert_eq!((top[0][0].index, top[0][0].score), (1, 5));
/// assert_eq!(top[0][1].index, 3); // ties with row 1's score of 5, lower index first
/// assert_eq!((top[1][0].index, top[1][0].score), (3, 6));
/// let near = index.top_k(&ctx, MatRef::row_major(&queries[..3], 1, 3)?, Metric::L2Squared, 1)?;
/// assert_eq!((near[0][0].index, near[0][0].score), (1, 16));
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct PackedDatabase<T: IndexElem> {
    isa: Isa,
    rows: usize,
    dim: usize,
    chunks: Vec<T::Chunk>,
    norms: Vec<T::Score>,
}

impl<T: IndexElem> PackedDatabase<T> {
    /// Packs `db` (`rows × dim`, one vector per row, rows contiguous) for
    /// `ctx`'s ISA level, spreading the work over its threads.
    ///
    /// `Err` when `db`'s rows are not contiguous, or (s8/u8) `dim` exceeds
    /// [`crate::igemm::MAX_K`] or the length that keeps an inner product
    /// exact in i32.
    pub fn new(ctx: &Context, db: MatRef<'_, T>) -> Result<PackedDatabase<T>> {
        let (rows, dim) = (db.rows(), db.cols());
        let data = check_db("db", dim, &db, Metric::InnerProduct)?;
        if dim > T::MAX_DIM {
            return Err(Error::overflow(
                "db",
                format!(
                    "vectors of {dim} elements exceed the INT8 GEMM's K limit of {}",
                    T::MAX_DIM
                ),
            ));
        }
        let rs = db.row_stride();
        let n_chunks = if dim == 0 { 0 } else { rows.div_ceil(CHUNK_ROWS) };
        let ctx1 = single_thread(ctx)?;
        type Slot<C, S> = Mutex<Option<Result<(C, Vec<S>)>>>;
        let slots: Vec<Slot<T::Chunk, T::Score>> = (0..n_chunks).map(|_| Mutex::new(None)).collect();
        ctx.run_parallel(n_chunks, |c| {
            let r0 = c * CHUNK_ROWS;
            let n = CHUNK_ROWS.min(rows - r0);
            let packed = || -> Result<(T::Chunk, Vec<T::Score>)> {
                let chunk = T::pack_chunk(&ctx1, view(data, r0, n, dim, rs)?)?;
                let norms = (r0..r0 + n)
                    .map(|r| T::norm(&ctx1, &rows_from(data, r, rs, dim)[..dim]))
                    .collect::<Result<_>>()?;
                Ok((chunk, norms))
            };
            *lock(&slots[c]) = Some(packed());
        });
        let mut chunks = Vec::with_capacity(n_chunks);
        let mut norms = Vec::with_capacity(if dim == 0 { 0 } else { rows });
        for s in slots {
            let (c, n) = s
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| {
                    Err(Error::Threading {
                        msg: "a packing task did not run".into(),
                    })
                })?;
            chunks.push(c);
            norms.extend(n);
        }
        Ok(PackedDatabase {
            isa: ctx.isa(),
            rows,
            dim,
            chunks,
            norms,
        })
    }

    /// Number of vectors.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Elements per vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The ISA level whose layout this holds.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The `k` best vectors for every row of `queries` (`m × dim`, rows
    /// contiguous), best first; `result[i]` is for query `i`. Same order,
    /// ties and accuracy as [`scan_many_top_k`].
    ///
    /// `Err` when `queries.cols() != self.dim()`, its rows are not
    /// contiguous, `ctx` runs another ISA level than the one this was packed
    /// for, or (s8/u8, squared distance) `dim` is too long for an exact i32.
    pub fn top_k(
        &self,
        ctx: &Context,
        queries: MatRef<'_, T>,
        metric: Metric,
        k: usize,
    ) -> Result<Lists<T::Score>> {
        let d = queries.cols();
        if d != self.dim {
            return Err(Error::shape(format!(
                "queries have {d} columns but the database's vectors have {}",
                self.dim
            )));
        }
        check_queries(&queries)?;
        super::check_int_len("queries", d, T::max_dim(metric), "a score")?;
        if ctx.isa() != self.isa {
            return Err(Error::LayoutMismatch {
                arg: "self",
                msg: format!(
                    "the database was packed for {} but the context runs {}; pack it again with this context",
                    self.isa,
                    ctx.isa()
                ),
            });
        }
        let (nq, rows) = (queries.rows(), self.rows);
        if rows == 0 || k == 0 {
            return Ok(vec![Vec::new(); nq]);
        }
        if d == 0 {
            return Ok(vec![super::scan::empty_rows_top_k(rows, k); nq]);
        }
        if nq == 0 {
            return Ok(Vec::new());
        }
        let src = Source::Packed {
            chunks: &self.chunks,
            norms: &self.norms,
        };
        run_chunks(ctx, queries, rows, metric, k, &src)
    }
}
