//! `dot_s8_scalar`: exact inner product of two s8 vectors, portable.

scalar_int_reduce!(
    /// Exact inner product of two s8 vectors (wrapping i32: exact when the true sum fits in i32).
    dot_s8_scalar,
    i8,
    i8,
    dot
);
