//! `cos_f32_scalar`: the three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass, f32 elements, portable.

scalar_float_reduce!(
    /// The three sums cosine needs, `[Σ a·b, Σ a·a, Σ b·b]`, in one pass over `n` f32 elements, accumulated in f32 over eight lanes.
    cos_f32_scalar,
    f32,
    super::dot_common::f32_to_f32,
    cos
);
