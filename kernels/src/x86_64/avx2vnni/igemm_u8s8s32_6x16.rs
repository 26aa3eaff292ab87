//! AVX-VNNI (VEX `vpdpbusd` ymm, 16 registers): 6 rows × 16 columns,
//! 12 ymm accumulators.

igemm_dot_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 6×16, AVX-VNNI `vpdpbusd` ymm
    /// (VEX). Exact. Contract: [`crate::igemm_ukernel`].
    name: igemm_u8s8s32_6x16_avx2vnni,
    level: avx2vnni,
    step: crate::x86_64::igemm_ops::VpdpbusdVex256,
    mr: 6,
    nr: 16,
    rows: [1 => 4, 2 => 2, 3 => 2, 4 => 1, 5 => 1, 6 => 1],
}
