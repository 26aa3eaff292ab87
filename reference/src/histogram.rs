//! Oracle of the calibration histogram (`lowp::quant::HistogramObserver`):
//! 2048 bins of `|x|` over `[0, 2^e)`, `e ≥ −114` the smallest exponent
//! with every finite `|x|` below `2^e`; bin `⌊|x|·2^(11−e)⌋` computed in
//! f64 (exact: a power-of-two scaling of an f32), infinities in the last
//! bin, NaN ignored.

/// Bins of the histogram.
pub const BINS: usize = 2048;

/// `(e, bins)`: `e` is `None` when `x` holds no finite value and no
/// infinity (then every bin is 0); only infinities give `e = −114`.
pub fn magnitude_histogram(x: &[f32]) -> (Option<i32>, Vec<u64>) {
    let mut bins = vec![0u64; BINS];
    let finite_max = x
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| (v.abs()) as f64)
        .fold(None, |m: Option<f64>, a| Some(m.map_or(a, |m| m.max(a))));
    let any_inf = x.iter().any(|v| v.is_infinite());
    let amax = match (finite_max, any_inf) {
        (Some(a), _) => a,
        (None, true) => 0.0,
        (None, false) => return (None, bins),
    };
    let mut e = -114i32;
    while amax >= 2f64.powi(e) {
        e += 1;
    }
    let f = 2f64.powi(11 - e);
    for &v in x {
        if v.is_nan() {
            continue;
        }
        let i = if v.is_infinite() {
            BINS - 1
        } else {
            ((v.abs() as f64 * f).floor() as usize).min(BINS - 1)
        };
        bins[i] += 1;
    }
    (Some(e), bins)
}
