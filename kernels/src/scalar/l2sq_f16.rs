//! `l2sq_f16_scalar`: squared Euclidean distance `Σ (a[i] − b[i])²`, IEEE f16 (raw bits) elements, portable.

scalar_float_reduce!(
    /// Squared Euclidean distance `Σ (a[i] − b[i])²` over `n` IEEE f16 (raw bits) elements, accumulated in f32 over eight lanes.
    l2sq_f16_scalar,
    u16,
    super::dot_common::f16_to_f32,
    l2
);
