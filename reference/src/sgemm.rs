//! Oracle for `sgemm`: `C ← alpha·A·B + beta·C` by the textbook triple loop.
//!
//! Sums are accumulated in f64 and rounded to f32 once, so the oracle is
//! (much) more accurate than any f32 kernel: a kernel's error against it is
//! bounded by its own rounding, `≈ (k + 2)·ε_f32·(|alpha|·Σ|a||b| + |beta|·|c|)`.
//! BLAS semantics: `beta == 0` does not read C; `k == 0` gives `beta·C`.

use lowp::{Error, MatMut, MatRef, Result};

/// `C ← alpha·A·B + beta·C` for any strides. `Err` when the shapes disagree.
///
/// ```
/// use lowp::{MatMut, MatRef};
/// let a = [1.0f32, 2.0, 3.0, 4.0];
/// let b = [5.0f32, 6.0, 7.0, 8.0];
/// let mut c = [0.0f32; 4];
/// lowp_reference::sgemm::sgemm(
///     1.0,
///     MatRef::row_major(&a, 2, 2)?,
///     MatRef::row_major(&b, 2, 2)?,
///     0.0,
///     MatMut::row_major(&mut c, 2, 2)?,
/// )?;
/// assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn sgemm(
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
    mut c: MatMut<'_, f32>,
) -> Result<()> {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    if b.rows() != k || c.rows() != m || c.cols() != n {
        return Err(Error::shape(format!(
            "sgemm: a is {m}x{k}, b is {}x{n}, c is {}x{}; need a m×k, b k×n, c m×n",
            b.rows(),
            c.rows(),
            c.cols()
        )));
    }
    for i in 0..m {
        for j in 0..n {
            let mut s = 0.0f64;
            for p in 0..k {
                s += f64::from(at(&a, i, p)) * f64::from(at(&b, p, j));
            }
            let ab = f64::from(alpha) * s;
            let out = c.get_mut(i, j).expect("oracle: (i, j) is inside C");
            *out = if beta == 0.0 {
                ab as f32
            } else {
                (ab + f64::from(beta) * f64::from(*out)) as f32
            };
        }
    }
    Ok(())
}

/// `a[i][j]`, inside the shape checked above.
fn at(a: &MatRef<'_, f32>, i: usize, j: usize) -> f32 {
    *a.get(i, j).expect("oracle: (i, j) is inside the matrix")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_2x3_times_3x2() {
        // A = [1 2 3; 4 5 6], B = [7 8; 9 10; 11 12]
        // A·B = [58 64; 139 154]
        let a = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let b = [7.0f32, 8.0, 9.0, 10.0, 11.0, 12.0];
        let mut c = [1.0f32, 2.0, 3.0, 4.0];
        sgemm(
            2.0,
            MatRef::row_major(&a, 2, 3).unwrap(),
            MatRef::row_major(&b, 3, 2).unwrap(),
            -1.0,
            MatMut::row_major(&mut c, 2, 2).unwrap(),
        )
        .unwrap();
        // 2·A·B − C
        assert_eq!(c, [115.0, 126.0, 275.0, 304.0]);
    }

    #[test]
    fn strides_and_transposes() {
        // A stored column-major (so A = [1 2; 3 4]), B as the transpose of a row-major [5 6; 7 8].
        let a_cm = [1.0f32, 3.0, 2.0, 4.0];
        let bt = [5.0f32, 7.0, 6.0, 8.0]; // Bᵀ row-major: B = [5 6; 7 8]
        let mut c = [0.0f32; 8]; // padded leading dimension 4, C column-major
        sgemm(
            1.0,
            MatRef::col_major(&a_cm, 2, 2).unwrap(),
            MatRef::row_major(&bt, 2, 2).unwrap().t(),
            0.0,
            MatMut::new(&mut c, 2, 2, 1, 4).unwrap(),
        )
        .unwrap();
        // A·B = [19 22; 43 50] stored column-major with ld 4.
        assert_eq!(c, [19.0, 43.0, 0.0, 0.0, 22.0, 50.0, 0.0, 0.0]);
    }

    #[test]
    fn beta_zero_does_not_read_c_and_k_zero_scales() {
        let a = [1.0f32, 1.0];
        let b = [2.0f32, 3.0];
        let mut c = [f32::NAN; 1];
        sgemm(
            1.0,
            MatRef::row_major(&a, 1, 2).unwrap(),
            MatRef::row_major(&b, 2, 1).unwrap(),
            0.0,
            MatMut::row_major(&mut c, 1, 1).unwrap(),
        )
        .unwrap();
        assert_eq!(c, [5.0]);

        let mut c = [3.0f32, f32::NAN];
        let empty: [f32; 0] = [];
        sgemm(
            1.0,
            MatRef::row_major(&empty, 1, 0).unwrap(),
            MatRef::row_major(&empty, 0, 2).unwrap(),
            0.5,
            MatMut::row_major(&mut c, 1, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(c[0], 1.5);
        assert!(c[1].is_nan());
        let mut c = [f32::NAN; 2];
        sgemm(
            1.0,
            MatRef::row_major(&empty, 1, 0).unwrap(),
            MatRef::row_major(&empty, 0, 2).unwrap(),
            0.0,
            MatMut::row_major(&mut c, 1, 2).unwrap(),
        )
        .unwrap();
        assert_eq!(c, [0.0, 0.0]);
    }

    #[test]
    fn shape_mismatch_names_the_sizes() {
        let v = [0.0f32; 6];
        let mut c = [0.0f32; 4];
        let e = sgemm(
            1.0,
            MatRef::row_major(&v, 2, 3).unwrap(),
            MatRef::row_major(&v, 2, 3).unwrap(),
            0.0,
            MatMut::row_major(&mut c, 2, 2).unwrap(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("2x3"), "{e}");
    }
}
