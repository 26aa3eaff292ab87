//! `dot_u8_avx512vnni`: Exact inner product of two u8 vectors (`vpdpbusd` with the −128 shift on `b` and a `Σa` correction).

vnni_dot_kernel!(
    /// Exact inner product of two u8 vectors (`vpdpbusd` with the −128 shift on `b` and a `Σa` correction); wrapping i32, exact when the true sum fits in i32.
    dot_u8_avx512vnni,
    u8,
    u8,
    u8u8
);
