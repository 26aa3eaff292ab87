//! Kernels of the `avx512` ISA level (AVX-512F).

pub mod sgemm_f32_14x32;
pub mod sgemm_f32_14x32_strided;
