//! `vpdpbusd` ymm (EVEX, AVX-512VL): 6 rows × 32 columns, 24 ymm
//! accumulators, on the same 32-column panels as the zmm kernel (whose
//! fused requantizing and dequantizing epilogues it shares, on its rows
//! widened to two zmm each). The level runs it for one-row calls: there
//! its 256-bit loads stream the weights faster than 512-bit ones.

igemm_dot_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 6×32, AVX-512 VNNI `vpdpbusd` ymm
    /// (EVEX, 32 registers). Exact. Contract: [`crate::igemm_ukernel`].
    name: igemm_u8s8s32_6x32_avx512vnni_ymm,
    level: avx512vnni,
    step: crate::x86_64::igemm_ops::Vpdpbusd256,
    mr: 6,
    nr: 32,
    rows: [1 => 2, 2 => 1, 3 => 1, 4 => 1, 5 => 1, 6 => 1],
    q8:
        /// [`igemm_u8s8s32_6x32_avx512vnni_ymm`] with the requantizing output
        /// fused into its epilogue (`TileRequant`), no s32 tile in between.
        igemm_u8s8s32_6x32_avx512vnni_ymm_q8,
    f32:
        /// [`igemm_u8s8s32_6x32_avx512vnni_ymm`] with the dequantizing output
        /// fused into its epilogue (`TileDequant`), no s32 tile in between.
        igemm_u8s8s32_6x32_avx512vnni_ymm_f32,
    q8_fixed:
        /// [`igemm_u8s8s32_6x32_avx512vnni_ymm`] with the fixed-point (gemmlowp / TFLite)
        /// requantizing output fused into its epilogue (`TileRequantFixed`).
        igemm_u8s8s32_6x32_avx512vnni_ymm_q8_fixed,
}
