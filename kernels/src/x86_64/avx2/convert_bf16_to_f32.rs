//! bf16 → f32 slice conversion for the avx2 level (vectorized by the compiler).

convert_bf16_to_f32_kernel! {
    /// bf16 → f32 slice conversion, avx2.
    #[target_feature(enable = "avx2,fma")]
    fn convert_bf16_to_f32_avx2;
}
