//! AVX-512 BF16 GEMM tile kernel, 14 rows × 32 columns: 28 accumulators,
//! one `vdpbf16ps` (32 multiply-adds) per row and column vector per K pair.

gemm_bf16_tile_kernel! {
    /// BF16 GEMM microkernel, 14×32 tile, `vdpbf16ps`.
    fn gemm_bf16_14x32_avx512bf16;
    features = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16";
    mr = 14; nv = 2; width = 16; ops = super::gemm_bf16_ops;
}
