//! `dot_f32_scalar`: inner product `Σ a[i]·b[i]`, f32 elements, portable.

scalar_float_reduce!(
    /// Inner product `Σ a[i]·b[i]` over `n` f32 elements, accumulated in f32 over eight lanes.
    dot_f32_scalar,
    f32,
    super::dot_common::f32_to_f32,
    dot
);
