//! `l2sq_u8_avx512`: exact squared Euclidean distance of two u8 vectors (AVX-512 F/BW/VL/DQ, widen to i16 + `pmaddwd`).

int_reduce_kernel!(
    /// Exact squared Euclidean distance of two u8 vectors (wrapping i32: exact when the true sum fits in i32).
    l2sq_u8_avx512,
    "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq",
    vec_avx512,
    u8,
    ext_u8,
    ext_u8_tail,
    u8,
    ext_u8,
    ext_u8_tail,
    l2
);
