//! `l2sq_bf16_scalar`: squared Euclidean distance `Σ (a[i] − b[i])²`, bf16 (raw bits) elements, portable.

scalar_float_reduce!(
    /// Squared Euclidean distance `Σ (a[i] − b[i])²` over `n` bf16 (raw bits) elements, accumulated in f32 over eight lanes.
    l2sq_bf16_scalar,
    u16,
    super::dot_common::bf16_to_f32,
    l2
);
