//! f32 → bf16 slice conversion for the avx512 level (the portable rounding,
//! vectorized by the compiler for this level's features).

convert_f32_to_bf16_kernel! {
    /// f32 → bf16 slice conversion, avx512.
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")]
    fn convert_f32_to_bf16_avx512;
}
