//! Pair packer for the BF16 GEMM's B panels, portable.

gemm_bf16_pack_pairs_kernel! {
    /// Interleaves two bf16 rows into pairs, portable Rust.
    fn gemm_bf16_pack_pairs_scalar;
}
