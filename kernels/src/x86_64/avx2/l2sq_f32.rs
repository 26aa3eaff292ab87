//! `l2sq_f32_avx2`: squared Euclidean distance `Σ (a[i] − b[i])²`, f32 elements, AVX2 + FMA + F16C.

float_reduce_kernel!(
    /// Squared Euclidean distance `Σ (a[i] − b[i])²` over `n` f32 elements, accumulated in f32 (AVX2 + FMA + F16C).
    l2sq_f32_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2,
    f32,
    load_f32,
    load_f32_tail,
    l2
);
