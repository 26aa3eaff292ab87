//! Portable u8 × s8 → s32 microkernel, up to 8 × 16, exact.

/// Rows of the full tile.
pub const MR: usize = 8;
/// Columns of a packed panel.
pub const NR: usize = 16;

/// u8 × s8 → s32 GEMM microkernel, up to 8×16, plain Rust, exact (wrapping
/// i32 sums). Same contract as every igemm microkernel: `a` holds `m` rows of
/// `4·kg` u8 at stride `lda`; `b` one panel of `kg` groups × 16 columns × 4
/// k (s8); `c` receives the `m × 16` tile at stride `ldc`.
///
/// # Safety
///
/// `1 <= m <= 8`; `a` readable for `m` rows of `4·kg` bytes at stride `lda`;
/// `b` readable for `kg·64` bytes; `c` writable for `m` rows of 16 i32 at
/// stride `ldc`.
pub unsafe fn igemm_u8s8s32_8x16_scalar(
    m: usize,
    kg: usize,
    a: *const u8,
    lda: usize,
    b: *const i8,
    c: *mut i32,
    ldc: usize,
) {
    debug_assert!((1..=MR).contains(&m));
    // SAFETY: the caller guarantees these extents.
    let bs = unsafe { core::slice::from_raw_parts(b, kg * NR * 4) };
    for r in 0..m {
        // SAFETY: row r of `a` has 4·kg readable bytes.
        let ar = unsafe { core::slice::from_raw_parts(a.add(r * lda), kg * 4) };
        let mut acc = [0i32; NR];
        for (g, bg) in bs.chunks_exact(NR * 4).enumerate() {
            let ag = &ar[g * 4..g * 4 + 4];
            for (j, bj) in bg.chunks_exact(4).enumerate() {
                let mut s = 0i32;
                for t in 0..4 {
                    s += ag[t] as i32 * bj[t] as i32;
                }
                acc[j] = acc[j].wrapping_add(s);
            }
        }
        // SAFETY: row r of the tile has 16 writable i32.
        unsafe { core::ptr::copy_nonoverlapping(acc.as_ptr(), c.add(r * ldc), NR) };
    }
}
