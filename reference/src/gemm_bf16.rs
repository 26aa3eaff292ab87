//! Oracle for the BF16 GEMM and the f32 → bf16 conversion, transcribing
//! what `vdpbf16ps` and `vcvtneps2bf16` do (Intel SDM pseudo-code, and
//! checked against this machine's AVX512-BF16), one element at a time.
//!
//! The sum of element `(i, j)` starts at +0 and walks the pairs of K in
//! order (K padded with one zero element to a whole pair when odd); for
//! pair `q` it adds the odd product `a[i][2q+1]·b[2q+1][j]` first, then the
//! even one. Each product is exact in f32 (8-bit significands), each
//! addition is rounded to nearest even (one fused multiply-add), subnormal
//! inputs read as zero and subnormal sums become zero, keeping their sign.
//! The result is `fl(alpha·S)` when `beta == 0` (C not read), else
//! `fl(fl(alpha·S) + fl(beta·C))`; `k == 0` or `alpha == 0` gives `beta·C`
//! (zeros for `beta == 0`) without reading A or B.
//!
//! Written from that definition alone, with `half` for the widening and
//! rounding and only lowp's public API: it shares no code with the kernels.

use half::bf16;
use lowp::{Error, MatMut, MatRef, Result};

/// A subnormal as a zero of the same sign (`vdpbf16ps`'s DAZ and FTZ).
fn flush(x: f32) -> f32 {
    if x != 0.0 && x.abs() < f32::MIN_POSITIVE {
        0.0f32.copysign(x)
    } else {
        x
    }
}

/// f32 → bf16 as `vcvtneps2bf16`: subnormal inputs become a zero of their
/// sign, the rest rounds to nearest even (NaNs stay NaN, quiet).
pub fn f32_to_bf16(x: f32) -> bf16 {
    bf16::from_f32(flush(x))
}

/// `acc` plus one pair of products the `vdpbf16ps` way: the odd product
/// (`a.1·b.1`) first, then the even one (`a.0·b.0`).
pub fn dp_pair(acc: f32, a: (bf16, bf16), b: (bf16, bf16)) -> f32 {
    let w = |x: bf16| flush(x.to_f32());
    let s = flush(w(a.1).mul_add(w(b.1), flush(acc)));
    flush(w(a.0).mul_add(w(b.0), s))
}

/// `C ← alpha·A·B + beta·C` with the `vdpbf16ps` sum (module docs), any
/// strides. `Err` when the shapes disagree.
///
/// ```
/// use half::bf16;
/// use lowp::{MatMut, MatRef};
/// use lowp_reference as reference;
/// let a: Vec<bf16> = [1.0f32, 2.0, 3.0].map(bf16::from_f32).to_vec();
/// let b: Vec<bf16> = [4.0f32, 5.0, 6.0].map(bf16::from_f32).to_vec();
/// let mut c = [0.0f32];
/// reference::gemm_bf16::gemm_bf16(
///     1.0,
///     MatRef::row_major(&a, 1, 3)?,
///     MatRef::row_major(&b, 3, 1)?,
///     0.0,
///     MatMut::row_major(&mut c, 1, 1)?,
/// )?;
/// assert_eq!(c, [32.0]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn gemm_bf16(
    alpha: f32,
    a: MatRef<'_, bf16>,
    b: MatRef<'_, bf16>,
    beta: f32,
    mut c: MatMut<'_, f32>,
) -> Result<()> {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    if b.rows() != k || c.rows() != m || c.cols() != n {
        return Err(Error::shape(format!(
            "gemm_bf16: a is {m}x{k}, b is {}x{n}, c is {}x{}; need a m×k, b k×n, c m×n",
            b.rows(),
            c.rows(),
            c.cols()
        )));
    }
    let zero = bf16::from_f32(0.0);
    for i in 0..m {
        for j in 0..n {
            let out = c.get_mut(i, j).expect("in range");
            if k == 0 || alpha == 0.0 {
                *out = if beta == 0.0 { 0.0 } else { beta * *out };
                continue;
            }
            let at = |p: usize| {
                if p < k {
                    *a.get(i, p).expect("in range")
                } else {
                    zero
                }
            };
            let bt = |p: usize| {
                if p < k {
                    *b.get(p, j).expect("in range")
                } else {
                    zero
                }
            };
            let mut s = 0.0f32;
            for q in 0..k.div_ceil(2) {
                s = dp_pair(s, (at(2 * q), at(2 * q + 1)), (bt(2 * q), bt(2 * q + 1)));
            }
            let ab = alpha * s;
            *out = if beta == 0.0 { ab } else { ab + beta * *out };
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_rounds_to_nearest_even_and_flushes() {
        // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: to the even 1.
        assert_eq!(f32_to_bf16(1.0 + 2f32.powi(-8)).to_bits(), 0x3f80);
        // 1 + 3·2^-8 ties up to the even 1 + 2^-6.
        assert_eq!(f32_to_bf16(1.0 + 3.0 * 2f32.powi(-8)).to_bits(), 0x3f82);
        assert_eq!(f32_to_bf16(-1e-40).to_bits(), 0x8000);
        assert!(f32_to_bf16(f32::NAN).is_nan());
        assert_eq!(f32_to_bf16(f32::MAX).to_bits(), 0x7f80);
    }

    #[test]
    fn pair_adds_the_odd_product_first() {
        // acc = 1: odd 2^24 then even -2^24 leaves 0 (1 is lost in 2^24 + 1);
        // the other order would give 1.
        let h = bf16::from_f32;
        let big = h(2f32.powi(24));
        let s = dp_pair(1.0, (h(-1.0), h(1.0)), (big, big));
        assert_eq!(s, 0.0);
        let s = dp_pair(1.0, (h(1.0), h(-1.0)), (big, big));
        assert_eq!(s, 1.0);
    }

    #[test]
    fn subnormal_sums_flush_to_signed_zero() {
        let h = bf16::from_f32;
        // 2^-70 · -2^-70 = -2^-140, subnormal: flushed to -0, and 0·-0 keeps it.
        let s = dp_pair(0.0, (h(0.0), h(2f32.powi(-70))), (h(-0.0), h(-(2f32.powi(-70)))));
        assert_eq!(s.to_bits(), 0x8000_0000);
        // Kept as a subnormal, -2^-140 + 2^-139 would leave 2^-140.
        let s = dp_pair(
            2f32.powi(-139),
            (h(0.0), h(2f32.powi(-70))),
            (h(0.0), h(-(2f32.powi(-70)))),
        );
        assert_eq!(s, 0.0);
    }
}
