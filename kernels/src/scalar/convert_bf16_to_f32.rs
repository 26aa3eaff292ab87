//! bf16 → f32 slice conversion, portable.

convert_bf16_to_f32_kernel! {
    /// bf16 → f32 slice conversion, portable Rust.
    fn convert_bf16_to_f32_scalar;
}
