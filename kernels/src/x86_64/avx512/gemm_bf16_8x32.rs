//! AVX-512F BF16 GEMM tile kernel, 8 rows × 32 columns: bf16 widened to f32,
//! two flushed FMAs per pair (bit-identical to `vdpbf16ps`).

gemm_bf16_tile_kernel! {
    /// BF16 GEMM microkernel, 8×32 tile, AVX-512F (the `avx512` level).
    fn gemm_bf16_8x32_avx512;
    features = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq";
    mr = 8; nv = 2; width = 16; ops = super::gemm_bf16_ops;
}
