//! `dot_u8_scalar`: exact inner product of two u8 vectors, portable.

scalar_int_reduce!(
    /// Exact inner product of two u8 vectors (wrapping i32: exact when the true sum fits in i32).
    dot_u8_scalar,
    u8,
    u8,
    dot
);
