//! The f32 output stage of a finished C tile, in place: bias per column,
//! then an optional clamp (ReLU is `[0, +∞]`). Portable Rust the compiler
//! vectorizes; it runs on a tile the GEMM kernel has just written (in L1).

/// `C[i·rsc + j] ← clamp(C[i·rsc + j] + bias[j])` for `i < rows`, `j < cols`,
/// where `clamp = Some((lo, hi))` is `max(·, lo)` then `min(·, hi)` and
/// `None` leaves the sum as it is (NaN stays NaN).
///
/// # Safety
///
/// `bias`, when given, must hold `cols` elements (checked), and
/// `c[i·rsc + j]` must be valid for reads and writes for every `i < rows`,
/// `j < cols`, with no other thread touching them, `rsc ≥ cols` when
/// `rows > 1` (the rows do not overlap).
pub unsafe fn sgemm_f32_tile_bias_clamp_scalar(
    rows: usize,
    cols: usize,
    c: *mut f32,
    rsc: usize,
    bias: Option<&[f32]>,
    clamp: Option<(f32, f32)>,
) {
    if let Some(b) = bias {
        assert!(b.len() >= cols, "bias too short");
    }
    for i in 0..rows {
        // SAFETY: the caller guarantees row i's `cols` elements are valid,
        // ours, and not aliased by another row.
        let row = unsafe { core::slice::from_raw_parts_mut(c.add(i * rsc), cols) };
        match (bias, clamp) {
            (Some(b), Some((lo, hi))) => {
                for (y, &b) in row.iter_mut().zip(b) {
                    *y = (*y + b).max(lo).min(hi);
                }
            }
            (Some(b), None) => row.iter_mut().zip(b).for_each(|(y, &b)| *y += b),
            (None, Some((lo, hi))) => row.iter_mut().for_each(|y| *y = y.max(lo).min(hi)),
            (None, None) => return,
        }
    }
}
