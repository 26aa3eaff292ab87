//! Raw-pointer entry points with the argument order of the `matrixmultiply`
//! crate, so code built on it can switch by changing one import:
//! `use matrixmultiply::sgemm;` → `use lowp::raw::sgemm;`.

use crate::mat::{needed_len, MatMut, MatRef};
use crate::Context;
use std::sync::OnceLock;

/// The Context the raw entry points use: [`Context::default`] (the
/// environment's ISA cap and thread count), built on first use.
pub fn default_context() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(Context::default)
}

/// Copies a strided matrix with possibly negative strides into a dense
/// row-major vector.
///
/// # Safety
/// Every element `p[i·rs + j·cs]`, `i < rows`, `j < cols`, is readable.
unsafe fn gather(p: *const f32, rows: usize, cols: usize, rs: isize, cs: isize) -> Vec<f32> {
    let mut v = Vec::with_capacity(rows * cols);
    for i in 0..rows {
        for j in 0..cols {
            // SAFETY: the caller guarantees this element is readable.
            v.push(unsafe { *p.offset(i as isize * rs + j as isize * cs) });
        }
    }
    v
}

/// A `rows × cols` input operand `arg` at `p` as a view: empty without
/// reading `p` when a dimension is 0, a dense row-major copy in `own` for
/// negative strides (rare; allocates), else the strided span in place.
///
/// # Safety
/// Every element `p[i·rs + j·cs]` is readable; with non-negative strides
/// the span from the first to the last is one allocation, alive for `'o`.
unsafe fn input_view<'o>(
    arg: &'static str,
    p: *const f32,
    rows: usize,
    cols: usize,
    rs: isize,
    cs: isize,
    own: &'o mut Vec<f32>,
) -> MatRef<'o, f32> {
    if rows == 0 || cols == 0 {
        return MatRef::named(arg, &[], rows, cols, 0, 0).expect("empty view");
    }
    if rs < 0 || cs < 0 {
        // SAFETY: the caller guarantees every element is readable.
        *own = unsafe { gather(p, rows, cols, rs, cs) };
        return MatRef::named(arg, own, rows, cols, cols, 1).expect("dense copy");
    }
    let (rs, cs) = (rs as usize, cs as usize);
    let len = needed_len(arg, rows, cols, rs, cs).unwrap_or_else(|e| panic!("lowp::raw::sgemm: {e}"));
    // SAFETY: the caller guarantees the span is one readable allocation.
    let s = unsafe { std::slice::from_raw_parts(p, len) };
    MatRef::named(arg, s, rows, cols, rs, cs).unwrap_or_else(|e| panic!("lowp::raw::sgemm: {e}"))
}

/// `C ← alpha·A·B + beta·C` for an `m × k` A, `k × n` B and `m × n` C given
/// by pointers and element strides (negative strides allowed), exactly the
/// signature and semantics of `matrixmultiply::sgemm`, computed by
/// [`crate::sgemm`] on [`default_context`]. With `beta == 0`, C is not read.
///
/// # Safety
///
/// As for `matrixmultiply::sgemm`: every element `a[i·rsa + p·csa]`,
/// `b[p·rsb + j·csb]` is readable and `c[i·rsc + j·csc]` readable and
/// writable; C's elements are pairwise distinct. In addition (lowp views the
/// operands as slices), with non-negative strides the span from an operand's
/// first to its last element must be one allocation, and C's span must not
/// overlap A's or B's.
///
/// # Panics
///
/// If C's strides make two of its elements share an address (the
/// precondition above), or an operand's extent overflows the address space
/// — with a message naming the operand.
#[allow(clippy::too_many_arguments)]
pub unsafe fn sgemm(
    m: usize,
    k: usize,
    n: usize,
    alpha: f32,
    a: *const f32,
    rsa: isize,
    csa: isize,
    b: *const f32,
    rsb: isize,
    csb: isize,
    beta: f32,
    c: *mut f32,
    rsc: isize,
    csc: isize,
) {
    if m == 0 || n == 0 {
        return;
    }
    let ctx = default_context();
    let neg = |s: isize| s < 0;
    let (mut a_own, mut b_own) = (Vec::new(), Vec::new());
    // SAFETY: the caller guarantees A's and B's elements are readable and,
    // with non-negative strides, their spans are single allocations.
    let a_view = unsafe { input_view("a", a, m, k, rsa, csa, &mut a_own) };
    // SAFETY: as above.
    let b_view = unsafe { input_view("b", b, k, n, rsb, csb, &mut b_own) };
    if neg(rsc) || neg(csc) {
        // SAFETY: the caller guarantees every element of C is readable.
        let mut dense = if beta == 0.0 {
            vec![0.0; m * n]
        } else {
            unsafe { gather(c, m, n, rsc, csc) }
        };
        let cm = MatMut::row_major(&mut dense, m, n).expect("dense copy");
        crate::sgemm(ctx, alpha, a_view, b_view, beta, cm).expect("shapes agree by construction");
        for i in 0..m {
            for j in 0..n {
                // SAFETY: the caller guarantees every element of C is writable.
                unsafe { *c.offset(i as isize * rsc + j as isize * csc) = dense[i * n + j] };
            }
        }
        return;
    }
    let len = needed_len("c", m, n, rsc as usize, csc as usize).expect("c's strides overflow");
    // SAFETY: the caller guarantees C's span is one writable allocation that
    // overlaps neither A's nor B's span.
    let s = unsafe { std::slice::from_raw_parts_mut(c, len) };
    let cm = match MatMut::named("c", s, m, n, rsc as usize, csc as usize) {
        Ok(cm) => cm,
        Err(e) => panic!("lowp::raw::sgemm: {e}"),
    };
    crate::sgemm(ctx, alpha, a_view, b_view, beta, cm).expect("shapes agree by construction");
}
