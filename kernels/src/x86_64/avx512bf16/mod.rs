//! AVX-512 BF16 kernels (`vdpbf16ps`). Not an ISA level of its own: the
//! framework uses them on the AVX-512 levels when `avx512bf16` is detected.

pub mod cos_bf16;
pub mod dot_bf16;
