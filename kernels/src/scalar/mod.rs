//! Portable kernels: the `Scalar` ISA level, on every target.
pub mod peak_read_bw;
pub mod peak_triad;
