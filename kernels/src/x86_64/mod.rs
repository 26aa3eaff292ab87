//! x86_64 kernels, one folder per ISA level.

#[macro_use]
pub(crate) mod igemm_macros;

pub mod avx2;
pub mod avx2vnni;
pub mod avx512;
pub mod avx512vnni;
