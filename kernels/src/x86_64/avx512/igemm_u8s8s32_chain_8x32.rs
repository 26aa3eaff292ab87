//! AVX-512BW chain: `vpmaddubsw` (u8×s8 pairs → s16, saturating) +
//! `vpmaddwd` with ones (→ s32) + `vpaddd`. 8 rows × 32 columns.

igemm_dot_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 8×32, AVX-512BW
    /// `vpmaddubsw`+`vpmaddwd`+`vpaddd`. Each pair of products
    /// `a[2p]·b[2p] + a[2p+1]·b[2p+1]` saturates to s16: exact only on
    /// panels whose pairs cannot leave s16. Contract: [`crate::igemm_ukernel`].
    name: igemm_u8s8s32_chain_8x32_avx512,
    level: avx512,
    step: crate::x86_64::igemm_ops::Chain512,
    mr: 8,
    nr: 32,
    rows: [1 => 4, 2 => 2, 3 => 2, 4 => 1, 5 => 1, 6 => 1, 7 => 1, 8 => 1],
}
