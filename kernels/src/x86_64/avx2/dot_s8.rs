//! `dot_s8_avx2`: exact inner product of two s8 vectors (AVX2 + FMA + F16C, widen to i16 + `pmaddwd`).

int_reduce_kernel!(
    /// Exact inner product of two s8 vectors (wrapping i32: exact when the true sum fits in i32).
    dot_s8_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2,
    i8,
    ext_s8,
    ext_s8_tail,
    i8,
    ext_s8,
    ext_s8_tail,
    dot
);
