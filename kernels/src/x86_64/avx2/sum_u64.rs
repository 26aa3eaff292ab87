//! `sum_u64_avx2`: wrapping sum of a u64 buffer, the read-bandwidth probe (AVX2 + FMA + F16C).

sum_u64_kernel!(
    /// Wrapping sum of `n` u64: reads every byte once (read-bandwidth probe, AVX2 + FMA + F16C).
    sum_u64_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2
);
