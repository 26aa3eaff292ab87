//! bf16 → f32 slice conversion for the avx512 level (vectorized by the compiler).

convert_bf16_to_f32_kernel! {
    /// bf16 → f32 slice conversion, avx512.
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")]
    fn convert_bf16_to_f32_avx512;
}
