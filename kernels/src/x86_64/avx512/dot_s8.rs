//! `dot_s8_avx512`: exact inner product of two s8 vectors (AVX-512 F/BW/VL/DQ, widen to i16 + `pmaddwd`).

with_level! { avx512 => int_reduce_kernel! {
    /// Exact inner product of two s8 vectors (wrapping i32: exact when the true sum fits in i32).
    dot_s8_avx512, vec_avx512, i8 x i8, dot
}}
