//! Portable BF16 GEMM tile kernel, 4 rows × 8 columns (`vdpbf16ps` semantics
//! with scalar FMAs).

gemm_bf16_tile_kernel! {
    /// BF16 GEMM microkernel, 4×8 tile, portable Rust.
    fn gemm_bf16_4x8_scalar;
    mr = 4; nv = 8; width = 1; ops = super::gemm_bf16_ops;
}
