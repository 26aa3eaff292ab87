//! `cos_f32_avx512`: the three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass, f32 elements, AVX-512 F/BW/VL/DQ.

float_reduce_kernel!(
    /// The three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass over `n` f32 elements, accumulated in f32 (AVX-512 F/BW/VL/DQ).
    cos_f32_avx512,
    "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq",
    vec_avx512,
    f32,
    load_f32,
    load_f32_tail,
    cos
);
