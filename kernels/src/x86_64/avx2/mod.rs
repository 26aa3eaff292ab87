//! AVX2 (+FMA, F16C) kernels.

pub mod igemm_u8s8s32_chain_4x16;
pub mod igemm_u8s8s32_exact_2x16;
pub use igemm_u8s8s32_chain_4x16::igemm_u8s8s32_chain_4x16_avx2;
pub use igemm_u8s8s32_exact_2x16::igemm_u8s8s32_exact_2x16_avx2;

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
pub mod l2sq_bf16;
pub mod l2sq_f16;
pub mod l2sq_f32;
pub mod l2sq_s8;
pub mod l2sq_u8;
mod q8_drive;
pub mod quantize_f32_q8;
pub mod requantize_s32_q8;
pub mod scan_f32_ip;
pub mod scan_s8_ip;
pub mod sum_u64;

pub mod sgemm_f32_4x4_sweep;
pub mod sgemm_f32_6x16;
pub mod sgemm_f32_6x16_bstream;
pub mod sgemm_f32_6x16_packb;
pub mod sgemm_f32_6x16_strided;

pub mod convert_bf16_to_f32;
pub mod convert_f32_to_bf16;
pub mod dwconv_f32_3x3;
pub mod dwconv_f32_3x3_direct;
pub mod dwconv_f32_5x5;
pub mod dwconv_f32_5x5_direct;
pub mod dwconv_f32_rxs;
pub mod dwconv_u8s8s32_3x3;
pub mod dwconv_u8s8s32_5x5;
pub mod dwconv_u8s8s32_rxs;
pub mod gemm_bf16_4x16;
mod gemm_bf16_ops;
pub mod gemm_bf16_pack_pairs;
