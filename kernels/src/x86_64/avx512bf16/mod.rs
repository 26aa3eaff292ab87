//! AVX-512 BF16 kernels (`vdpbf16ps`). Not an ISA level of its own: the
//! framework uses them on the AVX-512 levels when `avx512bf16` is detected.

pub mod convert_f32_to_bf16;
pub mod cos_bf16;
pub mod dot_bf16;
pub mod gemm_bf16_14x32;
mod gemm_bf16_ops;
pub mod gemm_bf16_stream_16x32;
