//! `dot_s8_avx2`: exact inner product of two s8 vectors (AVX2 + FMA + F16C, widen to i16 + `pmaddwd`).

with_level! { avx2 => int_reduce_kernel! {
    /// Exact inner product of two s8 vectors (wrapping i32: exact when the true sum fits in i32).
    dot_s8_avx2, vec_avx2, i8 x i8, dot
}}
