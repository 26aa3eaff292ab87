//! `cos_f32_avx2`: the three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass, f32 elements, AVX2 + FMA + F16C.

float_reduce_kernel!(
    /// The three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass over `n` f32 elements, accumulated in f32 (AVX2 + FMA + F16C).
    cos_f32_avx2,
    "avx,avx2,fma,f16c",
    vec_avx2,
    f32,
    load_f32,
    load_f32_tail,
    cos
);
