//! Portable kernels: the `Scalar` ISA level, on every target.
mod f32_ops;
pub mod sgemm_f32_4x8;
pub mod sgemm_f32_4x8_strided;
pub mod sgemm_f32_tile_store;
