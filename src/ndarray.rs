//! GEMMs and scans on [`ndarray`] views (feature `ndarray`).
//!
//! Any memory layout works. A view whose elements are contiguous in memory
//! with non-negative strides (row-major, column-major, their transposes
//! `.t()`) maps onto a [`MatRef`]/[`MatMut`] without copying, strides as
//! they are. Any other view — strided sub-views (`s![.., ..k]` of a wider
//! array), stepped or negative strides (`s![..;-1, ..]`) — is copied into a
//! dense row-major array first (and an output copied back after the call):
//! lowp's views address one slice, and handing it the span of a gapped view
//! could alias elements another view of the same array may be writing.
//!
//! ```
//! use ndarray::{array, Array2};
//! let ctx = lowp::Context::builder().threads(1).build()?;
//! let a = array![[1.0f32, 2.0], [3.0, 4.0]];
//! let b = array![[5.0f32, 6.0], [7.0, 8.0]];
//! let mut c = Array2::<f32>::zeros((2, 2));
//! lowp::ndarray::sgemm(&ctx, 1.0, a.view(), b.t(), 0.0, c.view_mut())?;
//! assert_eq!(c, array![[17.0, 23.0], [39.0, 53.0]]);
//! # Ok::<(), lowp::Error>(())
//! ```

use crate::dot::{self, Metric, Neighbor, ScanElem};
use crate::igemm::{
    self, Dequantize, Int8, Output, PackOptions, PackedI8Weights, Requantize, WeightZeroPoint,
};
use crate::{Context, MatMut, MatRef, Result};
use ndarray::{ArrayView2, ArrayViewMut2};

/// Non-negative strides of a 2-D view, or `None` if either is negative.
fn strides(s: &[isize]) -> Option<(usize, usize)> {
    Some((usize::try_from(s[0]).ok()?, usize::try_from(s[1]).ok()?))
}

/// Runs `f` on `a` as a [`MatRef`] named `arg`: in place when `a` is
/// contiguous with non-negative strides, else on a dense row-major copy.
pub fn with_mat_ref<T: Clone, R>(
    arg: &'static str,
    a: ArrayView2<'_, T>,
    f: impl FnOnce(MatRef<'_, T>) -> Result<R>,
) -> Result<R> {
    let (rows, cols) = a.dim();
    if let (Some((rs, cs)), Some(data)) = (strides(a.strides()), a.as_slice_memory_order()) {
        return f(MatRef::named(arg, data, rows, cols, rs, cs)?);
    }
    let dense = a.as_standard_layout();
    let data = dense.as_slice().expect("standard layout is contiguous");
    f(MatRef::named(arg, data, rows, cols, cols, 1)?)
}

/// Runs `f` on `c` as a [`MatMut`] named `arg`: in place when `c` is
/// contiguous with non-negative strides, else on a dense row-major copy
/// (holding `c`'s values) written back afterwards, also when `f` fails.
pub fn with_mat_mut<T: Clone, R>(
    arg: &'static str,
    mut c: ArrayViewMut2<'_, T>,
    f: impl FnOnce(MatMut<'_, T>) -> Result<R>,
) -> Result<R> {
    let (rows, cols) = c.dim();
    if let Some((rs, cs)) = strides(c.strides()) {
        if let Some(data) = c.as_slice_memory_order_mut() {
            return f(MatMut::named(arg, data, rows, cols, rs, cs)?);
        }
    }
    let mut dense = c.view().as_standard_layout().into_owned();
    let data = dense.as_slice_mut().expect("standard layout is contiguous");
    let r = f(MatMut::named(arg, data, rows, cols, cols, 1)?);
    c.assign(&dense);
    r
}

/// [`crate::sgemm`] on ndarray views: `C ← alpha·A·B + beta·C`.
pub fn sgemm(
    ctx: &Context,
    alpha: f32,
    a: ArrayView2<'_, f32>,
    b: ArrayView2<'_, f32>,
    beta: f32,
    c: ArrayViewMut2<'_, f32>,
) -> Result<()> {
    with_mat_ref("a", a, |a| {
        with_mat_ref("b", b, |b| {
            with_mat_mut("c", c, |c| crate::sgemm(ctx, alpha, a, b, beta, c))
        })
    })
}

/// [`PackedI8Weights::pack`] from an ndarray view (`K × N`).
pub fn pack_weights<B: Int8>(
    ctx: &Context,
    b: ArrayView2<'_, B>,
    zero_point: WeightZeroPoint<'_>,
    options: PackOptions,
) -> Result<PackedI8Weights> {
    with_mat_ref("b", b, |b| PackedI8Weights::pack(ctx, b, zero_point, options))
}

/// [`igemm::igemm`] to s32 on ndarray views: `C = (A − a_zero_point)·(B − zb)`
/// (`C += …` with `accumulate`).
///
/// ```
/// use ndarray::{array, Array2};
/// use lowp::igemm::{PackOptions, WeightZeroPoint};
/// let ctx = lowp::Context::builder().threads(1).build()?;
/// let w = array![[1i8, -1], [2, 0]];
/// let packed = lowp::ndarray::pack_weights(&ctx, w.view(), WeightZeroPoint::PerTensor(0),
///                                           PackOptions::default())?;
/// let x = array![[3u8, 4]];
/// let mut y = Array2::<i32>::zeros((1, 2));
/// lowp::ndarray::igemm_s32(&ctx, x.view(), 0, &packed, y.view_mut(), false)?;
/// assert_eq!(y, array![[11, -3]]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn igemm_s32<A: Int8>(
    ctx: &Context,
    a: ArrayView2<'_, A>,
    a_zero_point: i32,
    b: &PackedI8Weights,
    c: ArrayViewMut2<'_, i32>,
    accumulate: bool,
) -> Result<()> {
    with_mat_ref("a", a, |a| {
        with_mat_mut("c", c, |c| {
            igemm::igemm(ctx, a, a_zero_point, b, Output::S32 { c, accumulate })
        })
    })
}

/// [`igemm::igemm`] dequantized to f32 on ndarray views.
pub fn igemm_f32<A: Int8>(
    ctx: &Context,
    a: ArrayView2<'_, A>,
    a_zero_point: i32,
    b: &PackedI8Weights,
    c: ArrayViewMut2<'_, f32>,
    dequantize: Dequantize<'_>,
) -> Result<()> {
    with_mat_ref("a", a, |a| {
        with_mat_mut("c", c, |c| {
            igemm::igemm(ctx, a, a_zero_point, b, Output::F32 { c, dequantize })
        })
    })
}

/// [`igemm::igemm`] requantized to u8 on ndarray views.
pub fn igemm_u8<A: Int8>(
    ctx: &Context,
    a: ArrayView2<'_, A>,
    a_zero_point: i32,
    b: &PackedI8Weights,
    c: ArrayViewMut2<'_, u8>,
    requantize: Requantize<'_>,
) -> Result<()> {
    with_mat_ref("a", a, |a| {
        with_mat_mut("c", c, |c| {
            igemm::igemm(ctx, a, a_zero_point, b, Output::U8 { c, requantize })
        })
    })
}

/// [`dot::scan_top_k`] over an ndarray database (one row per vector).
///
/// ```
/// use ndarray::array;
/// use lowp::dot::Metric;
/// let ctx = lowp::Context::builder().threads(1).build()?;
/// let db = array![[1i8, 0], [0, 1], [1, 1]];
/// let top = lowp::ndarray::scan_top_k(&ctx, &[2, 2], db.view(), Metric::InnerProduct, 1)?;
/// assert_eq!((top[0].index, top[0].score), (2, 4));
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn scan_top_k<T: ScanElem>(
    ctx: &Context,
    query: &[T],
    db: ArrayView2<'_, T>,
    metric: Metric,
    k: usize,
) -> Result<Vec<Neighbor<T::Score>>> {
    with_row_major("db", db, |db| dot::scan_top_k(ctx, query, db, metric, k))
}

/// [`dot::scan_scores`] over an ndarray database.
pub fn scan_scores<T: ScanElem>(
    ctx: &Context,
    query: &[T],
    db: ArrayView2<'_, T>,
    metric: Metric,
    out: &mut [T::Score],
) -> Result<()> {
    with_row_major("db", db, |db| dot::scan_scores(ctx, query, db, metric, out))
}

/// [`dot::scan_many_top_k`] for the rows of `queries` over an ndarray database.
pub fn scan_many_top_k<T: ScanElem>(
    ctx: &Context,
    queries: ArrayView2<'_, T>,
    db: ArrayView2<'_, T>,
    metric: Metric,
    k: usize,
) -> Result<Vec<Vec<Neighbor<T::Score>>>> {
    with_row_major("queries", queries, |q| {
        with_row_major("db", db, |db| dot::scan_many_top_k(ctx, q, db, metric, k))
    })
}

/// Scans need rows contiguous: a view whose rows are not (column-major,
/// transposed) is copied to row-major first.
fn with_row_major<T: Clone, R>(
    arg: &'static str,
    a: ArrayView2<'_, T>,
    f: impl FnOnce(MatRef<'_, T>) -> Result<R>,
) -> Result<R> {
    if a.ncols() > 1 && a.strides()[1] != 1 {
        let dense = a.as_standard_layout().into_owned();
        return with_mat_ref(arg, dense.view(), f);
    }
    with_mat_ref(arg, a, f)
}
