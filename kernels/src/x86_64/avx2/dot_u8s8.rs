//! `dot_u8s8_avx2`: exact inner product of a u8 vector with an s8 vector (AVX2 + FMA + F16C, widen to i16 + `pmaddwd`).

with_level! { avx2 => int_reduce_kernel! {
    /// Exact inner product of a u8 vector with an s8 vector (wrapping i32: exact when the true sum fits in i32).
    dot_u8s8_avx2, vec_avx2, u8 x i8, dot
}}
