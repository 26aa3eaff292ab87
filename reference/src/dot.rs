//! Oracles for dot products, distances, one-query scans and top-K.
//!
//! Float inputs are widened to f64 and summed in index order; integer inputs
//! are summed exactly in i64. Top-K sorts every score: best first (largest
//! inner product, or smallest distance), ties broken by the lower index, NaN
//! scores last.

use std::cmp::Ordering;

/// An element type the oracles accept: its value as f64 (exact for every
/// type here: f32, bf16, f16, i8, u8 all embed in f64).
pub trait RefElem: Copy {
    /// The exact value.
    fn to_f64(self) -> f64;
}

impl RefElem for f32 {
    fn to_f64(self) -> f64 {
        self as f64
    }
}
impl RefElem for half::bf16 {
    fn to_f64(self) -> f64 {
        self.to_f64()
    }
}
impl RefElem for half::f16 {
    fn to_f64(self) -> f64 {
        self.to_f64()
    }
}
impl RefElem for i8 {
    fn to_f64(self) -> f64 {
        self as f64
    }
}
impl RefElem for u8 {
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// `Σ a[i]·b[i]` in f64, index order (`a` and `b` must have equal lengths).
pub fn dot<A: RefElem, B: RefElem>(a: &[A], b: &[B]) -> f64 {
    assert_eq!(a.len(), b.len(), "oracle: a and b lengths differ");
    a.iter().zip(b).map(|(x, y)| x.to_f64() * y.to_f64()).sum()
}

/// `Σ |a[i]|·|b[i]|`: the scale f32 error bounds are stated against.
pub fn dot_abs<A: RefElem, B: RefElem>(a: &[A], b: &[B]) -> f64 {
    assert_eq!(a.len(), b.len(), "oracle: a and b lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x.to_f64() * y.to_f64()).abs())
        .sum()
}

/// `Σ (a[i] − b[i])²` in f64.
pub fn l2_squared<A: RefElem>(a: &[A], b: &[A]) -> f64 {
    assert_eq!(a.len(), b.len(), "oracle: a and b lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let d = x.to_f64() - y.to_f64();
            d * d
        })
        .sum()
}

/// Cosine similarity `a·b / (|a|·|b|)`; 0 when either vector is all zeros.
pub fn cosine<A: RefElem>(a: &[A], b: &[A]) -> f64 {
    let (ab, aa, bb) = (dot(a, b), dot(a, a), dot(b, b));
    if aa == 0.0 || bb == 0.0 {
        0.0
    } else {
        ab / (aa.sqrt() * bb.sqrt())
    }
}

/// Exact `Σ a[i]·b[i]` for integer elements.
pub fn dot_i64<A: Copy + Into<i64>, B: Copy + Into<i64>>(a: &[A], b: &[B]) -> i64 {
    assert_eq!(a.len(), b.len(), "oracle: a and b lengths differ");
    a.iter().zip(b).map(|(x, y)| (*x).into() * (*y).into()).sum()
}

/// Exact `Σ (a[i] − b[i])²` for integer elements.
pub fn l2_squared_i64<A: Copy + Into<i64>>(a: &[A], b: &[A]) -> i64 {
    assert_eq!(a.len(), b.len(), "oracle: a and b lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let d = (*x).into() - (*y).into();
            d * d
        })
        .sum()
}

/// What a scan ranks by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefMetric {
    /// Inner product, larger is better.
    InnerProduct,
    /// Squared Euclidean distance, smaller is better.
    L2Squared,
}

/// The score of every row of a row-major `rows × d` database (row `r` at
/// `db[r·row_stride..][..d]`) against `q`, in f64.
pub fn scan_scores<T: RefElem>(
    q: &[T],
    db: &[T],
    rows: usize,
    row_stride: usize,
    metric: RefMetric,
) -> Vec<f64> {
    let d = q.len();
    (0..rows)
        .map(|r| {
            let row = &db[r * row_stride..r * row_stride + d];
            match metric {
                RefMetric::InnerProduct => dot(q, row),
                RefMetric::L2Squared => l2_squared(q, row),
            }
        })
        .collect()
}

/// Ranks two scores: `Less` when `a` is better. NaN is worse than any number.
pub fn rank<S: PartialOrd>(a: &S, b: &S, metric: RefMetric) -> Ordering {
    #[allow(clippy::eq_op)]
    let (a_nan, b_nan) = (a != a, b != b);
    match (a_nan, b_nan) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let o = a.partial_cmp(b).unwrap_or(Ordering::Equal);
            match metric {
                RefMetric::InnerProduct => o.reverse(),
                RefMetric::L2Squared => o,
            }
        }
    }
}

/// The best `k` `(index, score)` pairs, best first; ties go to the lower index.
pub fn top_k<S: PartialOrd + Copy>(scores: &[S], k: usize, metric: RefMetric) -> Vec<(usize, S)> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    // Stable sort over indices in increasing order: equal scores keep the lower index first.
    idx.sort_by(|&i, &j| rank(&scores[i], &scores[j], metric));
    idx.into_iter().take(k).map(|i| (i, scores[i])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_pairs() {
        let a = [1.0f32, -2.0, 3.0];
        let b = [4.0f32, 5.0, -6.0];
        assert_eq!(dot(&a, &b), 4.0 - 10.0 - 18.0);
        assert_eq!(dot_abs(&a, &b), 4.0 + 10.0 + 18.0);
        assert_eq!(l2_squared(&a, &b), 9.0 + 49.0 + 81.0);
        let c = cosine(&[3.0f32, 4.0], &[4.0f32, 3.0]);
        assert!((c - 24.0 / 25.0).abs() < 1e-15);
        assert_eq!(cosine(&[0.0f32, 0.0], &[1.0f32, 2.0]), 0.0);
        assert_eq!(dot_i64(&[-128i8, 127], &[-128i8, 127]), 16384 + 16129);
        assert_eq!(dot_i64(&[255u8, 255], &[-128i8, 127]), -255 * 128 + 255 * 127);
        assert_eq!(l2_squared_i64(&[0u8, 255], &[255u8, 0]), 2 * 255 * 255);
        assert_eq!(l2_squared_i64(&[-128i8], &[127i8]), 255 * 255);
        let h = [half::bf16::from_f32(1.5), half::bf16::from_f32(-2.0)];
        assert_eq!(dot(&h, &h), 2.25 + 4.0);
        let g = [half::f16::from_f32(0.5), half::f16::from_f32(65504.0)];
        assert_eq!(dot(&g, &g), 0.25 + 65504.0 * 65504.0);
    }

    #[test]
    fn hand_computed_scan_and_top_k() {
        // Three rows of two, stride 3 (one padding element per row).
        let db = [1i8, 0, 99, 0, 1, 99, 1, 1, 99];
        let q = [2i8, 2];
        let s = scan_scores(&q, &db, 3, 3, RefMetric::InnerProduct);
        assert_eq!(s, vec![2.0, 2.0, 4.0]);
        // Tie between rows 0 and 1: the lower index wins.
        assert_eq!(top_k(&s, 2, RefMetric::InnerProduct), vec![(2, 4.0), (0, 2.0)]);
        let l = scan_scores(&q, &db, 3, 3, RefMetric::L2Squared);
        assert_eq!(l, vec![5.0, 5.0, 2.0]);
        assert_eq!(
            top_k(&l, 3, RefMetric::L2Squared),
            vec![(2, 2.0), (0, 5.0), (1, 5.0)]
        );
        // NaN ranks last in both directions; k larger than n returns everything.
        let n = [f32::NAN, 1.0, 3.0];
        assert_eq!(top_k(&n, 5, RefMetric::InnerProduct)[..2], [(2, 3.0), (1, 1.0)]);
        assert_eq!(top_k(&n, 5, RefMetric::L2Squared)[..2], [(1, 1.0), (2, 3.0)]);
        assert!(top_k(&n, 5, RefMetric::L2Squared)[2].1.is_nan());
        assert!(top_k::<i32>(&[], 3, RefMetric::L2Squared).is_empty());
    }
}
