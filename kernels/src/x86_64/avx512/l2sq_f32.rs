//! `l2sq_f32_avx512`: squared Euclidean distance `Σ (a[i] − b[i])²`, f32 elements, AVX-512 F/BW/VL/DQ.

float_reduce_kernel!(
    /// Squared Euclidean distance `Σ (a[i] − b[i])²` over `n` f32 elements, accumulated in f32 (AVX-512 F/BW/VL/DQ).
    l2sq_f32_avx512,
    "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq",
    vec_avx512,
    f32,
    load_f32,
    load_f32_tail,
    l2
);
