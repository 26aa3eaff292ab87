//! AVX-VNNI kernels (VEX `vpdpbusd` ymm: Alder Lake, Sapphire Rapids).

pub mod igemm_u8s8s32_6x16;
pub use igemm_u8s8s32_6x16::igemm_u8s8s32_6x16_avx2vnni;
