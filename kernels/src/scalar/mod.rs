//! Portable kernels: the `Scalar` ISA level, on every target.

mod igemm_u8s8s32_16;
mod igemm_u8s8s32_chain_16;
pub use igemm_u8s8s32_16::igemm_u8s8s32_8x16_scalar;
pub use igemm_u8s8s32_chain_16::igemm_u8s8s32_chain_8x16_scalar;
