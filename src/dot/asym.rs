//! Scans of a u8 query against an s8 database (asymmetric quantization: the
//! query keeps a zero point, the database is symmetric), on the s8 kernels:
//! `Σ (q_j − z)·x_j = Σ (q_j − 128)·x_j + (128 − z)·Σ x_j`, where
//! `q_j − 128` fits s8. With `z = 128` that is one s8 scan; otherwise the
//! row sums `Σ x_j` come from a second scan with an all-ones query.

use super::scan::{scan_scores, scan_top_k, Metric};
use super::topk::{merge, Neighbor, TopK};
use super::MAX_LEN_U8S8;
use crate::error::{Error, Result};
use crate::{Context, MatRef};

fn shifted(query: &[u8], zero_point: i32) -> Result<Vec<i8>> {
    if !(0..=255).contains(&zero_point) {
        return Err(Error::param(
            "zero_point",
            format!("zero point {zero_point} is outside [0, 255]"),
        ));
    }
    super::check_int_len("query", query.len(), MAX_LEN_U8S8, "a u8·s8 inner product")?;
    Ok(query.iter().map(|&q| (q as i32 - 128) as i8).collect())
}

/// Inner products `Σ_j (query_j − zero_point)·db[r][j]` of a u8 query (zero
/// point in 0..=255) with every row of an s8 database, into `out[r]`.
/// Exact. `Err` as [`scan_scores`], or for a zero point outside 0..=255 or a
/// query longer than [`MAX_LEN_U8S8`].
///
/// ```
/// use lowp::{dot::scan_scores_u8s8, Context, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// let db = [1i8, -2, 3, 4];
/// let mut out = [0i32; 2];
/// scan_scores_u8s8(&ctx, &[200, 10], 0, MatRef::row_major(&db, 2, 2)?, &mut out)?;
/// assert_eq!(out, [200 - 20, 600 + 40]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn scan_scores_u8s8(
    ctx: &Context,
    query: &[u8],
    zero_point: i32,
    db: MatRef<'_, i8>,
    out: &mut [i32],
) -> Result<()> {
    let q = shifted(query, zero_point)?;
    scan_scores(ctx, &q, db, Metric::InnerProduct, out)?;
    let fix = 128 - zero_point;
    if fix != 0 && db.rows() > 0 {
        let ones = vec![1i8; q.len()];
        let mut sums = vec![0i32; db.rows()];
        scan_scores(ctx, &ones, db, Metric::InnerProduct, &mut sums)?;
        // Wrapping: the true score fits i32 (length checked), so the
        // wrapped sum of the parts is exact.
        for (o, s) in out.iter_mut().zip(&sums) {
            *o = o.wrapping_add(fix.wrapping_mul(*s));
        }
    }
    Ok(())
}

/// The `k` rows of an s8 database with the largest
/// `Σ_j (query_j − zero_point)·db[r][j]`, best first, ties to the lower
/// index (as [`scan_top_k`]). `Err` as [`scan_scores_u8s8`].
pub fn scan_top_k_u8s8(
    ctx: &Context,
    query: &[u8],
    zero_point: i32,
    db: MatRef<'_, i8>,
    k: usize,
) -> Result<Vec<Neighbor<i32>>> {
    let q = shifted(query, zero_point)?;
    if zero_point == 128 {
        return scan_top_k(ctx, &q, db, Metric::InnerProduct, k);
    }
    let mut scores = vec![0i32; db.rows()];
    scan_scores_u8s8(ctx, query, zero_point, db, &mut scores)?;
    let mut heap = TopK::new(k, Metric::InnerProduct);
    for (i, s) in scores.iter().enumerate() {
        heap.push(i, *s);
    }
    Ok(merge(vec![heap.into_vec()], k, Metric::InnerProduct))
}
