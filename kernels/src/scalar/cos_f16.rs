//! `cos_f16_scalar`: the three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass, IEEE f16 (raw bits) elements, portable.

scalar_float_reduce!(
    /// The three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass over `n` IEEE f16 (raw bits) elements, accumulated in f32 over eight lanes.
    cos_f16_scalar,
    u16,
    super::dot_common::f16_to_f32,
    cos
);
