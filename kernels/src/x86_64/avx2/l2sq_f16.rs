//! `l2sq_f16_avx2`: squared Euclidean distance `Σ (a[i] − b[i])²`, IEEE f16 (raw bits) elements, AVX2 + FMA + F16C.

float_reduce_kernel!(
    /// Squared Euclidean distance `Σ (a[i] − b[i])²` over `n` IEEE f16 (raw bits) elements, accumulated in f32 (AVX2 + FMA + F16C).
    l2sq_f16_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2,
    u16,
    load_f16,
    load_f16_tail,
    l2
);
