//! Portable u8 × s8 → s32 microkernel, up to 8 × 16, exact; and the body
//! every portable igemm kernel (and every SIMD kernel's test twin) runs.

use super::igemm_tile_store::TileCorrection;
use crate::igemm_ukernel::IgemmUkernelInfo;

/// Rows of the full tile.
pub const MR: usize = 8;
/// Columns of a packed panel.
pub const NR: usize = 16;

/// The igemm contract ([`crate::igemm_ukernel`]) for a panel of `N`
/// columns, any `m`, in plain Rust: exact (wrapping i32 sums), or with
/// `saturate` each pair `a[2p]·b[2p] + a[2p+1]·b[2p+1]` clamped to
/// `[-32768, 32767]` first, as `vpmaddubsw` does.
///
/// # Safety
///
/// `a` readable at `a + g·gs + 4·r + t` for `g < kg`, `r < m`, `t < 4`;
/// `b` readable for `kg·N·4` bytes; `c` writable for `m` rows of `N` i32
/// at stride `ldc`; `corr`'s arrays readable at those rows and columns.
#[allow(clippy::too_many_arguments)]
pub unsafe fn igemm_u8s8s32_scalar<const N: usize>(
    saturate: bool,
    m: usize,
    kg: usize,
    a: *const u8,
    gs: usize,
    b: *const i8,
    c: *mut i32,
    ldc: usize,
    corr: Option<&TileCorrection>,
) {
    // SAFETY: the caller guarantees these extents.
    let bs = unsafe { core::slice::from_raw_parts(b, kg * N * 4) };
    for r in 0..m {
        // SAFETY: the caller guarantees a + g·gs + 4r + t is readable for
        // every g < kg, t < 4; the slice spans exactly those groups.
        let ar =
            unsafe { core::slice::from_raw_parts(a.add(r * 4), if kg == 0 { 0 } else { (kg - 1) * gs + 4 }) };
        let mut acc = [0i32; N];
        for (g, bg) in bs.chunks_exact(N * 4).enumerate() {
            let ag = &ar[g * gs..g * gs + 4];
            for (j, bj) in bg.chunks_exact(4).enumerate() {
                let p = |t: usize| ag[t] as i32 * bj[t] as i32 + ag[t + 1] as i32 * bj[t + 1] as i32;
                let s = if saturate {
                    p(0).clamp(-32768, 32767) + p(2).clamp(-32768, 32767)
                } else {
                    p(0) + p(2)
                };
                acc[j] = acc[j].wrapping_add(s);
            }
        }
        if let Some(fx) = corr {
            // SAFETY: the caller guarantees the correction's rows < m and
            // columns < N.
            unsafe { fx.apply_row(r, &mut acc) };
        }
        // SAFETY: row r of the tile has N writable i32.
        unsafe { core::ptr::copy_nonoverlapping(acc.as_ptr(), c.add(r * ldc), N) };
    }
}

/// u8 × s8 → s32 GEMM microkernel, up to 8×16, plain Rust, exact (wrapping
/// i32 sums). Contract: [`crate::igemm_ukernel`].
///
/// # Safety
///
/// `1 <= m <= 8` and the extents of [`igemm_u8s8s32_scalar`] with `N = 16`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn igemm_u8s8s32_8x16_scalar(
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
    unsafe { igemm_u8s8s32_scalar::<NR>(false, m, kg, a, gs, b, c, ldc, corr) }
}

/// What [`igemm_u8s8s32_8x16_scalar`] declares about itself.
pub const INFO: IgemmUkernelInfo = IgemmUkernelInfo {
    name: "igemm_u8s8s32_8x16_scalar",
    isa: "scalar",
    features: "",
    mr: MR,
    nr: NR,
    k_unit: 4,
    saturates: false,
    f: igemm_u8s8s32_8x16_scalar,
    f_stream: None,
    f_q8: None,
    f_f32: None,
    f_q8_fixed: None,
};
