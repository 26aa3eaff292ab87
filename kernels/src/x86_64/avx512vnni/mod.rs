//! AVX-512 VNNI kernels (`vpdpbusd`).

pub mod dot_s8;
pub mod dot_u8;
pub mod dot_u8s8;
pub mod scan_s8_ip;
