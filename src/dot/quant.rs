//! An INT8 index from f32 embeddings: symmetric s8 quantization with the
//! scales kept, and an approximate inner-product search over it.
//!
//! - Per vector: row `i` gets `s_i = max_j |x_ij| / 127` and codes
//!   `round(x_ij / s_i)`; a query `q` gets its own `s_q` the same way, and
//!   row `i` scores `s_i·s_q·Σ_j x̂_ij·q̂_j` (the exact i32 dot, rescaled).
//! - Per dimension: column `j` gets `s_j = max_i |x_ij| / 127`. Since
//!   `Σ_j x_ij q_j ≈ Σ_j x̂_ij (s_j q_j)`, the scales fold into the query,
//!   which is then quantized per vector: the scan ranks by the raw i32 dot.
//!
//! Codes stay in −127..=127 (never −128), rounding half away from zero.

use super::scan::{scan_scores, scan_top_k, Metric};
use super::topk::{merge, Neighbor, TopK};
use super::MAX_LEN_S8;
use crate::error::{Error, Result};
use crate::{Context, MatRef};

/// How scales are shared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuantScheme {
    /// One scale per database vector (row).
    PerVector,
    /// One scale per dimension (column).
    PerDimension,
}

/// A database quantized to s8, with its scales. See the module docs.
///
/// ```
/// use lowp::{dot::{QuantScheme, QuantizedS8}, Context, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// let db = [1.0f32, 0.0, 0.0, 2.0, 0.5, 0.5];
/// let ix = QuantizedS8::quantize(MatRef::row_major(&db, 3, 2)?, QuantScheme::PerVector)?;
/// assert_eq!(ix.data(), &[127, 0, 0, 127, 127, 127]);
/// let top = ix.search(&ctx, &[0.0, 1.0], 1)?;
/// assert_eq!(top[0].index, 1);
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct QuantizedS8 {
    data: Vec<i8>,
    rows: usize,
    dim: usize,
    scales: Vec<f32>,
    scheme: QuantScheme,
}

fn code(x: f32, inv: f32) -> i8 {
    (x * inv).round().clamp(-127.0, 127.0) as i8
}

fn scale_of(max_abs: f32) -> (f32, f32) {
    if max_abs > 0.0 {
        let s = max_abs / 127.0;
        (s, 1.0 / s)
    } else {
        (0.0, 0.0)
    }
}

fn check_finite(arg: &'static str, x: f32, at: impl FnOnce() -> String) -> Result<()> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(Error::param(
            arg,
            format!("{} is {x}; only finite values can be quantized", at()),
        ))
    }
}

impl QuantizedS8 {
    /// Quantizes `db` (one vector per row, any strides). `Err` for a
    /// non-finite value or more than [`MAX_LEN_S8`] columns.
    pub fn quantize(db: MatRef<'_, f32>, scheme: QuantScheme) -> Result<QuantizedS8> {
        let (rows, dim) = (db.rows(), db.cols());
        super::check_int_len("db", dim, MAX_LEN_S8, "an s8 inner product")?;
        // Per-row scales are allocated before any element is read: a
        // zero-size view may claim any number of rows.
        if rows > isize::MAX as usize / 16 {
            return Err(Error::overflow(
                "db",
                format!("{rows} rows of per-vector scales exceed the address space"),
            ));
        }
        let len = rows
            .checked_mul(dim)
            .ok_or_else(|| Error::overflow("db", format!("{rows}x{dim} elements overflow usize")))?;
        for i in 0..rows {
            for j in 0..dim {
                check_finite("db", *db.at(i, j), || format!("db[{i}][{j}]"))?;
            }
        }
        let mut data = vec![0i8; len];
        let scales = match scheme {
            QuantScheme::PerVector => (0..rows)
                .map(|i| {
                    let m = (0..dim).fold(0.0f32, |m, j| m.max(db.at(i, j).abs()));
                    let (s, inv) = scale_of(m);
                    for j in 0..dim {
                        data[i * dim + j] = code(*db.at(i, j), inv);
                    }
                    s
                })
                .collect(),
            QuantScheme::PerDimension => (0..dim)
                .map(|j| {
                    let m = (0..rows).fold(0.0f32, |m, i| m.max(db.at(i, j).abs()));
                    let (s, inv) = scale_of(m);
                    for i in 0..rows {
                        data[i * dim + j] = code(*db.at(i, j), inv);
                    }
                    s
                })
                .collect(),
        };
        Ok(QuantizedS8 {
            data,
            rows,
            dim,
            scales,
            scheme,
        })
    }

    /// Number of vectors.
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Dimension of each vector.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// The scheme.
    pub fn scheme(&self) -> QuantScheme {
        self.scheme
    }
    /// The scales: one per row ([`QuantScheme::PerVector`]) or per column.
    pub fn scales(&self) -> &[f32] {
        &self.scales
    }
    /// The codes, row-major `rows × dim`.
    pub fn data(&self) -> &[i8] {
        &self.data
    }
    /// The codes as a row-major view (for [`super::scan_scores`] and
    /// friends). Under [`QuantScheme::PerVector`] the codes alone cannot be
    /// ranked: row `i`'s inner product is `scales()[i]·(i32 dot)`, and the
    /// scales differ per row, so a scan or top-K on the view ranks by the
    /// wrong score (recall@10 about 0.13 on random data). Use
    /// [`QuantizedS8::search`] / [`QuantizedS8::search_many`], which apply
    /// them. (Under [`QuantScheme::PerDimension`] the scales fold into the
    /// query, see [`QuantizedS8::quantize_query`].)
    pub fn view(&self) -> MatRef<'_, i8> {
        MatRef::row_major(&self.data, self.rows, self.dim).expect("codes hold rows x dim elements")
    }

    /// Quantizes a query for this index: `(codes, scale)` such that the
    /// index's approximate inner product with row `i` is `scale · (i32 dot)`
    /// (times `scales()[i]` under [`QuantScheme::PerVector`]). `Err` for a
    /// wrong length or a non-finite value.
    pub fn quantize_query(&self, query: &[f32]) -> Result<(Vec<i8>, f32)> {
        if query.len() != self.dim {
            return Err(Error::shape(format!(
                "query has {} elements but the index has dimension {}",
                query.len(),
                self.dim
            )));
        }
        for (j, x) in query.iter().enumerate() {
            check_finite("query", *x, || format!("query[{j}]"))?;
        }
        let folded: Vec<f32> = match self.scheme {
            QuantScheme::PerVector => query.to_vec(),
            QuantScheme::PerDimension => query.iter().zip(&self.scales).map(|(q, s)| q * s).collect(),
        };
        let m = folded.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        let (s, inv) = scale_of(m);
        Ok((folded.iter().map(|x| code(*x, inv)).collect(), s))
    }

    /// The `k` rows with the largest approximate inner product with `query`,
    /// best first (ties to the lower index), scored in f32 as described in
    /// the module docs. Threaded over the context's workers.
    pub fn search(&self, ctx: &Context, query: &[f32], k: usize) -> Result<Vec<Neighbor<f32>>> {
        let (q, sq) = self.quantize_query(query)?;
        match self.scheme {
            QuantScheme::PerDimension => Ok(scan_top_k(ctx, &q, self.view(), Metric::InnerProduct, k)?
                .into_iter()
                .map(|n| Neighbor {
                    index: n.index,
                    score: n.score as f32 * sq,
                })
                .collect()),
            QuantScheme::PerVector => {
                let mut raw = vec![0i32; self.rows];
                scan_scores(ctx, &q, self.view(), Metric::InnerProduct, &mut raw)?;
                let mut heap = TopK::new(k, Metric::InnerProduct);
                for (i, (r, s)) in raw.iter().zip(&self.scales).enumerate() {
                    heap.push(i, *r as f32 * (s * sq));
                }
                Ok(merge(vec![heap.into_vec()], k, Metric::InnerProduct))
            }
        }
    }
}

/// Database rows per packed chunk of [`QuantizedS8::search_many`]: the
/// chunk's codes (`rows × dim` bytes) stay cache-resident for every query.
const MANY_CHUNK_ROWS: usize = 2048;

impl QuantizedS8 {
    /// [`QuantizedS8::search`] for every row of `queries` (`nq × dim`, any
    /// strides), as one INT8 GEMM per chunk of the database: the same
    /// neighbours and scores as `search` on each query, with the per-vector
    /// scales applied. `Err` for a wrong width or a non-finite value.
    ///
    /// ```
    /// use lowp::{dot::{QuantScheme, QuantizedS8}, Context, MatRef};
    /// let ctx = Context::builder().threads(1).build()?;
    /// let db = [1.0f32, 0.0, 0.0, 2.0, 0.5, 0.5];
    /// let ix = QuantizedS8::quantize(MatRef::row_major(&db, 3, 2)?, QuantScheme::PerVector)?;
    /// let qs = [0.0f32, 1.0, 1.0, 0.0];
    /// let top = ix.search_many(&ctx, MatRef::row_major(&qs, 2, 2)?, 1)?;
    /// assert_eq!((top[0][0].index, top[1][0].index), (1, 0));
    /// # Ok::<(), lowp::Error>(())
    /// ```
    pub fn search_many(
        &self,
        ctx: &Context,
        queries: MatRef<'_, f32>,
        k: usize,
    ) -> Result<Vec<Vec<Neighbor<f32>>>> {
        use crate::igemm::{igemm, Output, PackOptions, PackedI8Weights, WeightZeroPoint};
        if queries.cols() != self.dim {
            return Err(Error::shape(format!(
                "queries have {} columns but the index has dimension {}",
                queries.cols(),
                self.dim
            )));
        }
        let nq = queries.rows();
        let mut codes = Vec::with_capacity(nq * self.dim);
        let mut q_scales = Vec::with_capacity(nq);
        let mut row = vec![0f32; self.dim];
        for i in 0..nq {
            for (j, r) in row.iter_mut().enumerate() {
                *r = *queries.at(i, j);
            }
            let (c, s) = self.quantize_query(&row)?;
            codes.extend_from_slice(&c);
            q_scales.push(s);
        }
        let mut heaps: Vec<TopK<f32>> = (0..nq).map(|_| TopK::new(k, Metric::InnerProduct)).collect();
        if nq > 0 && k > 0 && self.rows > 0 {
            let qv = MatRef::named("queries", &codes, nq, self.dim, self.dim, 1)?;
            let mut scores = vec![0i32; nq * MANY_CHUNK_ROWS.min(self.rows)];
            for r0 in (0..self.rows).step_by(MANY_CHUNK_ROWS) {
                let n = MANY_CHUNK_ROWS.min(self.rows - r0);
                let chunk = MatRef::named(
                    "db",
                    &self.data[r0 * self.dim..(r0 + n) * self.dim],
                    n,
                    self.dim,
                    self.dim,
                    1,
                )?;
                let packed = PackedI8Weights::pack(
                    ctx,
                    chunk.t(),
                    WeightZeroPoint::PerTensor(0),
                    PackOptions::default(),
                )?;
                let c = crate::MatMut::named("scores", &mut scores[..nq * n], nq, n, n, 1)?;
                igemm(ctx, qv, 0, &packed, Output::S32 { c, accumulate: false })?;
                for (qi, heap) in heaps.iter_mut().enumerate() {
                    let sq = q_scales[qi];
                    for (j, raw) in scores[qi * n..(qi + 1) * n].iter().enumerate() {
                        // The same expressions as `search`: equal scores.
                        let score = match self.scheme {
                            QuantScheme::PerVector => *raw as f32 * (self.scales[r0 + j] * sq),
                            QuantScheme::PerDimension => *raw as f32 * sq,
                        };
                        heap.push(r0 + j, score);
                    }
                }
            }
        }
        Ok(heaps
            .into_iter()
            .map(|h| merge(vec![h.into_vec()], k, Metric::InnerProduct))
            .collect())
    }
}

/// recall@K: the fraction of `truth` (the exact top-K) that `found` also
/// returned, by row index. 1.0 when `truth` is empty.
pub fn recall_at_k<S, U>(truth: &[Neighbor<S>], found: &[Neighbor<U>]) -> f64 {
    if truth.is_empty() {
        return 1.0;
    }
    let hit = truth
        .iter()
        .filter(|t| found.iter().any(|f| f.index == t.index))
        .count();
    hit as f64 / truth.len() as f64
}
