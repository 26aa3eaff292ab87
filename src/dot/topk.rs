//! Top-K selection: a bounded binary heap whose root is the worst kept
//! neighbour, so a new score is rejected with one comparison. Order: better
//! score first (larger inner product / smaller distance), then lower index;
//! NaN scores rank after every number.

use super::scan::{Metric, Score};
use std::cmp::Ordering;

/// One result of a top-K search: the database row and its score.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Neighbor<S> {
    /// Row index in the database.
    pub index: usize,
    /// Inner product or squared distance of that row against the query.
    pub score: S,
}

/// `Less` when `a` ranks before `b`.
pub(crate) fn rank<S: Score>(a: &Neighbor<S>, b: &Neighbor<S>, metric: Metric) -> Ordering {
    let by_score = match (a.score.is_nan(), b.score.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => {
            let o = a.score.partial_cmp(&b.score).unwrap_or(Ordering::Equal);
            match metric {
                Metric::InnerProduct => o.reverse(),
                Metric::L2Squared => o,
            }
        }
    };
    by_score.then(a.index.cmp(&b.index))
}

/// The best `k` neighbours seen so far.
pub(crate) struct TopK<S> {
    k: usize,
    metric: Metric,
    /// Max-heap under `rank`: `heap[0]` is the worst kept.
    heap: Vec<Neighbor<S>>,
}

impl<S: Score> TopK<S> {
    pub(crate) fn new(k: usize, metric: Metric) -> Self {
        TopK {
            k,
            metric,
            heap: Vec::with_capacity(k.min(1 << 16)),
        }
    }

    #[inline]
    fn worse(&self, i: usize, j: usize) -> bool {
        rank(&self.heap[i], &self.heap[j], self.metric) == Ordering::Greater
    }

    /// Offers row `index` with `score`.
    #[inline]
    pub(crate) fn push(&mut self, index: usize, score: S) {
        let n = Neighbor { index, score };
        if self.heap.len() < self.k {
            self.heap.push(n);
            let mut i = self.heap.len() - 1;
            while i > 0 {
                let p = (i - 1) / 2;
                if self.worse(i, p) {
                    self.heap.swap(i, p);
                    i = p;
                } else {
                    break;
                }
            }
        } else if self.k > 0 && rank(&n, &self.heap[0], self.metric) == Ordering::Less {
            self.heap[0] = n;
            let len = self.heap.len();
            let mut i = 0;
            loop {
                let (l, r) = (2 * i + 1, 2 * i + 2);
                let mut w = i;
                if l < len && self.worse(l, w) {
                    w = l;
                }
                if r < len && self.worse(r, w) {
                    w = r;
                }
                if w == i {
                    break;
                }
                self.heap.swap(i, w);
                i = w;
            }
        }
    }

    /// Offers `scores[j]` as row `first + j`, for every `j`. Rows must come in
    /// increasing index order (each call after every earlier row): then, once
    /// the heap is full, a score that is not strictly better than the worst
    /// kept can be rejected with one comparison (on a tie the kept row has the
    /// lower index and wins).
    #[inline]
    pub(crate) fn push_all(&mut self, first: usize, scores: &[S]) {
        match self.metric {
            Metric::InnerProduct => self.push_all_by(first, scores, |s, w| s > w),
            Metric::L2Squared => self.push_all_by(first, scores, |s, w| s < w),
        }
    }

    #[inline(always)]
    fn push_all_by(&mut self, first: usize, scores: &[S], better: impl Fn(S, S) -> bool) {
        if self.k == 0 {
            return;
        }
        // Whether `s` can enter a full heap whose worst kept score is `w`:
        // NaN never passes `better`; a number does beat a kept NaN.
        let passes = |s: S, w: S| better(s, w) || (w.is_nan() && !s.is_nan());
        let mut j = 0;
        while j < scores.len() {
            if self.heap.len() == self.k {
                // Once the heap is full, most blocks hold no candidate: one
                // branch-free (vectorizable) test per block skips them.
                let w = self.heap[0].score;
                let end = (j + FILTER_BLOCK).min(scores.len());
                if !scores[j..end].iter().fold(false, |a, &s| a | passes(s, w)) {
                    j = end;
                    continue;
                }
                for (jj, &s) in scores[j..end].iter().enumerate() {
                    if passes(s, self.heap[0].score) {
                        self.push(first + j + jj, s);
                    }
                }
                j = end;
            } else {
                self.push(first + j, scores[j]);
                j += 1;
            }
        }
    }

    /// The worst kept score once the heap holds `k`, else `None`.
    #[inline]
    pub(crate) fn worst_if_full(&self) -> Option<S> {
        (self.k > 0 && self.heap.len() == self.k).then(|| self.heap[0].score)
    }

    pub(crate) fn into_vec(self) -> Vec<Neighbor<S>> {
        self.heap
    }
}

/// Scores tested per block by [`TopK::push_all`]'s filter.
const FILTER_BLOCK: usize = 32;

/// Offers a row-major block of scores to one heap per column:
/// `scores[j·g + i]` (with `g = heaps.len()`) is row `first + j` for
/// `heaps[i]`. Rows must come in increasing index order, as for
/// [`TopK::push_all`]. Once every heap is full, a row none of whose scores
/// beats its heap's worst kept score is skipped with one vectorizable test.
pub(crate) fn push_rows<S: Score>(heaps: &mut [TopK<S>], first: usize, scores: &[S], metric: Metric) {
    let g = heaps.len();
    if g == 0 || heaps[0].k == 0 {
        return;
    }
    match metric {
        Metric::InnerProduct => push_rows_by(heaps, first, scores, |s, w| s > w),
        Metric::L2Squared => push_rows_by(heaps, first, scores, |s, w| s < w),
    }
}

#[inline(always)]
fn push_rows_by<S: Score>(heaps: &mut [TopK<S>], first: usize, scores: &[S], better: impl Fn(S, S) -> bool) {
    let g = heaps.len();
    let passes = |s: S, w: S| better(s, w) || (w.is_nan() && !s.is_nan());
    // The worst kept score of every heap, once all are full.
    let mut thr: Option<Vec<S>> = None;
    for (j, row) in scores.chunks_exact(g).enumerate() {
        if thr.is_none() {
            thr = heaps.iter().map(TopK::worst_if_full).collect();
        }
        match &mut thr {
            Some(t) => {
                if !row
                    .iter()
                    .zip(t.iter())
                    .fold(false, |a, (&s, &w)| a | passes(s, w))
                {
                    continue;
                }
                for (i, &s) in row.iter().enumerate() {
                    if passes(s, t[i]) {
                        heaps[i].push(first + j, s);
                        t[i] = heaps[i].heap[0].score;
                    }
                }
            }
            None => {
                for (h, &s) in heaps.iter_mut().zip(row) {
                    h.push(first + j, s);
                }
            }
        }
    }
}

/// Merges partial top-K lists (from disjoint row ranges) into the final one,
/// best first. The order is total (score, then index), so the result does not
/// depend on how the rows were split.
pub(crate) fn merge<S: Score>(parts: Vec<Vec<Neighbor<S>>>, k: usize, metric: Metric) -> Vec<Neighbor<S>> {
    let mut all: Vec<Neighbor<S>> = parts.into_iter().flatten().collect();
    all.sort_by(|a, b| rank(a, b, metric));
    all.truncate(k);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_keeps_the_best_with_lower_index_ties() {
        let scores = [3i32, 7, 7, 1, 9, 7, 0];
        let mut t = TopK::new(3, Metric::InnerProduct);
        t.push_all(0, &scores);
        let got = merge(vec![t.into_vec()], 3, Metric::InnerProduct);
        let idx: Vec<usize> = got.iter().map(|n| n.index).collect();
        assert_eq!(idx, vec![4, 1, 2]);
        let mut t = TopK::new(4, Metric::L2Squared);
        t.push_all(10, &[5.0f32, f32::NAN, 1.0, 5.0, 2.0]);
        let got = merge(vec![t.into_vec()], 4, Metric::L2Squared);
        let idx: Vec<usize> = got.iter().map(|n| n.index).collect();
        assert_eq!(idx, vec![12, 14, 10, 13]);
        let mut t = TopK::<i32>::new(0, Metric::L2Squared);
        t.push(0, 1);
        assert!(t.into_vec().is_empty());
    }

    /// The block filters of `push_all` and `push_rows` keep exactly what
    /// one `push` per score keeps (ties, NaN, -inf, a kept NaN included).
    #[test]
    fn filtered_pushes_equal_plain_pushes() {
        let vals = [1.0f32, f32::NAN, f32::NEG_INFINITY, 3.0, 3.0, -2.0, 0.5, 7.0];
        let scores: Vec<f32> = (0..500)
            .map(|i| vals[(i * 7 + i / 13) % vals.len()] + (i % 5) as f32)
            .collect();
        for metric in [Metric::InnerProduct, Metric::L2Squared] {
            for k in [1, 3, 40] {
                let plain = |s: &[f32], first: usize| {
                    let mut t = TopK::new(k, metric);
                    for (j, &x) in s.iter().enumerate() {
                        t.push(first + j, x);
                    }
                    merge(vec![t.into_vec()], k, metric)
                };
                let mut t = TopK::new(k, metric);
                t.push_all(5, &scores);
                let got = merge(vec![t.into_vec()], k, metric);
                let want = plain(&scores, 5);
                assert_eq!(format!("{got:?}"), format!("{want:?}"));
                // Three heaps, scores row-major (row j, heap i at j·3 + i).
                let mut hs: Vec<TopK<f32>> = (0..3).map(|_| TopK::new(k, metric)).collect();
                push_rows(&mut hs, 9, &scores[..498], metric);
                for (i, h) in hs.into_iter().enumerate() {
                    let col: Vec<f32> = scores[..498].iter().skip(i).step_by(3).copied().collect();
                    let got = merge(vec![h.into_vec()], k, metric);
                    assert_eq!(format!("{got:?}"), format!("{:?}", plain(&col, 9)));
                }
            }
        }
    }
}
