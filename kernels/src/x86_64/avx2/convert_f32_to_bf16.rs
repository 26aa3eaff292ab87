//! f32 → bf16 slice conversion for the avx2 level (the portable rounding,
//! vectorized by the compiler for this level's features).

convert_f32_to_bf16_kernel! {
    /// f32 → bf16 slice conversion, avx2.
    #[target_feature(enable = "avx2,fma")]
    fn convert_f32_to_bf16_avx2;
}
