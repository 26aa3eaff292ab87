//! Checked matrix views over slices: rows, columns, row and column strides.
//!
//! A view is validated once, at construction: every element it can address
//! lies inside the slice (overflow-checked), and a mutable view never
//! addresses one element twice. Kernels then index without checks.
//! Transposing swaps the strides and costs nothing.

use crate::error::{Error, Result};

/// Largest index addressed by a `rows × cols` view with strides `rs`, `cs`,
/// plus one: the slice length the view needs. `Ok(0)` for an empty view.
pub(crate) fn needed_len(arg: &'static str, rows: usize, cols: usize, rs: usize, cs: usize) -> Result<usize> {
    if rows == 0 || cols == 0 {
        return Ok(0);
    }
    let last = (rows - 1)
        .checked_mul(rs)
        .and_then(|r| (cols - 1).checked_mul(cs).and_then(|c| r.checked_add(c)))
        .and_then(|x| x.checked_add(1))
        .ok_or_else(|| {
            Error::overflow(
                arg,
                format!("a {rows}x{cols} view with strides ({rs}, {cs}) addresses past usize::MAX"),
            )
        })?;
    if last > isize::MAX as usize || rs > isize::MAX as usize || cs > isize::MAX as usize {
        return Err(Error::InvalidStride {
            arg,
            msg: format!("a {rows}x{cols} view with strides ({rs}, {cs}) addresses past isize::MAX"),
        });
    }
    Ok(last)
}

/// Refuses strides under which two elements of a `rows × cols` view share an
/// address. Conservative like BLAS's `ldc ≥ m`: the smaller stride must be
/// ≥ 1 and the larger ≥ (extent of the smaller dimension) × smaller stride.
pub(crate) fn check_no_self_overlap(
    arg: &'static str,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
) -> Result<()> {
    // An empty view addresses nothing, so it cannot overlap itself; a
    // dimension of extent <= 1 makes its stride irrelevant. No allocation:
    // this runs on every call that builds an output view.
    if rows == 0 || cols == 0 {
        return Ok(());
    }
    let overlap = |msg: String| Err(Error::InvalidStride { arg, msg });
    match (rows > 1, cols > 1) {
        (false, false) => Ok(()),
        (true, false) | (false, true) => {
            if (rows > 1 && rs == 0) || (cols > 1 && cs == 0) {
                overlap(format!(
                    "stride 0 over a dimension of extent > 1 makes {arg} ({rows}x{cols}) overlap itself"
                ))
            } else {
                Ok(())
            }
        }
        (true, true) => {
            let ((small_extent, small_stride), large_stride) = if rs <= cs {
                ((rows, rs), cs)
            } else {
                ((cols, cs), rs)
            };
            let span = small_extent.checked_mul(small_stride);
            if small_stride == 0 || span.is_none_or(|span| large_stride < span) {
                overlap(format!(
                    "strides ({rs}, {cs}) make the {rows}x{cols} output overlap itself \
                     (need the larger stride >= extent x smaller stride, and the smaller >= 1)"
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// Checks that a `slice_len`-element slice holds every element a
/// `rows × cols` view with strides `rs`, `cs` addresses ([`needed_len`]).
fn check_fits(
    arg: &'static str,
    slice_len: usize,
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
) -> Result<()> {
    let needed = needed_len(arg, rows, cols, rs, cs)?;
    if needed > slice_len {
        return Err(Error::BufferTooSmall {
            arg,
            needed,
            len: slice_len,
        });
    }
    Ok(())
}

/// The methods [`MatRef`] and [`MatMut`] share: constructors, the
/// transpose, the shape accessors. `$what` names the view in docs and
/// `$refusals` adds to the constructors' list of refusals; `$extra_check`
/// runs after the length check (`check_no_self_overlap` for a mutable view);
/// `slice: mut` makes the slice mutable.
macro_rules! view_methods {
    (
        $view:ident, $what:literal, refusals: $refusals:literal $(, extra_check: $extra_check:path)?
        $(, slice: $mut:ident)?
    ) => {
        impl<'a, T> $view<'a, T> {
            #[doc = concat!("A ", $what, " with explicit strides. `Err` when an addressed element lies ")]
            #[doc = concat!("outside `data`, the index arithmetic overflows", $refusals, ".")]
            #[doc = ""]
            #[doc = concat!("Errors call it \"matrix\"; [`", stringify!($view), "::named`] names the operand.")]
            pub fn new(
                data: &'a $($mut)? [T],
                rows: usize,
                cols: usize,
                row_stride: usize,
                col_stride: usize,
            ) -> Result<Self> {
                Self::named("matrix", data, rows, cols, row_stride, col_stride)
            }

            #[doc = concat!("Like [`", stringify!($view), "::new`], naming the argument in errors (`\"a\"`, `\"c\"`...).")]
            pub fn named(
                arg: &'static str,
                data: &'a $($mut)? [T],
                rows: usize,
                cols: usize,
                row_stride: usize,
                col_stride: usize,
            ) -> Result<Self> {
                check_fits(arg, data.len(), rows, cols, row_stride, col_stride)?;
                $($extra_check(arg, rows, cols, row_stride, col_stride)?;)?
                Ok($view {
                    data,
                    rows,
                    cols,
                    rs: row_stride,
                    cs: col_stride,
                })
            }

            #[doc = concat!("A dense row-major ", $what, " (`row_stride = cols`, `col_stride = 1`).")]
            pub fn row_major(data: &'a $($mut)? [T], rows: usize, cols: usize) -> Result<Self> {
                Self::new(data, rows, cols, cols, 1)
            }

            #[doc = concat!("A dense column-major ", $what, " (`row_stride = 1`, `col_stride = rows`).")]
            pub fn col_major(data: &'a $($mut)? [T], rows: usize, cols: usize) -> Result<Self> {
                Self::new(data, rows, cols, 1, rows)
            }

            #[doc = concat!("The transpose: a `cols × rows` ", $what, " of the same elements.")]
            pub fn t(self) -> Self {
                $view {
                    data: self.data,
                    rows: self.cols,
                    cols: self.rows,
                    rs: self.cs,
                    cs: self.rs,
                }
            }

            /// Number of rows.
            pub fn rows(&self) -> usize {
                self.rows
            }
            /// Number of columns.
            pub fn cols(&self) -> usize {
                self.cols
            }
            /// Distance between rows, in elements.
            pub fn row_stride(&self) -> usize {
                self.rs
            }
            /// Distance between columns, in elements.
            pub fn col_stride(&self) -> usize {
                self.cs
            }
            /// Whether rows are contiguous (`col_stride == 1`).
            pub fn is_row_contiguous(&self) -> bool {
                self.cs == 1 || self.cols <= 1
            }
            /// The slice index of element `(i, j)`, or `None` outside the view.
            fn offset(&self, i: usize, j: usize) -> Option<usize> {
                (i < self.rows && j < self.cols).then(|| i * self.rs + j * self.cs)
            }
        }
    };
}

/// A read-only, validated view of a `rows × cols` matrix inside a slice:
/// element `(i, j)` is `data[i * row_stride + j * col_stride]`.
///
/// ```
/// use lowp::MatRef;
/// let data = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
/// let a = MatRef::row_major(&data, 2, 3)?;
/// assert_eq!(a.get(1, 2), Some(&6.0));
/// assert_eq!(a.t().get(2, 1), Some(&6.0)); // transpose: swapped strides
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

/// A mutable, validated view of a `rows × cols` matrix inside a slice, whose
/// elements are pairwise distinct (no self-overlap).
#[derive(Debug)]
pub struct MatMut<'a, T> {
    data: &'a mut [T],
    rows: usize,
    cols: usize,
    rs: usize,
    cs: usize,
}

view_methods!(MatRef, "view", refusals: "");
view_methods!(
    MatMut,
    "mutable view",
    refusals: ", or two elements share an address",
    extra_check: check_no_self_overlap,
    slice: mut
);

impl<'a, T> MatRef<'a, T> {
    /// The underlying slice.
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }
    /// Element `(i, j)`, or `None` outside the view.
    pub fn get(&self, i: usize, j: usize) -> Option<&'a T> {
        self.offset(i, j).map(|o| &self.data[o])
    }
    /// Element `(i, j)`. Panics outside the view (a programming error in lowp itself).
    #[inline]
    pub(crate) fn at(&self, i: usize, j: usize) -> &'a T {
        &self.data[i * self.rs + j * self.cs]
    }
}

impl<'a, T> MatMut<'a, T> {
    /// A shorter-lived mutable view of the same elements.
    pub fn rb_mut(&mut self) -> MatMut<'_, T> {
        MatMut {
            data: self.data,
            rows: self.rows,
            cols: self.cols,
            rs: self.rs,
            cs: self.cs,
        }
    }

    /// A read-only view of the same elements.
    pub fn as_ref(&self) -> MatRef<'_, T> {
        MatRef {
            data: self.data,
            rows: self.rows,
            cols: self.cols,
            rs: self.rs,
            cs: self.cs,
        }
    }

    /// Element `(i, j)`, or `None` outside the view.
    pub fn get(&self, i: usize, j: usize) -> Option<&T> {
        self.offset(i, j).map(|o| &self.data[o])
    }
    /// Mutable element `(i, j)`, or `None` outside the view.
    pub fn get_mut(&mut self, i: usize, j: usize) -> Option<&mut T> {
        self.offset(i, j).map(|o| &mut self.data[o])
    }
    /// Mutable element `(i, j)`. Panics outside the view (a bug in lowp itself).
    #[inline]
    pub(crate) fn at_mut(&mut self, i: usize, j: usize) -> &mut T {
        &mut self.data[i * self.rs + j * self.cs]
    }
    /// Raw pointer to element (0, 0) for kernel calls; valid for every
    /// in-view index by construction.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut T {
        self.data.as_mut_ptr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_checked() {
        let v = vec![0f32; 6];
        assert!(MatRef::row_major(&v, 2, 3).is_ok());
        let e = MatRef::named("b", &v, 2, 4, 4, 1).unwrap_err();
        assert_eq!(
            e,
            Error::BufferTooSmall {
                arg: "b",
                needed: 8,
                len: 6
            }
        );
        assert!(e.to_string().contains("b is too short"));
        // Empty views need nothing.
        assert!(MatRef::<f32>::row_major(&[], 0, 5).is_ok());
        assert!(MatRef::<f32>::new(&[], 5, 0, 0, 0).is_ok());
    }

    #[test]
    fn stride_overflow_is_an_error() {
        let v = vec![0u8; 4];
        let e = MatRef::named("a", &v, 3, 3, usize::MAX / 2, 1).unwrap_err();
        assert!(matches!(e, Error::Overflow { arg: "a", .. }), "{e}");
        let e = MatRef::named("a", &v, 2, 1, isize::MAX as usize + 1, 1).unwrap_err();
        assert!(
            matches!(e, Error::InvalidStride { arg: "a", .. } | Error::Overflow { .. }),
            "{e}"
        );
    }

    #[test]
    fn transpose_swaps_strides() {
        let v: Vec<i32> = (0..6).collect();
        let a = MatRef::row_major(&v, 2, 3).unwrap();
        let t = a.t();
        assert_eq!((t.rows(), t.cols(), t.row_stride(), t.col_stride()), (3, 2, 1, 3));
        for i in 0..2 {
            for j in 0..3 {
                assert_eq!(a.get(i, j), t.get(j, i));
            }
        }
        assert_eq!(a.get(2, 0), None);
    }

    #[test]
    fn self_overlap_is_refused() {
        let mut v = vec![0f32; 100];
        assert!(MatMut::named("c", &mut v, 4, 4, 4, 1).is_ok());
        assert!(MatMut::named("c", &mut v, 4, 4, 1, 4).is_ok());
        let e = MatMut::named("c", &mut v, 4, 4, 2, 1).unwrap_err();
        assert!(matches!(e, Error::InvalidStride { arg: "c", .. }), "{e}");
        assert!(MatMut::named("c", &mut v, 4, 4, 0, 1).is_err());
        assert!(MatMut::named("c", &mut v, 4, 1, 0, 1).is_err());
        // Strides over an extent-1 dimension do not matter.
        assert!(MatMut::named("c", &mut v, 1, 4, 0, 1).is_ok());
        assert!(MatMut::named("c", &mut v, 4, 1, 1, 0).is_ok());
    }

    /// Regression (issue 20): an empty view addresses nothing and never
    /// overlaps itself, whatever its strides (`row_major(&mut [], m, 0)`
    /// has row stride 0 and used to be refused).
    #[test]
    fn empty_views_never_overlap() {
        for (r, c) in [(5, 0), (0, 5), (0, 0), (1, 0)] {
            assert!(MatMut::<f32>::row_major(&mut [], r, c).is_ok(), "{r}x{c}");
            assert!(MatMut::<f32>::col_major(&mut [], r, c).is_ok(), "{r}x{c}");
            assert!(MatMut::<f32>::new(&mut [], r, c, 0, 0).is_ok(), "{r}x{c}");
        }
        let mut v = [0f32; 4];
        assert!(MatMut::row_major(&mut v, 2, 2).is_ok());
        assert!(MatMut::new(&mut v, 2, 2, 0, 1).is_err());
    }
}
