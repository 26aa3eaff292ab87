//! The histogram observer against the oracle (`lowp_reference::histogram`):
//! the fused index pass, its careful path for NaN and infinities, range
//! growth inside one call and between calls, block and chunk edges, and
//! `observe_on` on 1 to 4 threads (identical to one `observe`), and every
//! available level (the fused AVX-512 index-and-count pass, the others)
//! on values at and next to the bin edges.

mod common;

use common::{contexts, SplitMix};
use lowp::quant::{HistogramObserver, Observer};
use lowp::Context;
use lowp_reference::histogram::magnitude_histogram;

/// Lengths around the 16-lane vectors, the 2 Ki-value blocks and
/// 16 Ki values.
const LENS: [usize; 13] = [
    1, 15, 16, 17, 1000, 2047, 2048, 2049, 4097, 16_383, 16_384, 16_385, 70_001,
];

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

/// Values at every bin edge `k·2^(e−11)` of the range `[0, 2^e)`, one ulp
/// below and above, both signs, shuffled, with the range's top (`2^e` one
/// ulp down) first; `specials` adds NaN, ±Inf and a value that doubles the
/// range halfway through.
fn edge_values(e: i32, n: usize, seed: u64, specials: bool) -> Vec<f32> {
    let w = 2f32.powi(e - 11);
    let mut r = SplitMix(seed);
    let mut x: Vec<f32> = (0..n)
        .map(|_| {
            let k = r.below(2048) as f32;
            let edge = k * w;
            let v = match r.next() % 3 {
                0 => edge,
                1 => f32::from_bits(edge.to_bits().saturating_sub(1)),
                _ => f32::from_bits(edge.to_bits() + 1),
            };
            if r.next().is_multiple_of(2) {
                v
            } else {
                -v
            }
        })
        .collect();
    x[0] = f32::from_bits(2f32.powi(e).to_bits() - 1);
    if specials {
        for (i, v) in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 2f32.powi(e)]
            .into_iter()
            .enumerate()
        {
            let at = n / 2 + 7919 * i;
            if at < n {
                x[at] = v;
            }
        }
    }
    x
}

#[test]
fn histogram_bin_edges_match_the_oracle_on_every_level() {
    for ctx in contexts(1) {
        for (s, &e) in [-100i32, -3, 0, 3, 20, 127].iter().enumerate() {
            for (t, &n) in [1usize, 17, 16_385, 70_001].iter().enumerate() {
                for specials in [false, true] {
                    let x = edge_values(e, n, (s * 10 + t) as u64, specials);
                    let mut h = HistogramObserver::default();
                    h.observe_on(&ctx, &x);
                    check(
                        &h,
                        &x,
                        &format!("{:?}, e {e}, n {n}, specials {specials}", ctx.isa()),
                    );
                }
            }
        }
    }
}
