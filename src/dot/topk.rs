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
        for (j, &s) in scores.iter().enumerate() {
            if self.heap.len() == self.k {
                let w = self.heap[0].score;
                // NaN never passes `better`; a number does beat a kept NaN.
                if !(better(s, w) || (w.is_nan() && !s.is_nan())) {
                    continue;
                }
            }
            self.push(first + j, s);
        }
    }

    pub(crate) fn into_vec(self) -> Vec<Neighbor<S>> {
        self.heap
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
}
