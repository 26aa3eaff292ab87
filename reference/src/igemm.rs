//! Oracle for the INT8 GEMM: every sign combination, zero points per tensor
//! or per output column, every output pipeline, and a scalar model of the
//! `vpmaddubsw` saturation.
//!
//! Definitions (the fast paths must match them bit for bit):
//!
//! * raw: `v[i][j] = Σ_k (a[i][k] − za)·(b[k][j] − zb[j])`, computed in i64;
//!   the call's K bound guarantees it fits i32.
//! * saturating model (`vpmaddubsw` chain): activations are moved to u8
//!   (`a' = a + 128` for s8), weights to s8 (`b' = b − 128` for u8), zero
//!   points with them (`za' = za + 128`, `zb' = zb − 128`). Products are
//!   taken in pairs `(k, k+1)` for even `k` (a missing `k+1` is 0) and each
//!   pair sum is clamped to `[-32768, 32767]`; then
//!   `v = Σ sat_pairs − zb'·Σ_k a' − za'·Σ_k b' + K·za'·zb'`.
//! * pipelines: see [`dequantize_one`] and [`requantize_one`].

use lowp::igemm::{Activation, Requantize, Saturation, Scale, WeightZeroPoint};
use lowp::MatRef;

pub use crate::conv::Int8;

/// The zero point of column `j`.
pub fn zero_point_of(zp: &WeightZeroPoint<'_>, j: usize) -> i32 {
    match zp {
        WeightZeroPoint::PerTensor(z) => *z,
        WeightZeroPoint::PerColumn(z) => z[j],
    }
}

/// One saturating pair: `vpmaddubsw` on two u8 × s8 products.
pub fn maddubs_pair(a0: u8, b0: i8, a1: u8, b1: i8) -> i32 {
    (a0 as i32 * b0 as i32 + a1 as i32 * b1 as i32).clamp(i16::MIN as i32, i16::MAX as i32)
}

/// `M × N` raw s32 results (row-major) of `a` (`M × K`) times `b` (`K × N`)
/// with activation zero point `za` and weight zero points `zb`.
/// `Saturation::Exact` is the mathematical result; `Saturation::Allow` the
/// saturating `vpmaddubsw` model (see the module docs).
///
/// Panics if a result does not fit i32 (the callers' K bound prevents it).
pub fn igemm_s32<A: Int8, B: Int8>(
    a: MatRef<'_, A>,
    za: i32,
    b: MatRef<'_, B>,
    zb: &WeightZeroPoint<'_>,
    saturation: Saturation,
) -> Vec<i32> {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    assert_eq!(b.rows(), k, "oracle: a is {m}x{k}, b is {}x{n}", b.rows());
    let mut out = vec![0i32; m * n];
    for i in 0..m {
        for j in 0..n {
            let zbj = zero_point_of(zb, j) as i64;
            let v: i64 = match saturation {
                Saturation::Exact => (0..k)
                    .map(|kk| (at(&a, i, kk) as i64 - za as i64) * (at(&b, kk, j) as i64 - zbj))
                    .sum(),
                Saturation::Allow => {
                    // s8 activations move to u8 (+128), u8 weights to s8 (−128).
                    let a_shift = if A::IS_SIGNED { 128 } else { 0 };
                    let b_shift = if B::IS_SIGNED { 0 } else { 128 };
                    let ap = |kk: usize| match kk < k {
                        true => u8::try_from(at(&a, i, kk) + a_shift).expect("oracle: shifted a is u8"),
                        false => 0,
                    };
                    let bp = |kk: usize| match kk < k {
                        true => i8::try_from(at(&b, kk, j) - b_shift).expect("oracle: shifted b is s8"),
                        false => 0,
                    };
                    let pairs: i64 = (0..k.div_ceil(2))
                        .map(|p| maddubs_pair(ap(2 * p), bp(2 * p), ap(2 * p + 1), bp(2 * p + 1)) as i64)
                        .sum();
                    let za_p = za as i64 + a_shift as i64;
                    let zb_p = zbj - b_shift as i64;
                    let rowsum: i64 = (0..k).map(|kk| ap(kk) as i64).sum();
                    let colsum: i64 = (0..k).map(|kk| bp(kk) as i64).sum();
                    pairs - zb_p * rowsum - za_p * colsum + k as i64 * za_p * zb_p
                }
            };
            out[i * n + j] = i32::try_from(v).expect("oracle: result exceeds i32 (K bound violated)");
        }
    }
    out
}

/// `x[i][j]` widened; the callers stay inside the shapes they checked.
fn at<T: Int8>(x: &MatRef<'_, T>, i: usize, j: usize) -> i32 {
    x.get(i, j).expect("oracle: (i, j) is inside the matrix").widen()
}

/// The scale of column `j`.
pub fn scale_of(scale: &Scale<'_>, j: usize) -> f32 {
    match scale {
        Scale::PerTensor(s) => *s,
        Scale::PerColumn(s) => s[j],
    }
}

/// Dequantized value of raw result `v` in column `j`:
/// `y = (v as f32) · scale_j`, then `y + bias_j`, then the activation
/// (ReLU: `max(y, 0)`; clamp: `min(max(y, lo), hi)`), each an f32 operation.
pub fn dequantize_one(v: i32, j: usize, scale: &Scale<'_>, bias: Option<&[f32]>, act: Activation) -> f32 {
    let mut y = v as f32 * scale_of(scale, j);
    if let Some(b) = bias {
        y += b[j];
    }
    match act {
        Activation::Identity => y,
        Activation::Relu => y.max(0.0),
        Activation::Clamp { min, max } => y.max(min).min(max),
    }
}

/// Requantized value of raw result `v` in column `j`, for an output type
/// with range `[qmin, qmax]`: `t = v + bias_j` (i64), `y = round_half_even((t
/// as f32)·scale_j)`, `q = y + zero_point`, clamped to `[lo, hi]` where
/// `lo = max(qmin, clamp.0, zero_point if relu)`, `hi = min(qmax, clamp.1)`.
pub fn requantize_one(v: i32, j: usize, p: &Requantize<'_>, qmin: i32, qmax: i32) -> i32 {
    let t = v as i64 + p.bias.map_or(0, |b| b[j] as i64);
    // The fast path adds the bias with a wrapping i32 add; the K bound keeps
    // the test data far from wrapping, and we model that add exactly.
    let t = t as i32;
    let y = (t as f32 * scale_of(&p.scale, j)).round_ties_even();
    let (lo, hi) = bounds(p, qmin, qmax);
    // `y as i64` saturates for huge scaled values (and ±inf); the add must
    // saturate too (found by fuzz/igemm: scale 1e20 overflowed here).
    let q = (y as i64).saturating_add(p.zero_point as i64);
    q.clamp(lo as i64, hi as i64) as i32
}

/// `[lo, hi]` of a requantize pipeline for an output range `[qmin, qmax]`.
pub fn bounds(p: &Requantize<'_>, qmin: i32, qmax: i32) -> (i32, i32) {
    let mut lo = qmin;
    let mut hi = qmax;
    if p.relu {
        lo = lo.max(p.zero_point);
    }
    if let Some((cl, ch)) = p.clamp {
        lo = lo.max(cl);
        hi = hi.min(ch);
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mat<T>(d: &[T], r: usize, c: usize) -> MatRef<'_, T> {
        MatRef::row_major(d, r, c).unwrap()
    }

    #[test]
    fn exact_by_hand_all_signs() {
        // a = [[1, 2, 3]], b = [[4], [5], [6]]: 4 + 10 + 18 = 32.
        let a = [1u8, 2, 3];
        let b = [4i8, 5, 6];
        let z = WeightZeroPoint::PerTensor(0);
        assert_eq!(
            igemm_s32(mat(&a, 1, 3), 0, mat(&b, 3, 1), &z, Saturation::Exact),
            vec![32]
        );
        // Zero points: (1-1)(4-2) + (2-1)(5-2) + (3-1)(6-2) = 0 + 3 + 8 = 11.
        let z2 = WeightZeroPoint::PerTensor(2);
        assert_eq!(
            igemm_s32(mat(&a, 1, 3), 1, mat(&b, 3, 1), &z2, Saturation::Exact),
            vec![11]
        );
        // s8 × s8: (-1)(-2) + (127)(-128) = 2 - 16256.
        let a = [-1i8, 127];
        let b = [-2i8, -128];
        assert_eq!(
            igemm_s32(mat(&a, 1, 2), 0, mat(&b, 2, 1), &z, Saturation::Exact),
            vec![-16254]
        );
        // u8 × u8: 255·255·2.
        let a = [255u8, 255];
        let b = [255u8, 255];
        assert_eq!(
            igemm_s32(mat(&a, 1, 2), 0, mat(&b, 2, 1), &z, Saturation::Exact),
            vec![130050]
        );
        // s8 × u8 with per-column zero points: columns zb = 10, 0.
        let a = [-3i8, 4];
        let b = [10u8, 7, 12, 9];
        let zc = [10, 0];
        let r = igemm_s32(
            mat(&a, 1, 2),
            -1,
            mat(&b, 2, 2),
            &WeightZeroPoint::PerColumn(&zc),
            Saturation::Exact,
        );
        // col0: (-3+1)(10-10) + (4+1)(12-10) = 10; col1: (-2)(7) + 5·9 = 31.
        assert_eq!(r, vec![10, 31]);
    }

    #[test]
    fn saturation_model_by_hand() {
        assert_eq!(maddubs_pair(255, 127, 255, 127), 32767); // 64770 saturates
        assert_eq!(maddubs_pair(255, -128, 255, -128), -32768); // -65280 saturates
        assert_eq!(maddubs_pair(255, 127, 255, -128), -255);
        assert_eq!(maddubs_pair(128, 127, 1, 127), 16383);
        // u8 × s8, K = 4, all 255 × all 127: two saturated pairs = 65534,
        // while the exact sum is 129540.
        let a = [255u8; 4];
        let b = [127i8; 4];
        let z = WeightZeroPoint::PerTensor(0);
        assert_eq!(
            igemm_s32(mat(&a, 1, 4), 0, mat(&b, 4, 1), &z, Saturation::Allow),
            vec![65534]
        );
        assert_eq!(
            igemm_s32(mat(&a, 1, 4), 0, mat(&b, 4, 1), &z, Saturation::Exact),
            vec![129540]
        );
        // K = 3: pairs (0,1) saturates, (2, pad) = 255·127 = 32385.
        assert_eq!(
            igemm_s32(mat(&a[..3], 1, 3), 0, mat(&b[..3], 3, 1), &z, Saturation::Allow),
            vec![32767 + 32385]
        );
        // s8 activations move to u8 (+128): a = 127 → 255; the compensation
        // za' = 128 takes 128·Σb back out: 2·32767 − 128·508 = 534.
        let a = [127i8; 4];
        assert_eq!(
            igemm_s32(mat(&a, 1, 4), 0, mat(&b, 4, 1), &z, Saturation::Allow),
            vec![65534 - 128 * 508]
        );
        // Small values never saturate: the model equals the exact result.
        let a = [3u8, 200, 17, 90, 4];
        let b = [5i8, -7, 100, -128, 1];
        assert_eq!(
            igemm_s32(
                mat(&a, 1, 5),
                3,
                mat(&b, 5, 1),
                &WeightZeroPoint::PerTensor(-4),
                Saturation::Allow
            ),
            igemm_s32(
                mat(&a, 1, 5),
                3,
                mat(&b, 5, 1),
                &WeightZeroPoint::PerTensor(-4),
                Saturation::Exact
            )
        );
    }

    #[test]
    fn pipelines_by_hand() {
        let s = Scale::PerTensor(0.5);
        assert_eq!(dequantize_one(-7, 0, &s, None, Activation::Identity), -3.5);
        assert_eq!(dequantize_one(-7, 0, &s, Some(&[1.0]), Activation::Relu), 0.0);
        assert_eq!(
            dequantize_one(40, 0, &s, Some(&[1.0]), Activation::Clamp { min: -1.0, max: 6.0 }),
            6.0
        );
        let cols = [1.0f32, 0.25];
        assert_eq!(
            dequantize_one(8, 1, &Scale::PerColumn(&cols), None, Activation::Identity),
            2.0
        );
        // Round half to even: 5·0.5 = 2.5 → 2, 7·0.5 = 3.5 → 4, -5·0.5 → -2.
        let p = Requantize::new(Scale::PerTensor(0.5), 0);
        assert_eq!(requantize_one(5, 0, &p, 0, 255), 2);
        assert_eq!(requantize_one(7, 0, &p, 0, 255), 4);
        assert_eq!(requantize_one(-5, 0, &p, -128, 127), -2);
        // Zero point and saturation.
        let p = Requantize::new(Scale::PerTensor(1.0), 100);
        assert_eq!(requantize_one(200, 0, &p, 0, 255), 255);
        assert_eq!(requantize_one(-300, 0, &p, 0, 255), 0);
        assert_eq!(requantize_one(-30, 0, &p, 0, 255), 70);
        // ReLU in the quantized domain clamps at the zero point; bias is s32.
        let bias = [10i32];
        let p = Requantize {
            bias: Some(&bias),
            relu: true,
            ..Requantize::new(Scale::PerTensor(1.0), 100)
        };
        assert_eq!(requantize_one(-30, 0, &p, 0, 255), 100);
        assert_eq!(requantize_one(-5, 0, &p, 0, 255), 105);
        let p = Requantize {
            clamp: Some((-10, 10)),
            ..Requantize::new(Scale::PerTensor(1.0), 0)
        };
        assert_eq!(requantize_one(50, 0, &p, -128, 127), 10);
    }
}
