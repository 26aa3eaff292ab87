//! AVX-512 F/BW/VL/DQ kernels.

mod igemm_u8s8s32_chain_8x32;
mod igemm_u8s8s32_exact_6x32;
pub use igemm_u8s8s32_chain_8x32::igemm_u8s8s32_chain_8x32_avx512;
pub use igemm_u8s8s32_exact_6x32::igemm_u8s8s32_exact_6x32_avx512;
