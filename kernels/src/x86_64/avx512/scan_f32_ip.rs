//! `scan_f32_ip_avx512`: one f32 query against many rows, inner product (AVX-512 F/BW/VL/DQ).

scan_f32_ip_kernel!(
    /// One f32 query against `rows` database rows: inner products (AVX-512 F/BW/VL/DQ).
    scan_f32_ip_avx512,
    "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq",
    vec_avx512
);
