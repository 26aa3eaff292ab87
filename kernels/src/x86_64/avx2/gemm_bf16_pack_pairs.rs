//! Pair packer for the BF16 GEMM's B panels, avx2 (vectorized by the compiler).

gemm_bf16_pack_pairs_kernel! {
    /// Interleaves two bf16 rows into pairs, avx2.
    #[target_feature(enable = "avx2,fma")]
    fn gemm_bf16_pack_pairs_avx2;
}
