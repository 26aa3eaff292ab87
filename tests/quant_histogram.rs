//! The histogram observer against the oracle (`lowp_reference::histogram`):
//! the fused index pass, its careful path for NaN and infinities, range
//! growth inside one call and between calls, block and chunk edges, and
//! `observe_on` on 1 to 4 threads (identical to one `observe`).

mod common;

use common::SplitMix;
use lowp::quant::{HistogramObserver, Observer};
use lowp::Context;
use lowp_reference::histogram::magnitude_histogram;

/// Lengths around the 16-lane vectors and the 16 Ki-value blocks.
const LENS: [usize; 9] = [1, 15, 16, 17, 1000, 16_383, 16_384, 16_385, 70_001];

/// Data of one kind: `kind` 0 uniform ±3, 1 ReLU-like (half zeros), 2 tiny
/// (subnormals among them), 3 huge (up to f32::MAX), 4 awkward (NaN, ±Inf,
/// ±0 sprinkled in), 5 growing (magnitudes rising along the slice, so the
/// range grows block after block).
fn data(kind: u64, n: usize, seed: u64) -> Vec<f32> {
    let mut r = SplitMix(seed);
    (0..n)
        .map(|i| {
            let u = r.f32();
            match kind {
                0 => 3.0 * u,
                1 => (3.0 * u).max(0.0),
                2 => {
                    u * 1e-38
                        + if r.next().is_multiple_of(8) {
                            f32::from_bits(r.next() as u32 % 64)
                        } else {
                            0.0
                        }
                }
                3 => u * f32::MAX,
                4 => match r.next() % 32 {
                    0 => f32::NAN,
                    1 => f32::INFINITY,
                    2 => f32::NEG_INFINITY,
                    3 => -0.0,
                    _ => 100.0 * u,
                },
                _ => u * (1.0 + i as f32).powf(1.5),
            }
        })
        .collect()
}

fn check(h: &HistogramObserver, x: &[f32], what: &str) {
    let (e, bins) = magnitude_histogram(x);
    assert_eq!(h.bins(), &bins[..], "{what}: bins");
    let width = e.map_or(0.0, |e| 2f32.powi(e - 11));
    assert_eq!(h.bin_width(), width, "{what}: bin width");
}

#[test]
fn histogram_matches_the_oracle() {
    for kind in 0..6 {
        for (s, &n) in LENS.iter().enumerate() {
            let x = data(kind, n, 17 * kind + s as u64);
            let mut one = HistogramObserver::default();
            one.observe(&x);
            check(&one, &x, &format!("kind {kind}, n {n}, one call"));
            // The same values in uneven batches.
            let mut batched = HistogramObserver::default();
            let mut rest = &x[..];
            let mut r = SplitMix(n as u64);
            while !rest.is_empty() {
                let k = (r.next() as usize % 20_000 + 1).min(rest.len());
                batched.observe(&rest[..k]);
                rest = &rest[k..];
            }
            assert_eq!(batched, one, "kind {kind}, n {n}: batches");
        }
    }
}

#[test]
fn histogram_special_blocks() {
    // All NaN; only infinities; NaN and infinities alone in one block of
    // an otherwise finite slice; a zero-only slice.
    let mut x = vec![f32::NAN; 40_000];
    let mut h = HistogramObserver::default();
    h.observe(&x);
    check(&h, &x, "all NaN");
    x[5] = f32::INFINITY;
    x[39_999] = f32::NEG_INFINITY;
    let mut h = HistogramObserver::default();
    h.observe(&x);
    check(&h, &x, "NaN and infinities");
    let mut y = data(0, 50_000, 3);
    y[20_000] = f32::NAN;
    y[20_001] = f32::INFINITY;
    let mut h = HistogramObserver::default();
    h.observe(&y);
    check(&h, &y, "one careful block");
    let z = vec![0.0f32; 20_000];
    let mut h = HistogramObserver::default();
    h.observe(&z);
    check(&h, &z, "zeros");
}

#[test]
fn histogram_observe_on_is_thread_invariant() {
    for kind in [0, 1, 4, 5] {
        let x = data(kind, 300_001, 99 + kind);
        let mut one = HistogramObserver::default();
        one.observe(&x);
        check(&one, &x, &format!("kind {kind}"));
        for threads in 1..=4 {
            let ctx = Context::builder().threads(threads).ignore_env().build().unwrap();
            let mut h = HistogramObserver::default();
            h.observe_on(&ctx, &x);
            assert_eq!(h, one, "kind {kind}, {threads} threads");
            // Onto an observer that already holds values.
            let mut g = HistogramObserver::default();
            g.observe(&x[..1000]);
            g.observe_on(&ctx, &x[1000..]);
            assert_eq!(g, one, "kind {kind}, {threads} threads, second call");
        }
    }
}
