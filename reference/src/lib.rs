//! Plain scalar oracles for lowp: obviously correct, slow; every kernel is
//! tested against them.
//!
//! Each oracle is a direct transcription of the op's definition (nested loops,
//! wide accumulators, every bound checked), written for reading rather than
//! speed. Integer kernels must match them bit for bit; f32 kernels within a
//! bound their tests state, relative to Σ|a||b|.
//!
//! This is a crate of its own so that it *cannot* share code with lowp: it
//! uses lowp's public types only (matrix views, parameters, pipeline
//! descriptions) and computes everything else itself — clamp ranges, zero
//! points, rounding, output shapes. lowp's integration tests, benches and fuzz
//! targets depend on it; lowp itself does not.
#![warn(missing_docs)]

pub mod conv;
pub mod dot;
pub mod gemm_bf16;
pub mod histogram;
pub mod igemm;
pub mod quant;
pub mod sgemm;
