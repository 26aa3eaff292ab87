//! `l2sq_f16_avx512`: squared Euclidean distance `Σ (a[i] − b[i])²`, IEEE f16 (raw bits) elements, AVX-512 F/BW/VL/DQ.

float_reduce_kernel!(
    /// Squared Euclidean distance `Σ (a[i] − b[i])²` over `n` IEEE f16 (raw bits) elements, accumulated in f32 (AVX-512 F/BW/VL/DQ).
    l2sq_f16_avx512,
    "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq",
    vec_avx512,
    u16,
    load_f16,
    load_f16_tail,
    l2
);
