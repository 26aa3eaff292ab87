//! Portable u8 × s8 → s32 microkernel, up to 8 × 16, exact.

/// Rows of the full tile.
pub const MR: usize = 8;
/// Columns of a packed panel.
pub const NR: usize = 16;

/// u8 × s8 → s32 GEMM microkernel, up to 8×16, plain Rust, exact (wrapping
/// i32 sums). The contract of every igemm microkernel: `a` holds `m` rows of
/// `kg` groups of 4 u8, row `r`'s group `g` at `a + g·gs + 4·r` (interleaved
/// A panel); `b` one panel of `kg` groups × NR columns × 4 k (s8), column
/// `j`'s 4 bytes of group `g` at `b + g·NR·4 + 4·j`; `c` receives the
/// `m × NR` s32 tile (overwritten) at row stride `ldc`, minus the zero-point
/// terms of `corr` when given (its row arrays read for `r < m`, its column
/// arrays for `j < NR`).
///
/// # Safety
///
/// `1 <= m <= 8`; `a` readable at `a + g·gs + 4·r + t` for `g < kg`,
/// `r < m`, `t < 4`;
/// `b` readable for `kg·64` bytes; `c` writable for `m` rows of 16 i32 at
/// stride `ldc`; `corr`'s arrays readable at those rows and columns.
#[allow(clippy::too_many_arguments)]
pub unsafe fn igemm_u8s8s32_8x16_scalar(
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
                let mut s = 0i32;
                for t in 0..4 {
                    s += ag[t] as i32 * bj[t] as i32;
                }
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
