//! Kernels of the `avx2` ISA level (AVX2+FMA).

pub mod sgemm_f32_6x16;
pub mod sgemm_f32_6x16_strided;
