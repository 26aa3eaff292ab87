//! `dot_bf16_scalar`: inner product `Σ a[i]·b[i]`, bf16 (raw bits) elements, portable.

scalar_float_reduce!(
    /// Inner product `Σ a[i]·b[i]` over `n` bf16 (raw bits) elements, accumulated in f32 over eight lanes.
    dot_bf16_scalar,
    u16,
    super::dot_common::bf16_to_f32,
    dot
);
