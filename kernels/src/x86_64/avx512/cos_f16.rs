//! `cos_f16_avx512`: the three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass, IEEE f16 (raw bits) elements, AVX-512 F/BW/VL/DQ.

float_reduce_kernel!(
    /// The three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass over `n` IEEE f16 (raw bits) elements, accumulated in f32 (AVX-512 F/BW/VL/DQ).
    cos_f16_avx512,
    "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq",
    vec_avx512,
    u16,
    load_f16,
    load_f16_tail,
    cos
);
