//! AVX2 BF16 GEMM tile kernel, 4 rows × 16 columns: bf16 widened to f32, two
//! flushed FMAs per pair (bit-identical to `vdpbf16ps`).

gemm_bf16_tile_kernel! {
    /// BF16 GEMM microkernel, 4×16 tile, AVX2 + FMA.
    fn gemm_bf16_4x16_avx2;
    features = "avx2,fma";
    mr = 4; nv = 2; width = 8; ops = super::gemm_bf16_ops;
}
