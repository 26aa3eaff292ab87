//! `l2sq_s8_scalar`: exact squared Euclidean distance of two s8 vectors, portable.

scalar_int_reduce!(
    /// Exact squared Euclidean distance of two s8 vectors (wrapping i32: exact when the true sum fits in i32).
    l2sq_s8_scalar,
    i8,
    i8,
    l2
);
