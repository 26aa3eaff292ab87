//! `dot_u8s8_scalar`: exact inner product of a u8 vector with an s8 vector, portable.

scalar_int_reduce!(
    /// Exact inner product of a u8 vector with an s8 vector (wrapping i32: exact when the true sum fits in i32).
    dot_u8s8_scalar,
    u8,
    i8,
    dot
);
