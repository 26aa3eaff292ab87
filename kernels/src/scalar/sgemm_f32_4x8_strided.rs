//! Portable f32 strided rows kernels, 1 to 4 rows × 8 columns (GEMV and row edges).

use super::f32_ops::{fma, load, mul, prefetch, splat, store};

sgemm_f32_strided_kernel! {
    /// f32 strided rows kernel (A and B read unpacked), portable Rust.
    fns = [
        sgemm_f32_1x8_strided_scalar = 1,
        sgemm_f32_2x8_strided_scalar = 2,
        sgemm_f32_3x8_strided_scalar = 3,
        sgemm_f32_4x8_strided_scalar = 4,
    ];
    nv = 8; width = 1;
    vec = f32; zero = 0.0f32;
    load = load; store = store;
    splat = splat; fma = fma; mul = mul;
    prefetch = prefetch; prefetch_l2 = prefetch;
}
