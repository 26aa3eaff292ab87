//! x86_64 kernels, one folder per ISA level.
pub mod peak;
