//! x86_64 kernels, one folder per ISA level.

// Macro modules first: the ISA folders below stamp their kernels with them.
#[macro_use]
pub(crate) mod gconv_ops;
pub(crate) mod igemm_ops;
#[macro_use]
pub(crate) mod igemm_macros;
#[macro_use]
pub(crate) mod in_place_macros;
#[macro_use]
pub(crate) mod iconv_macros;
#[macro_use]
pub(crate) mod igemm_rows_macros;
pub(crate) mod in_place_strip;
#[macro_use]
mod dot_macros;
#[macro_use]
mod dwconv_macros;
#[macro_use]
mod dwconv_direct_macros;
#[macro_use]
mod dwconv_direct_2rows_macros;
pub(crate) mod dwconv_ops;
pub(crate) mod dwconv_patch_ops;
pub(crate) mod dwconv_patch_store;
pub(crate) mod dwconv_stack_ops;
pub(crate) mod dwconv_stack_store;
pub(crate) mod gconv_g4_ops;
pub(crate) mod narrow_lanes;
pub(crate) mod prefetch;
pub mod stream;
pub(crate) mod vec_avx2;
pub(crate) mod vec_avx512;

pub mod avx2;
pub mod avx2vnni;
pub mod avx512;
pub mod avx512bf16;
pub mod avx512vnni;
pub mod peak;
