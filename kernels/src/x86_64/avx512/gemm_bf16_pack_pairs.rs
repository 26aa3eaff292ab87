//! Pair packer for the BF16 GEMM's B panels, avx512 (vectorized by the compiler).

gemm_bf16_pack_pairs_kernel! {
    /// Interleaves two bf16 rows into pairs, avx512.
    #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")]
    fn gemm_bf16_pack_pairs_avx512;
}
