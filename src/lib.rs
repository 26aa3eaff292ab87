//! # lowp
//!
//! Hand-written CPU kernels for deep-learning math in INT8 and FP32, behind a
//! runtime-dispatched backend: GEMM, convolution, dot products and scans.
//!
//! Every call goes through a [`Context`], which fixes the ISA level (and so
//! the kernel table), the threads, and the cache sizes used for blocking.
//!
//! ```
//! use lowp::{Context, Isa};
//! let ctx = Context::builder().max_isa(Isa::Scalar).build()?;
//! assert_eq!(ctx.isa(), Isa::Scalar);
//! # Ok::<(), lowp::Error>(())
//! ```
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod build_info;
mod error;
mod isa;
mod mat;

pub use build_info::{build_info, BuildInfo};
pub use error::{Error, Result};
pub use isa::{cpu_features, env_max_isa, Isa, IsaChoice};
pub use lowp_kernels::detect::CpuFeatures;
pub use mat::{MatMut, MatRef};
mod context;
mod dispatch;
pub use context::{CacheSizes, Context, ContextBuilder};
pub use dispatch::Kernels;
pub mod peak;
