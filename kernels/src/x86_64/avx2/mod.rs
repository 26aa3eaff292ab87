//! AVX2 (+FMA, F16C) kernels.

mod igemm_u8s8s32_chain_4x16;
mod igemm_u8s8s32_exact_2x16;
pub use igemm_u8s8s32_chain_4x16::igemm_u8s8s32_chain_4x16_avx2;
pub use igemm_u8s8s32_exact_2x16::igemm_u8s8s32_exact_2x16_avx2;
