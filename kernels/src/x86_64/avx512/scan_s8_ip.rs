//! `scan_s8_ip_avx512`: one s8 query against many s8 rows, exact inner
//! products (AVX-512 F/BW/VL/DQ: `vpmovsxbw` + `vpmaddwd`).

scan_s8_ip_kernel!(
    /// One s8 query against `rows` s8 database rows: exact inner products (AVX-512 F/BW/VL/DQ).
    scan_s8_ip_avx512,
    "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq",
    vec_avx512
);
