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
//! The panel packers and the C sink live in [`crate::gemm::f32`], shared
//! with the other f32-output GEMMs; block sizes in [`crate::gemm::blocking`].

mod api;
mod gemv;
mod kernels;
mod small_m;
#[cfg(test)]
mod tests;
mod unpacked;

pub use api::{sgemm, sgemm_packed};
pub use kernels::SgemmKernels;

/// Up to this many rows of A, a row-major (or prepacked) B is streamed
/// unpacked (by the small-M, GEMV or strided rows kernels) instead of being
/// packed: for 16×4096×4096 the strided rows kernels alone gave 46 GFLOP/s
/// against 27 for pack-then-multiply (Zen 4).
const SMALL_M: usize = 16;

/// Up to this many rows, the GEMV path ([`gemm_unpacked`], B streamed a few
/// rows at a time by the strided rows kernels) serves a GEMM; from here to
/// [`SMALL_M`] rows, with a row-major B, the small-M path ([`gemm_small_m`]).
const GEMV_M: usize = 4;
