//! `dot_bf16_avx2`: inner product `Σ a[i]·b[i]`, bf16 (raw bits) elements, AVX2 + FMA + F16C.

float_reduce_kernel!(
    /// Inner product `Σ a[i]·b[i]` over `n` bf16 (raw bits) elements, accumulated in f32 (AVX2 + FMA + F16C).
    dot_bf16_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2,
    u16,
    load_bf16,
    load_bf16_tail,
    dot
);
