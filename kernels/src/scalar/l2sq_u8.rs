//! `l2sq_u8_scalar`: exact squared Euclidean distance of two u8 vectors, portable.

scalar_int_reduce!(
    /// Exact squared Euclidean distance of two u8 vectors (wrapping i32: exact when the true sum fits in i32).
    l2sq_u8_scalar,
    u8,
    u8,
    l2
);
