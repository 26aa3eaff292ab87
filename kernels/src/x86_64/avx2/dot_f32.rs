//! `dot_f32_avx2`: inner product `Σ a[i]·b[i]`, f32 elements, AVX2 + FMA + F16C.

float_reduce_kernel!(
    /// Inner product `Σ a[i]·b[i]` over `n` f32 elements, accumulated in f32 (AVX2 + FMA + F16C).
    dot_f32_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2,
    f32,
    load_f32,
    load_f32_tail,
    dot
);
