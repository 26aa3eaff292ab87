//! `cos_bf16_avx512bf16`: The three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, of two bf16 vectors (raw bits), on `vdpbf16ps`.

bf16_dp_kernel!(
    /// The three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, of two bf16 vectors (raw bits), accumulated in f32 by `vdpbf16ps` (subnormal inputs read as zero).
    cos_bf16_avx512bf16,
    cos
);
