//! The raw s32 tile store of the INT8 GEMM (AVX-512) with the zero-point
//! correction applied on the way: one pass over the tile.

use super::igemm_tile_correction::{column_fix, correct};
use crate::scalar::igemm_tile_store::TileCorrection;
use core::arch::x86_64::*;

/// Stores the `rows × cols` s32 tile (`tile[i·ld + j]`) into C
/// (`c[i·rsc + j]`, unit column stride), corrected by `corr` when given
/// (see [`TileCorrection`]): the same wrapping arithmetic as the portable
/// compensation in `lowp`.
///
/// # Safety
///
/// The CPU must support `avx512f,avx512bw,avx512vl,avx512dq`. `tile` must be
/// readable at `i·ld + j`, `c[i·rsc + j]` writable and ours alone, for
/// `i < rows`, `j < cols`; `corr`'s arrays readable at those rows / columns.
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
pub unsafe fn igemm_store_s32_avx512(
    rows: usize,
    cols: usize,
    tile: *const i32,
    ld: usize,
    corr: Option<TileCorrection>,
    c: *mut i32,
    rsc: usize,
) {
    let mut j = 0;
    while j < cols {
        let left = cols - j;
        let mask: __mmask16 = if left >= 16 { 0xffff } else { (1u16 << left) - 1 };
        // SAFETY: lanes j..j+16 under `mask` stay below `cols`, rows below
        // `rows`: inside the caller's tile, correction and C.
        unsafe {
            let f = column_fix(&corr, j, mask);
            if mask == 0xffff {
                // Whole vectors: plain loads and stores (masked ones are
                // slower on Zen 4).
                for i in 0..rows {
                    let v = correct(
                        _mm512_loadu_si512(tile.add(i * ld + j) as *const __m512i),
                        f,
                        &corr,
                        i,
                    );
                    _mm512_storeu_si512(c.add(i * rsc + j) as *mut __m512i, v);
                }
            } else {
                for i in 0..rows {
                    let v = correct(_mm512_maskz_loadu_epi32(mask, tile.add(i * ld + j)), f, &corr, i);
                    _mm512_mask_storeu_epi32(c.add(i * rsc + j), mask, v);
                }
            }
        }
        j += 16;
    }
}
