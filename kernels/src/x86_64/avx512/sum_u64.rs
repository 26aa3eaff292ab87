//! `sum_u64_avx512`: wrapping sum of a u64 buffer, the read-bandwidth probe (AVX-512 F/BW/VL/DQ).

sum_u64_kernel!(
    /// Wrapping sum of `n` u64: reads every byte once (read-bandwidth probe, AVX-512 F/BW/VL/DQ).
    sum_u64_avx512,
    "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq",
    vec_avx512
);
