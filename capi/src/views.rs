//! BLAS operands (pointer, layout, transpose, leading dimension) as lowp's
//! checked views.

use crate::{dim, invalid, Fail, CBLAS_COL_MAJOR, CBLAS_ROW_MAJOR, LOWP_STATUS_NULL_POINTER};
use lowp::{MatMut, MatRef};
use std::ffi::c_int;

/// A BLAS storage order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Layout {
    Row,
    Col,
}

impl Layout {
    pub(crate) fn from_c(v: c_int) -> Result<Layout, Fail> {
        match v {
            CBLAS_ROW_MAJOR => Ok(Layout::Row),
            CBLAS_COL_MAJOR => Ok(Layout::Col),
            _ => Err(invalid(format!(
                "layout = {v} is not CblasRowMajor or CblasColMajor"
            ))),
        }
    }
}

/// `(row stride, column stride, slice length)` of the `rows × cols` matrix
/// `op(X)` stored in `layout` with leading dimension `ld` (transposed when
/// `trans`); `Err` naming `arg` when `ld` is below the BLAS minimum.
fn strides(
    arg: &'static str,
    layout: Layout,
    trans: bool,
    rows: usize,
    cols: usize,
    ld: c_int,
) -> Result<(usize, usize, usize), Fail> {
    let ld = dim(&format!("ld{arg}"), ld)?;
    // The stored matrix is op(X) before the transpose.
    let (sr, sc) = if trans { (cols, rows) } else { (rows, cols) };
    let need = match layout {
        Layout::Row => sc,
        Layout::Col => sr,
    }
    .max(1);
    if ld < need {
        return Err(invalid(format!(
            "ld{arg} = {ld} is less than {need}, the {} of the stored {arg} ({sr}x{sc})",
            if layout == Layout::Row { "columns" } else { "rows" }
        )));
    }
    let (rs, cs) = match layout {
        Layout::Row => (ld, 1),
        Layout::Col => (1, ld),
    };
    let (rs, cs) = if trans { (cs, rs) } else { (rs, cs) };
    if rows == 0 || cols == 0 {
        return Ok((rs, cs, 0));
    }
    let len = (rows - 1)
        .checked_mul(rs)
        .and_then(|r| (cols - 1).checked_mul(cs).and_then(|c| r.checked_add(c)))
        .and_then(|x| x.checked_add(1))
        .ok_or_else(|| {
            invalid(format!(
                "{arg}: a {rows}x{cols} matrix with ld{arg} = {ld} overflows"
            ))
        })?;
    Ok((rs, cs, len))
}

fn null(arg: &str) -> Fail {
    Fail(LOWP_STATUS_NULL_POINTER, format!("{arg} is NULL"))
}

/// The read-only view of `op(X)` (`rows × cols`); empty (and `p` unread)
/// when a dimension is 0.
///
/// # Safety
/// `p` holds every element the shape and `ld` address, alive for `'a`.
pub(crate) unsafe fn operand<'a, T>(
    arg: &'static str,
    p: *const T,
    layout: Layout,
    trans: bool,
    rows: usize,
    cols: usize,
    ld: c_int,
) -> Result<MatRef<'a, T>, Fail> {
    let (rs, cs, len) = strides(arg, layout, trans, rows, cols, ld)?;
    if len == 0 {
        return Ok(MatRef::named(arg, &[], rows, cols, 0, 0)?);
    }
    if p.is_null() {
        return Err(null(arg));
    }
    // SAFETY: the caller guarantees `len` readable elements at `p`.
    let s = unsafe { std::slice::from_raw_parts(p, len) };
    Ok(MatRef::named(arg, s, rows, cols, rs, cs)?)
}

/// The mutable view of an output (`rows × cols`, not transposed).
///
/// # Safety
/// `p` holds every element the shape and `ld` address, alive for `'a` and
/// aliased by nothing else.
pub(crate) unsafe fn operand_mut<'a, T>(
    arg: &'static str,
    p: *mut T,
    layout: Layout,
    rows: usize,
    cols: usize,
    ld: c_int,
) -> Result<MatMut<'a, T>, Fail> {
    let (rs, cs, len) = strides(arg, layout, false, rows, cols, ld)?;
    if len == 0 {
        return Ok(MatMut::named(arg, &mut [], rows, cols, 0, 0)?);
    }
    if p.is_null() {
        return Err(null(arg));
    }
    // SAFETY: the caller guarantees `len` writable, unaliased elements at `p`.
    let s = unsafe { std::slice::from_raw_parts_mut(p, len) };
    Ok(MatMut::named(arg, s, rows, cols, rs, cs)?)
}
