//! AVX-512 BF16 streaming kernel: up to 16 rows against one 32-column B
//! panel over the whole of K, in two row groups taking turns over chunks
//! of K (crate `gemm_bf16_stream_macros` docs), for small M with B packed.

gemm_bf16_stream_kernel! {
    /// BF16 GEMM streaming kernel, up to 16 rows × 32 columns, `vdpbf16ps`.
    fn gemm_bf16_stream_16x32_avx512bf16;
    features = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16";
    nv = 2; width = 16; ops = super::gemm_bf16_ops;
}
