//! `dot_s8_avx512`: exact inner product of two s8 vectors (AVX-512 F/BW/VL/DQ, widen to i16 + `pmaddwd`).

int_reduce_kernel!(
    /// Exact inner product of two s8 vectors (wrapping i32: exact when the true sum fits in i32).
    dot_s8_avx512,
    "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq",
    vec_avx512,
    i8,
    ext_s8,
    ext_s8_tail,
    i8,
    ext_s8,
    ext_s8_tail,
    dot
);
