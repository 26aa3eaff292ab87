//! `l2sq_f32_scalar`: squared Euclidean distance `Σ (a[i] − b[i])²`, f32 elements, portable.

scalar_float_reduce!(
    /// Squared Euclidean distance `Σ (a[i] − b[i])²` over `n` f32 elements, accumulated in f32 over eight lanes.
    l2sq_f32_scalar,
    f32,
    super::dot_common::f32_to_f32,
    l2
);
