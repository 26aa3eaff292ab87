//! Plain scalar oracles: obviously correct, slow; every kernel is tested
//! against them.
//!
//! Each oracle is a direct transcription of the op's definition (nested loops,
//! wide accumulators, every bound checked), written for reading rather than
//! speed. Integer kernels must match them bit for bit; f32 kernels within a
//! bound their tests state, relative to Σ|a||b|.

pub mod conv;
pub mod dot;
pub mod gemm_bf16;
pub mod igemm;
pub mod sgemm;
