//! `dot_u8s8_avx512vnni`: Exact inner product of a u8 vector with an s8 vector (`vpdpbusd`).

vnni_dot_kernel!(
    /// Exact inner product of a u8 vector with an s8 vector (`vpdpbusd`); wrapping i32, exact when the true sum fits in i32.
    dot_u8s8_avx512vnni,
    u8,
    i8,
    u8s8
);
