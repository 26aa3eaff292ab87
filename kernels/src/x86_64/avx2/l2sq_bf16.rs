//! `l2sq_bf16_avx2`: squared Euclidean distance `Σ (a[i] − b[i])²`, bf16 (raw bits) elements, AVX2 + FMA + F16C.

float_reduce_kernel!(
    /// Squared Euclidean distance `Σ (a[i] − b[i])²` over `n` bf16 (raw bits) elements, accumulated in f32 (AVX2 + FMA + F16C).
    l2sq_bf16_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2,
    u16,
    load_bf16,
    load_bf16_tail,
    l2
);
