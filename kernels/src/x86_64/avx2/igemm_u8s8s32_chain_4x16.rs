//! AVX2 chain: `vpmaddubsw` (u8×s8 pairs → s16, saturating) + `vpmaddwd`
//! with ones (→ s32) + `vpaddd`. 4 rows × 16 columns (16 ymm registers).

igemm_dot_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 4×16, AVX2
    /// `vpmaddubsw`+`vpmaddwd`+`vpaddd`. Each pair of products saturates to
    /// s16: exact only on panels whose pairs cannot leave s16.
    /// Contract: [`crate::igemm_ukernel`].
    name: igemm_u8s8s32_chain_4x16_avx2,
    level: avx2,
    step: crate::x86_64::igemm_ops::Chain256,
    mr: 4,
    nr: 16,
    rows: [1 => 4, 2 => 2, 3 => 1, 4 => 1],
}
