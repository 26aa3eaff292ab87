//! Stores a finished INT8 GEMM output tile (s32, f32, u8 or s8, after the
//! output pipeline) into C with any strides: the only place the INT8 GEMM
//! writes C through a pointer.

/// `C[i·rsc + j·csc] ← tile[i·ld + j]` for `i < rows`, `j < cols` (one
/// copy per row when `csc == 1`); with `accumulate` (s32 outputs),
/// `C ← C + tile` (wrapping) instead, through `add`.
///
/// # Safety
///
/// `tile` must hold `(rows − 1)·ld + cols` elements when `rows, cols > 0`
/// (checked), `c[i·rsc + j·csc]` must be valid for reads and writes for
/// every `i < rows`, `j < cols`, not overlap `tile`, and no other thread
/// may touch those elements.
#[allow(clippy::too_many_arguments)]
pub unsafe fn igemm_tile_store_scalar<T: Copy>(
    rows: usize,
    cols: usize,
    tile: &[T],
    ld: usize,
    c: *mut T,
    rsc: usize,
    csc: usize,
    add: Option<fn(T, T) -> T>,
) {
    if rows == 0 || cols == 0 {
        return;
    }
    assert!(tile.len() >= (rows - 1) * ld + cols, "tile too short");
    for i in 0..rows {
        let t = &tile[i * ld..i * ld + cols];
        match add {
            // SAFETY: row i of the C block is valid, contiguous (csc == 1),
            // ours alone, and does not overlap `tile` (caller's contract).
            None if csc == 1 => unsafe { std::ptr::copy_nonoverlapping(t.as_ptr(), c.add(i * rsc), cols) },
            _ => {
                for (j, &v) in t.iter().enumerate() {
                    // SAFETY: the caller guarantees element (i, j) of C is valid and ours.
                    unsafe {
                        let p = c.add(i * rsc + j * csc);
                        *p = match add {
                            Some(f) => f(*p, v),
                            None => v,
                        };
                    }
                }
            }
        }
    }
}

/// The zero-point correction of an INT8 GEMM tile, which every igemm
/// microkernel applies in registers before it stores the tile:
/// `v + colfix_j − za_i·colsum_j − zb_j·rowfix_i` (wrapping i32) for row `i`,
/// column `j` of the tile. A null pointer leaves its term out: `colfix`; `za`
/// (then `colsum` is not read); `zb` (then `rowfix` is not read). A zero
/// point shared by all rows comes as `colfix_j = −za·colsum_j`, which a
/// kernel can take as its accumulators' start value.
#[derive(Clone, Copy, Debug)]
pub struct TileCorrection {
    /// Per tile column, added, or null.
    pub colfix: *const i32,
    /// Per tile row, or null.
    pub za: *const i32,
    /// Per tile row (read when `zb` is not null).
    pub rowfix: *const i32,
    /// Per tile column (read when `za` is not null).
    pub colsum: *const i32,
    /// Per tile column, or null.
    pub zb: *const i32,
}

impl TileCorrection {
    /// The same correction for the tile's rows from `r` on (a sub-tile).
    pub fn from_row(&self, r: usize) -> TileCorrection {
        TileCorrection {
            za: if self.za.is_null() {
                self.za
            } else {
                self.za.wrapping_add(r)
            },
            rowfix: self.rowfix.wrapping_add(r),
            ..*self
        }
    }

    /// Corrects row `r` of a tile, `row[j]` being column `j`.
    ///
    /// # Safety
    ///
    /// The row arrays readable at `r` and the column arrays at
    /// `j < row.len()`, for the terms present.
    pub unsafe fn apply_row(&self, r: usize, row: &mut [i32]) {
        // SAFETY: the caller's contract.
        unsafe {
            if !self.colfix.is_null() {
                for (j, v) in row.iter_mut().enumerate() {
                    *v = v.wrapping_add(*self.colfix.add(j));
                }
            }
            if !self.za.is_null() {
                let z = *self.za.add(r);
                for (j, v) in row.iter_mut().enumerate() {
                    *v = v.wrapping_sub(z.wrapping_mul(*self.colsum.add(j)));
                }
            }
            if !self.zb.is_null() {
                let f = *self.rowfix.add(r);
                for (j, v) in row.iter_mut().enumerate() {
                    *v = v.wrapping_sub(f.wrapping_mul(*self.zb.add(j)));
                }
            }
        }
    }
}

/// The requantizing epilogue a kernel with a fused 8-bit output applies to
/// its (corrected) tile instead of storing s32: for row `r`, column `j`,
/// `y = min(max((v as f32)·scale_j, lo − zp), hi − zp)`, rounded half to
/// even, `+ zp`, stored as one byte at `out + r·rso + j` (the u8 result, or
/// the s8 one read as i8, for `[lo, hi]` within that type's range).
#[derive(Clone, Copy, Debug)]
pub struct TileRequant {
    /// The tile's first output byte.
    pub out: *mut u8,
    /// Output row stride (bytes).
    pub rso: usize,
    /// Per tile column. (No bias: an integer bias is added to the sums
    /// before the epilogue, by starting the accumulators from it.)
    pub scale: *const f32,
    /// Output zero point.
    pub zp: i32,
    /// Lowest output value.
    pub lo: i32,
    /// Highest output value.
    pub hi: i32,
    /// Whether every `scale` of the tile is below 1 in magnitude, so no
    /// scaled value leaves i32's range and a kernel may apply `hi` to the
    /// narrowed bytes instead of in f32 (it must be `false` otherwise:
    /// a kernel that trusts it would store wrong bytes, within C).
    pub hi_bytes: bool,
}

impl TileRequant {
    /// The same epilogue for the tile's rows from `r` on (a sub-tile).
    pub fn from_row(&self, r: usize) -> TileRequant {
        TileRequant {
            out: self.out.wrapping_add(r * self.rso),
            ..*self
        }
    }
}

/// The fixed-point requantizing epilogue (gemmlowp / TFLite output stage)
/// a kernel with that fused output applies to its (corrected) tile: for row
/// `r`, column `j`, with `e = shift_j`,
/// `x = v·2^max(e, 0)` (wrapping), `h = (x·mult_j + 2^30) >> 31` (64-bit
/// product, floor: gemmlowp's `SaturatingRoundingDoublingHighMul`),
/// `y = h / 2^max(−e, 0)` rounded half away from zero
/// (`RoundingDivideByPOT`), then `clamp(y + zp, lo, hi)` (saturating add)
/// stored as one byte at `out + r·rso + j`. No `mult_j` may be `i32::MIN`
/// (the one product gemmlowp saturates), every `shift_j` in `[-31, 30]`.
#[derive(Clone, Copy, Debug)]
pub struct TileRequantFixed {
    /// The tile's first output byte.
    pub out: *mut u8,
    /// Output row stride (bytes).
    pub rso: usize,
    /// Q31 multiplier per tile column.
    pub mult: *const i32,
    /// Shift per tile column (left when positive, rounding right when
    /// negative).
    pub shift: *const i32,
    /// Output zero point.
    pub zp: i32,
    /// Lowest output value.
    pub lo: i32,
    /// Highest output value.
    pub hi: i32,
    /// The AVX-512 epilogue's screen constants of the tile's columns
    /// (`requant_fixed_screen_prep`'s layout, from the tile's first
    /// column), or null: then that epilogue takes its 64-bit path.
    pub screen: *const u32,
}

impl TileRequantFixed {
    /// The same epilogue for the tile's rows from `r` on (a sub-tile).
    pub fn from_row(&self, r: usize) -> TileRequantFixed {
        TileRequantFixed {
            out: self.out.wrapping_add(r * self.rso),
            ..*self
        }
    }
}

/// The dequantizing epilogue a kernel with a fused f32 output applies to its
/// (corrected) tile instead of storing s32: for row `r`, column `j`,
/// `y = (v as f32)·(row_scale_r·scale_j) + bias_j` (no addition when `bias`
/// is null), then `min(max(y, lo), hi)` with a NaN `y` becoming `lo`, stored
/// at `out + r·rso + j` (streaming stores with `stream`: rows line aligned).
#[derive(Clone, Copy, Debug)]
pub struct TileDequant {
    /// The tile's first output element.
    pub out: *mut f32,
    /// Output row stride (elements).
    pub rso: usize,
    /// Per tile row.
    pub row_scale: *const f32,
    /// Per tile column.
    pub scale: *const f32,
    /// Per tile column, or null.
    pub bias: *const f32,
    /// Lower bound.
    pub lo: f32,
    /// Upper bound.
    pub hi: f32,
    /// Write with streaming stores (every row starts on a 64-byte boundary).
    pub stream: bool,
}

impl TileDequant {
    /// The same epilogue for the tile's rows from `r` on (a sub-tile).
    pub fn from_row(&self, r: usize) -> TileDequant {
        TileDequant {
            out: self.out.wrapping_add(r * self.rso),
            row_scale: self.row_scale.wrapping_add(r),
            ..*self
        }
    }
}
