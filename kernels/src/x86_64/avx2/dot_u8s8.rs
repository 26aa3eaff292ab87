//! `dot_u8s8_avx2`: exact inner product of a u8 vector with an s8 vector (AVX2 + FMA + F16C, widen to i16 + `pmaddwd`).

int_reduce_kernel!(
    /// Exact inner product of a u8 vector with an s8 vector (wrapping i32: exact when the true sum fits in i32).
    dot_u8s8_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2,
    u8,
    ext_u8,
    ext_u8_tail,
    i8,
    ext_s8,
    ext_s8_tail,
    dot
);
