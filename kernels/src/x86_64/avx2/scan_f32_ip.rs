//! `scan_f32_ip_avx2`: one f32 query against many rows, inner product (AVX2 + FMA + F16C).

scan_f32_ip_kernel!(
    /// One f32 query against `rows` database rows: inner products (AVX2 + FMA + F16C).
    scan_f32_ip_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2
);
