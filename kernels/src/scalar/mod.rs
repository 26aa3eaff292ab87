//! Portable kernels: the `Scalar` ISA level, on every target.
