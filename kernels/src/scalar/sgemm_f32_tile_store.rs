//! Merges an accumulated f32 tile into C with any strides (edge tiles and
//! non-unit column strides go through a scratch tile and this store).

/// `C[i·rsc + j·csc] ← tile[i·ld + j] + beta·C[...]` for `i < rows`,
/// `j < cols`; with `beta == 0.0` C is not read.
///
/// # Safety
///
/// `tile` must hold `(rows − 1)·ld + cols` elements when `rows, cols > 0`
/// (checked), and `c[i·rsc + j·csc]` must be valid for reads and writes for
/// every `i < rows`, `j < cols`, with no other thread touching them.
#[allow(clippy::too_many_arguments)]
pub unsafe fn sgemm_f32_tile_store_scalar(
    rows: usize,
    cols: usize,
    tile: &[f32],
    ld: usize,
    c: *mut f32,
    rsc: usize,
    csc: usize,
    beta: f32,
) {
    if rows == 0 || cols == 0 {
        return;
    }
    assert!(tile.len() >= (rows - 1) * ld + cols, "tile too short");
    for i in 0..rows {
        let t = &tile[i * ld..i * ld + cols];
        for (j, &v) in t.iter().enumerate() {
            // SAFETY: the caller guarantees element (i, j) of C is valid and ours.
            unsafe {
                let p = c.add(i * rsc + j * csc);
                if beta == 0.0 {
                    *p = v;
                } else {
                    *p = v + beta * *p;
                }
            }
        }
    }
}
