//! Portable model of the `vpmaddubsw` chain, up to 8 × 16: each pair of
//! products saturates to s16, exactly as the SIMD chain kernels do.

use super::igemm_tile_store::TileCorrection;
use super::igemm_u8s8s32_16::{igemm_u8s8s32_scalar, MR, NR};
use crate::igemm_ukernel::IgemmUkernelInfo;

/// u8 × s8 → s32 GEMM microkernel, up to 8×16, plain Rust, with the
/// `vpmaddubsw` saturation of each pair `a[2p]·b[2p] + a[2p+1]·b[2p+1]` to
/// `[-32768, 32767]` (then `vpmaddwd` with ones and a wrapping `vpaddd`).
/// Same contract as [`super::igemm_u8s8s32_8x16_scalar`].
///
/// # Safety
///
/// As for [`super::igemm_u8s8s32_8x16_scalar`].
#[allow(clippy::too_many_arguments)]
pub unsafe fn igemm_u8s8s32_chain_8x16_scalar(
    m: usize,
    kg: usize,
    a: *const u8,
    gs: usize,
    b: *const i8,
    c: *mut i32,
    ldc: usize,
    corr: Option<&TileCorrection>,
) {
    debug_assert!((1..=MR).contains(&m));
    // SAFETY: the caller's contract.
    unsafe { igemm_u8s8s32_scalar::<NR>(true, m, kg, a, gs, b, c, ldc, corr) }
}

/// What [`igemm_u8s8s32_chain_8x16_scalar`] declares about itself.
pub const INFO: IgemmUkernelInfo = IgemmUkernelInfo {
    name: "igemm_u8s8s32_chain_8x16_scalar",
    isa: "scalar",
    features: "",
    mr: MR,
    nr: NR,
    k_unit: 4,
    saturates: true,
    f: igemm_u8s8s32_chain_8x16_scalar,
    f_stream: None,
    f_q8: None,
    f_f32: None,
    f_q8_fixed: None,
};
