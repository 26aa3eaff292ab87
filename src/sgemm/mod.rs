//! FP32 GEMM: `C ← alpha·A·B + beta·C` on the shared blocked driver
//! ([`crate::gemm`]), with AVX-512F (14×32), AVX2+FMA (6×16) and scalar
//! (4×8) microkernels, prepacked B, and paths for small M that skip the
//! driver:
//! - `m ≤ 4`, row-major B: the row-sweep kernels ([`gemv`]);
//! - `m ≤ 4`, column-major B: dot-product scans ([`gemv`]);
//! - `5 ≤ m ≤ 16`, row-major B: the B-streaming kernels ([`small_m`]);
//! - otherwise `m ≤ 16` (prepacked B, an ISA without those kernels) and
//!   in-cache problems: the strided rows kernels ([`unpacked`]).
//!
//! | file | what |
//! |---|---|
//! | [`api`] | `sgemm`, `sgemm_packed`, `PackedB::<f32>::new`: checks and the choice of path |
//! | [`kernels`] | the kernel table of each ISA level and its driver face |
//! | [`gemv`], [`small_m`], [`unpacked`] | the paths that skip the driver |
//!
//! The panel packers and the C sink live in [`crate::gemm::f32_operands`], shared
//! with the other f32-output GEMMs; block sizes in [`crate::gemm::blocking`].

mod api;
mod gemv;
mod kernels;
mod small_m;
#[cfg(test)]
mod tests;
mod unpacked;

pub(crate) use api::scale;
pub use api::{sgemm, sgemm_packed};
pub use kernels::SgemmKernels;
pub(crate) use kernels::{BiasClampFn, PackAIndirectFn};

/// Up to this many rows of A, a row-major (or prepacked) B is streamed
/// unpacked (by the small-M, GEMV or strided rows kernels) instead of being
/// packed: packing B would cost more than the few rows that reuse it.
const SMALL_M: usize = 16;

/// Up to this many rows a GEMM is a GEMV ([`gemv`]): the row-sweep kernels
/// for a row-major B, dot-product scans for a column-major one (on a level
/// with neither, the strided rows kernels of [`unpacked`]); from here to
/// [`SMALL_M`] rows, with a row-major B, the small-M path ([`small_m`]).
const GEMV_M: usize = 4;
