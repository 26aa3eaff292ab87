//! `cos_bf16_avx2`: the three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass, bf16 (raw bits) elements, AVX2 + FMA + F16C.

float_reduce_kernel!(
    /// The three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass over `n` bf16 (raw bits) elements, accumulated in f32 (AVX2 + FMA + F16C).
    cos_bf16_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2,
    u16,
    load_bf16,
    load_bf16_tail,
    cos
);
