//! Portable model of the `vpmaddubsw` chain, up to 8 × 16: each pair of
//! products saturates to s16, exactly as the SIMD chain kernels do.

use super::igemm_u8s8s32_16::{MR, NR};

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
    corr: Option<&super::igemm_tile_store::TileCorrection>,
) {
    debug_assert!((1..=MR).contains(&m));
    // SAFETY: the caller guarantees these extents.
    let bs = unsafe { core::slice::from_raw_parts(b, kg * NR * 4) };
    for r in 0..m {
        // SAFETY: the caller guarantees a + g·gs + 4r + t is readable for
        // every g < kg, t < 4; the slice spans exactly those groups.
        let ar =
            unsafe { core::slice::from_raw_parts(a.add(r * 4), if kg == 0 { 0 } else { (kg - 1) * gs + 4 }) };
        let mut acc = [0i32; NR];
        for (g, bg) in bs.chunks_exact(NR * 4).enumerate() {
            let ag = &ar[g * gs..g * gs + 4];
            for (j, bj) in bg.chunks_exact(4).enumerate() {
                let p0 = ag[0] as i32 * bj[0] as i32 + ag[1] as i32 * bj[1] as i32;
                let p1 = ag[2] as i32 * bj[2] as i32 + ag[3] as i32 * bj[3] as i32;
                let s = p0.clamp(-32768, 32767) + p1.clamp(-32768, 32767);
                acc[j] = acc[j].wrapping_add(s);
            }
        }
        if let Some(fx) = corr {
            // SAFETY: the caller guarantees the correction's rows < m and
            // columns < NR.
            unsafe { fx.apply_row(r, &mut acc) };
        }
        // SAFETY: row r of the tile has 16 writable i32.
        unsafe { core::ptr::copy_nonoverlapping(acc.as_ptr(), c.add(r * ldc), NR) };
    }
}
