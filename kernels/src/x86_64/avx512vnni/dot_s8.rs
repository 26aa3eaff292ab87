//! `dot_s8_avx512vnni`: Exact inner product of two s8 vectors (`vpdpbusd` with the +128 shift on `a` and a `Σb` correction).

vnni_dot_kernel!(
    /// Exact inner product of two s8 vectors (`vpdpbusd` with the +128 shift on `a` and a `Σb` correction); wrapping i32, exact when the true sum fits in i32.
    dot_s8_avx512vnni,
    i8,
    i8,
    s8s8
);
