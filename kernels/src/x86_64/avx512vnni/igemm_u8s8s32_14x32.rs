//! `vpdpbusd` zmm: 14 rows × 32 columns, 28 zmm accumulators, A broadcast
//! as 32-bit groups (embedded broadcast), 64 MACs per instruction. Tiles of
//! 5 rows or more prefetch the B panel 256 bytes (2 k-groups) ahead, tiles
//! of 4 to 8 rows the next panel into L2. A second entry writes C with
//! streaming stores, two more requantize to 8 bits or dequantize to f32 in
//! their epilogue.

igemm_dot_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 14×32, AVX-512 VNNI `vpdpbusd` zmm.
    /// Exact (no saturation). Contract: [`crate::igemm_ukernel`].
    name: igemm_u8s8s32_14x32_avx512vnni,
    level: avx512vnni,
    step: crate::x86_64::igemm_ops::Vpdpbusd512,
    mr: 14,
    nr: 32,
    rows: [1 => 4, 2 => 2, 3 => 2, 4 => 2, 5 => 1, 6 => 1, 7 => 1, 8 => 1, 9 => 1, 10 => 1,
           11 => 1, 12 => 1, 13 => 1, 14 => 1],
    prefetch_b: { ahead: 256, min_rows: 5 },
    prefetch_next_panel: { min_rows: 4, max_rows: 8 },
    stream:
        /// [`igemm_u8s8s32_14x32_avx512vnni`] writing C with streaming
        /// (non-temporal) stores: for outputs larger than the cache, where
        /// regular stores would first read each line of C.
        igemm_u8s8s32_14x32_avx512vnni_stream,
    q8:
        /// [`igemm_u8s8s32_14x32_avx512vnni`] with the requantizing output
        /// fused into its epilogue: the corrected sums go from registers to
        /// u8/s8 C (`TileRequant`), no s32 tile in between.
        igemm_u8s8s32_14x32_avx512vnni_q8,
    f32:
        /// [`igemm_u8s8s32_14x32_avx512vnni`] with the dequantizing output
        /// fused into its epilogue: the corrected sums go from registers to
        /// f32 C (`TileDequant`), no s32 tile in between.
        igemm_u8s8s32_14x32_avx512vnni_f32,
    q8_fixed:
        /// [`igemm_u8s8s32_14x32_avx512vnni`] with the fixed-point (gemmlowp / TFLite)
        /// requantizing output fused into its epilogue (`TileRequantFixed`).
        igemm_u8s8s32_14x32_avx512vnni_q8_fixed,
}
