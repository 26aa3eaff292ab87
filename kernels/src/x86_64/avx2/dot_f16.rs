//! `dot_f16_avx2`: inner product `Σ a[i]·b[i]`, IEEE f16 (raw bits) elements, AVX2 + FMA + F16C.

float_reduce_kernel!(
    /// Inner product `Σ a[i]·b[i]` over `n` IEEE f16 (raw bits) elements, accumulated in f32 (AVX2 + FMA + F16C).
    dot_f16_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2,
    u16,
    load_f16,
    load_f16_tail,
    dot
);
