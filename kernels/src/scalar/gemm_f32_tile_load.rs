//! Copies a block of C (any strides) into a scratch tile: the running sums
//! a K-blocked kernel resumes from on the scratch path (edge tiles, strided
//! C), the inverse of `sgemm_f32_tile_store`.

/// `tile[i·ld + j] ← C[i·rsc + j·csc]` for `i < rows`, `j < cols`.
///
/// # Safety
///
/// `tile` must hold `(rows − 1)·ld + cols` elements when `rows, cols > 0`
/// (checked), and `c[i·rsc + j·csc]` must be valid for reads for every
/// `i < rows`, `j < cols`.
pub unsafe fn gemm_f32_tile_load_scalar(
    rows: usize,
    cols: usize,
    c: *const f32,
    rsc: usize,
    csc: usize,
    tile: &mut [f32],
    ld: usize,
) {
    if rows == 0 || cols == 0 {
        return;
    }
    assert!(tile.len() >= (rows - 1) * ld + cols, "tile too short");
    for i in 0..rows {
        for (j, t) in tile[i * ld..i * ld + cols].iter_mut().enumerate() {
            // SAFETY: the caller guarantees element (i, j) of C is readable.
            *t = unsafe { c.add(i * rsc + j * csc).read() };
        }
    }
}
