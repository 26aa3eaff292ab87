//! Portable f32 GEMM tile kernel, 4 rows × 8 columns.

use super::f32_ops::{fma, load, mul, prefetch, splat, store};

sgemm_f32_tile_kernel! {
    /// f32 GEMM microkernel, 4×8 tile, portable Rust.
    fn sgemm_f32_4x8_scalar;
    mr = 4; nv = 8; width = 1;
    vec = f32; zero = 0.0f32;
    load = load; store = store;
    splat = splat; fma = fma; mul = mul;
    prefetch = prefetch; prefetch_l2 = prefetch;
}
