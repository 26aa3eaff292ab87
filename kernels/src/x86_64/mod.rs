//! x86_64 kernels, one folder per ISA level.

#[macro_use]
mod dot_macros;
pub mod avx2;
pub mod avx512;
pub mod avx512bf16;
pub mod avx512vnni;
pub(crate) mod vec_avx2;
pub(crate) mod vec_avx512;
