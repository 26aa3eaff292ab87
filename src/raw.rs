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
    // Negative strides: gather into dense row-major copies (rare; allocates).
    let (a_own, b_own);
    let a_view: MatRef<'_, f32> = if k == 0 {
        MatRef::row_major(&[], m, 0).expect("empty view")
    } else if neg(rsa) || neg(csa) {
        // SAFETY: the caller guarantees every element of A is readable.
        a_own = unsafe { gather(a, m, k, rsa, csa) };
        MatRef::row_major(&a_own, m, k).expect("dense copy")
    } else {
        let len = needed_len("a", m, k, rsa as usize, csa as usize).expect("a's strides overflow");
        // SAFETY: the caller guarantees A's span is one readable allocation.
        let s = unsafe { std::slice::from_raw_parts(a, len) };
        MatRef::named("a", s, m, k, rsa as usize, csa as usize).expect("a view")
    };
    let b_view: MatRef<'_, f32> = if k == 0 {
        MatRef::row_major(&[], 0, n).expect("empty view")
    } else if neg(rsb) || neg(csb) {
        // SAFETY: the caller guarantees every element of B is readable.
        b_own = unsafe { gather(b, k, n, rsb, csb) };
        MatRef::row_major(&b_own, k, n).expect("dense copy")
    } else {
        let len = needed_len("b", k, n, rsb as usize, csb as usize).expect("b's strides overflow");
        // SAFETY: the caller guarantees B's span is one readable allocation.
        let s = unsafe { std::slice::from_raw_parts(b, len) };
        MatRef::named("b", s, k, n, rsb as usize, csb as usize).expect("b view")
    };
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
