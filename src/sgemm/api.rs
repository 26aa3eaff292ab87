//! The public f32 GEMM entry points: argument checks, then the path for
//! the shape (GEMV, small-M, unpacked, or the shared blocked driver).

use super::gemv::{gemv, Gemv};
use super::small_m::gemm_small_m;
use super::unpacked::{gemm_unpacked, UnpackedB};
use super::{GEMV_M, SMALL_M};
use crate::error::{Error, Result};
use crate::gemm::blocking;
use crate::gemm::f32_operands::{PackBF32, SinkF32};
use crate::gemm::{self, BOperand, PackedB, Problem};
use crate::mat::{MatMut, MatRef};
use crate::{verbose, Context};

fn check_shapes(a: &MatRef<'_, f32>, b_rows: usize, b_cols: usize, c: &MatMut<'_, f32>) -> Result<()> {
    let (m, k) = (a.rows(), a.cols());
    if b_rows != k || c.rows() != m || c.cols() != b_cols {
        return Err(Error::shape(format!(
            "sgemm: a is {m}x{k}, b is {b_rows}x{b_cols}, c is {}x{}; need a m×k, b k×n, c m×n",
            c.rows(),
            c.cols()
        )));
    }
    Ok(())
}

/// Checks the shapes, then whether nothing is left to compute: an empty C,
/// or `k == 0` / `alpha == 0`, where `C ← beta·C` is done here (A and B unread).
/// Starts the call's verbose log (`op`) once the shapes are valid.
#[allow(clippy::too_many_arguments)]
fn checked_and_trivial(
    ctx: &Context,
    op: &'static str,
    alpha: f32,
    a: &MatRef<'_, f32>,
    b_rows: usize,
    b_cols: usize,
    beta: f32,
    c: &mut MatMut<'_, f32>,
) -> Result<(bool, verbose::Call)> {
    check_shapes(a, b_rows, b_cols, c)?;
    let mut log = verbose::Call::start(ctx, op, a.rows(), a.cols(), b_cols);
    if c.rows() == 0 || c.cols() == 0 {
        return Ok((true, log));
    }
    if a.cols() == 0 || alpha == 0.0 {
        log.path("scale_c", "none");
        scale(beta, c);
        return Ok((true, log));
    }
    Ok((false, log))
}

/// `C ← beta·C` (β = 0 writes zeros without reading C).
pub(crate) fn scale(beta: f32, c: &mut MatMut<'_, f32>) {
    for i in 0..c.rows() {
        for j in 0..c.cols() {
            let x = c.at_mut(i, j);
            *x = if beta == 0.0 { 0.0 } else { beta * *x };
        }
    }
}

/// FP32 GEMM: `C ← alpha·A·B + beta·C`, any row/column strides (transposes
/// are views with swapped strides, [`MatRef::t`]).
///
/// BLAS semantics: with `beta == 0` C is not read (NaN in C does not leak);
/// `k == 0` or `alpha == 0` gives `C ← beta·C` without reading A or B;
/// `m == 0` or `n == 0` does nothing. Results are bit-identical for every
/// thread count. `Err(ShapeMismatch)` when the shapes disagree.
///
/// ```
/// use lowp::{sgemm, Context, MatMut, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// let a = [1.0f32, 2.0, 3.0, 4.0];
/// let b = [5.0f32, 6.0, 7.0, 8.0];
/// let mut c = [0.0f32; 4];
/// sgemm(&ctx, 1.0, MatRef::row_major(&a, 2, 2)?, MatRef::row_major(&b, 2, 2)?, 0.0,
///       MatMut::row_major(&mut c, 2, 2)?)?;
/// assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn sgemm(
    ctx: &Context,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
    mut c: MatMut<'_, f32>,
) -> Result<()> {
    let (trivial, mut log) = checked_and_trivial(ctx, "sgemm", alpha, &a, b.rows(), b.cols(), beta, &mut c)?;
    if trivial {
        return Ok(());
    }
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    // Column-major C: compute Cᵀ = Bᵀ·Aᵀ so the kernels write C's contiguous
    // columns as rows.
    let (a, b, mut c) = if m > 1 && n > 1 && c.col_stride() != 1 && c.row_stride() == 1 {
        (b.t(), a.t(), c.t())
    } else {
        (a, b, c)
    };
    let kern = &ctx.kernels().sgemm;
    if let (Some(scan), true) = (&ctx.kernels().dot.scan_f32_ip, a.rows() <= GEMV_M) {
        if b.row_stride() == 1 && b.col_stride() != 1 && b.cols() > 1 {
            log.path("gemv", scan.name);
            gemv(ctx, Gemv::Dots(scan.f), alpha, a, b, beta, &mut c);
            return Ok(());
        }
    }
    if let (true, Some(sw), true) = (b.is_row_contiguous(), kern.sweep, a.rows() <= GEMV_M) {
        log.path("gemv", sw.name);
        gemv(ctx, Gemv::Sweep(sw), alpha, a, b, beta, &mut c);
        return Ok(());
    }
    if let (true, Some(bs)) = (b.is_row_contiguous(), kern.small_m(a.rows())) {
        log.path("small_m", bs.name);
        gemm_small_m(ctx, kern, bs, alpha, a, b, beta, &mut c);
        return Ok(());
    }
    let share = kern.row_major_b_l2_share;
    if b.is_row_contiguous()
        && (a.rows() <= SMALL_M
            || blocking::f32_fits_l2(ctx.cache_sizes(), a.rows(), k, b.cols(), Some(share)))
    {
        log.path(
            if a.rows() <= GEMV_M { "gemv" } else { "unpacked" },
            kern.rows_name(),
        );
        gemm_unpacked(ctx, kern, alpha, a, UnpackedB::RowMajor(b), beta, &mut c);
        return Ok(());
    }
    let n = b.cols();
    log.path("tiles", kern.name);
    blocked(ctx, alpha, a, BOperand::Pack(&PackBF32(b)), n, beta, &mut c);
    Ok(())
}

/// FP32 GEMM with a prepacked B ([`PackedB::<f32>::new`](PackedB::new)):
/// `C ← alpha·A·B + beta·C`, same semantics as [`sgemm`].
/// `Err(LayoutMismatch)` when `b` was packed for another kernel (a Context
/// of another ISA level), `Err(ShapeMismatch)` when the shapes disagree.
pub fn sgemm_packed(
    ctx: &Context,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: &PackedB<f32>,
    beta: f32,
    mut c: MatMut<'_, f32>,
) -> Result<()> {
    let kern = &ctx.kernels().sgemm;
    b.check_layout(kern.isa, kern.name, kern.nr, 1)?;
    let (trivial, mut log) =
        checked_and_trivial(ctx, "sgemm_packed", alpha, &a, b.rows(), b.cols(), beta, &mut c)?;
    if trivial {
        return Ok(());
    }
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    // Small M, operands already in cache, or a row-major A whose K block
    // stays in L2 (under a B of at most `A_IN_PLACE_PANELS` panels): no A
    // packing (as `sgemm` does for a row-major B); the packed B is read in
    // its own K blocks.
    let a_in_place = a.col_stride() == 1
        && n <= A_IN_PLACE_PANELS * kern.nr
        && blocking::f32_a_in_place(ctx.cache_sizes(), m, b.kc(), a.row_stride());
    if m <= SMALL_M || blocking::f32_fits_l2(ctx.cache_sizes(), m, k, n, None) || a_in_place {
        log.path("unpacked", kern.rows_name());
        gemm_unpacked(ctx, kern, alpha, a, UnpackedB::Packed(b), beta, &mut c);
        return Ok(());
    }
    log.path("tiles", kern.name);
    blocked(ctx, alpha, a, BOperand::Prepacked(b), n, beta, &mut c);
    Ok(())
}

/// `C ← alpha·A·B + beta·C` on the shared blocked driver (`n` columns).
/// The most B panels a prepacked sgemm reads a row-major A in place for:
/// 64×4096×1000 measured slower in place (112 → 107 GFLOP/s), 3072 columns
/// and fewer faster (`docs/tuning.md`, issue 21 `small4`).
const A_IN_PLACE_PANELS: usize = 96;

fn blocked(
    ctx: &Context,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: BOperand<'_, f32>,
    n: usize,
    beta: f32,
    c: &mut MatMut<'_, f32>,
) {
    let kern = &ctx.kernels().sgemm;
    let sink = SinkF32::new(c, beta);
    let pa = kern.pack_a(a);
    gemm::gemm(
        ctx,
        kern,
        &Problem {
            m: a.rows(),
            n,
            k: a.cols(),
            a: &pa,
            b,
            sink: &sink,
            alpha,
            beta,
            kc_at_least: None,
        },
    );
}

impl PackedB<f32> {
    /// Packs a `k × n` f32 B (any strides) for `ctx`'s sgemm kernel, once,
    /// for many [`sgemm_packed`] calls (weights in inference).
    ///
    /// ```
    /// use lowp::{sgemm_packed, Context, MatMut, MatRef, PackedB};
    /// let ctx = Context::builder().threads(1).build()?;
    /// let w = [1.0f32, 0.0, 0.0, 1.0];
    /// let packed = PackedB::<f32>::new(&ctx, MatRef::row_major(&w, 2, 2)?)?;
    /// let x = [3.0f32, 4.0];
    /// let mut y = [0.0f32; 2];
    /// sgemm_packed(&ctx, 1.0, MatRef::row_major(&x, 1, 2)?, &packed, 0.0,
    ///              MatMut::row_major(&mut y, 1, 2)?)?;
    /// assert_eq!(y, [3.0, 4.0]);
    /// # Ok::<(), lowp::Error>(())
    /// ```
    pub fn new(ctx: &Context, b: MatRef<'_, f32>) -> Result<PackedB<f32>> {
        let kern = &ctx.kernels().sgemm;
        let kc = blocking::prepacked_f32_kc(ctx.cache_sizes(), kern.mr, kern.nr, b.rows());
        PackedB::pack_with(
            b.rows(),
            b.cols(),
            kc,
            kern.nr,
            1,
            kern.isa,
            kern.name,
            &PackBF32(b),
        )
    }
}
