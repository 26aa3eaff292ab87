//! lowp's microkernels: every line of `std::arch` code in lowp, and nothing else.
//!
//! The split is BLIS's: this crate holds microkernels with fixed contracts
//! (documented on each function, under `# Safety`); the `lowp` crate owns the
//! loops, packing, threading and edge handling, and calls a kernel only after
//! it has detected every CPU feature the kernel was compiled for.
//!
//! Layout: `scalar/` (portable kernels, any target), `x86_64/<isa>/` (one
//! file per kernel, named after what it computes, its tile and its ISA).
//!
//! One module is not a kernel: [`team`], lowp's fork/join worker team. It is
//! here because lending a borrowed closure to long-lived threads takes
//! `unsafe`, and lowp keeps all its `unsafe` in this crate; it exposes a
//! safe API.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

#[macro_use]
pub mod level;
pub mod detect;
pub mod dwconv;
pub mod dwconv_direct;
pub mod dwconv_patch;
pub mod dwconv_stack;
#[cfg(all(test, target_arch = "x86_64"))]
mod iconv_check;
pub mod iconv_ukernel;
#[cfg(all(test, target_arch = "x86_64"))]
mod igemm_check;
#[cfg(all(test, target_arch = "x86_64"))]
mod igemm_rows_check;
pub mod igemm_rows_ukernel;
pub mod igemm_ukernel;
#[cfg(all(test, target_arch = "x86_64"))]
mod in_place_check;
#[cfg(all(test, target_arch = "x86_64"))]
#[macro_use]
mod sgemm_check;
#[cfg(all(test, target_arch = "x86_64"))]
mod sgemm_check_conv;
#[cfg(all(test, target_arch = "x86_64"))]
mod sgemm_check_variants;

pub mod q8;
#[macro_use]
mod sgemm_macros;
#[macro_use]
mod gemm_bf16_macros;
#[cfg(target_arch = "x86_64")]
#[macro_use]
mod gemm_bf16_stream_macros;
pub mod scalar;
#[cfg(all(test, target_arch = "x86_64"))]
mod sconv_check;
pub mod sconv_ukernel;
pub mod strip_entries;
pub mod team;
#[cfg(target_arch = "x86_64")]
pub mod x86_64;
