//! `dot_bf16_avx512bf16`: Inner product `Σ a[i]·b[i]` of two bf16 vectors (raw bits), on `vdpbf16ps`.

bf16_dp_kernel!(
    /// Inner product `Σ a[i]·b[i]` of two bf16 vectors (raw bits), accumulated in f32 by `vdpbf16ps` (subnormal inputs read as zero).
    dot_bf16_avx512bf16,
    dot
);
