//! Portable kernels: the `Scalar` ISA level, on every target.

pub mod igemm_u8s8s32_16;
pub mod igemm_u8s8s32_chain_16;
pub use igemm_u8s8s32_16::{igemm_u8s8s32_8x16_scalar, igemm_u8s8s32_scalar};
pub use igemm_u8s8s32_chain_16::igemm_u8s8s32_chain_8x16_scalar;
#[macro_use]
mod dot_common;
pub mod convert_bf16_to_f32;
pub mod convert_f32_to_bf16;
pub mod cos_bf16;
pub mod cos_f16;
pub mod cos_f32;
pub mod dequantize_q8_f32;
pub mod dot_bf16;
pub mod dot_f16;
pub mod dot_f32;
pub mod dot_s8;
pub mod dot_u8;
pub mod dot_u8s8;
mod f32_ops;
pub mod gemm_bf16_4x8;
mod gemm_bf16_ops;
pub mod gemm_bf16_pack_pairs;
pub mod igemm_tile_store;
pub mod l2sq_bf16;
pub mod l2sq_f16;
pub mod l2sq_f32;
pub mod l2sq_s8;
pub mod l2sq_u8;
pub mod peak_read_bw;
pub mod peak_triad;
pub mod quantize_f32_q8;
pub mod requantize_s32_q8;
pub mod sgemm_f32_4x8;
pub mod sgemm_f32_4x8_strided;
pub mod sgemm_f32_tile_bias_clamp;
pub mod sgemm_f32_tile_store;
pub mod sum_u64;
