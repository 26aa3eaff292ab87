//! # lowp
//!
//! Hand-written CPU kernels for deep-learning math in INT8 and FP32, behind a
//! runtime-dispatched backend: GEMM, convolution, dot products and scans.
//!
//! Every call goes through a [`Context`], which fixes the ISA level (and so
//! the kernel table), the threads, and the cache sizes used for blocking.
//!
//! Every kernel is tested against plain scalar oracles kept in a separate
//! crate, `lowp-reference` (folder `reference/`), which uses lowp's public
//! types only: the oracles cannot share code with what they check.
//!
//! ```
//! use lowp::{Context, Isa};
//! let ctx = Context::builder().max_isa(Isa::Scalar).build()?;
//! assert_eq!(ctx.isa(), Isa::Scalar);
//! # Ok::<(), lowp::Error>(())
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

// The README's example runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

pub mod conv;
pub mod dot;
pub mod igemm;
pub mod peak;
pub mod raw;

mod buffer;
mod build_info;
mod context;
mod dispatch;
mod error;
pub(crate) mod gemm;
mod isa;
mod mat;
mod sgemm;
pub mod threading;
pub mod topology;

pub use buffer::{AlignedBuffer, Zeroed};
pub use build_info::{build_info, BuildInfo};
pub use context::{CacheSizes, Context, ContextBuilder};
pub use dispatch::Kernels;
pub use error::{Error, Result};
pub use gemm::PackedB;
pub use isa::{cpu_features, env_max_isa, Isa, IsaChoice};
pub use lowp_kernels::detect::CpuFeatures;
pub use mat::{MatMut, MatRef};
pub use sgemm::{sgemm, sgemm_packed, SgemmKernels};
pub use threading::{Affinity, NumaHint};
pub use topology::Topology;
