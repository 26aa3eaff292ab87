//! AVX-512 F/BW/VL/DQ kernels.

pub mod igemm_u8s8s32_chain_8x32;
pub mod igemm_u8s8s32_exact_6x32;
pub use igemm_u8s8s32_chain_8x32::igemm_u8s8s32_chain_8x32_avx512;
pub use igemm_u8s8s32_exact_6x32::igemm_u8s8s32_exact_6x32_avx512;
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
pub mod igemm_pack_a_4rows;
pub mod igemm_requant_fixed;
pub mod igemm_store_s32_stream;
pub mod igemm_store_s32_to_f32;
pub mod igemm_store_s32_to_q8;
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
pub mod stream_store_16;
pub mod sum_u64;

pub mod sgemm_f32_14x32;
pub mod sgemm_f32_14x32_packb;
pub mod sgemm_f32_14x32_strided;
pub mod sgemm_f32_16x16_bstream;
pub mod sgemm_f32_3x64_pair;
pub mod sgemm_f32_4x4_sweep;
pub mod sgemm_f32_8x32_bstream;
pub mod sgemm_f32_pack_a_14;

pub mod convert_bf16_to_f32;
pub mod convert_f32_to_bf16;
pub mod gemm_bf16_8x32;
pub(crate) mod gemm_bf16_ops;
pub mod gemm_bf16_pack_pairs;
