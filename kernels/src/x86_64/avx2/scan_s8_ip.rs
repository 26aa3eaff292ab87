//! `scan_s8_ip_avx2`: one s8 query against many s8 rows, exact inner
//! products (AVX2: `vpmovsxbw` + `vpmaddwd`).

scan_s8_ip_kernel!(
    /// One s8 query against `rows` s8 database rows: exact inner products (AVX2 + FMA + F16C).
    scan_s8_ip_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2
);
