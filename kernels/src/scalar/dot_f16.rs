//! `dot_f16_scalar`: inner product `Σ a[i]·b[i]`, IEEE f16 (raw bits) elements, portable.

scalar_float_reduce!(
    /// Inner product `Σ a[i]·b[i]` over `n` IEEE f16 (raw bits) elements, accumulated in f32 over eight lanes.
    dot_f16_scalar,
    u16,
    super::dot_common::f16_to_f32,
    dot
);
