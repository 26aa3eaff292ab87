//! The streaming s32 tile store of the INT8 GEMM (AVX-512): copies a
//! finished tile into a C too large for the cache without reading C's lines
//! first (see `x86_64::stream`).

use super::stream_store_16::stream_store_16;
use core::arch::x86_64::*;

with_level! { avx512:
/// Copies the `rows × cols` s32 tile (`tile[i·ld + j]`) into C
/// (`c[i·rsc + j]`, unit column stride) with streaming stores where C's
/// alignment allows (regular stores elsewhere). The caller runs
/// `x86_64::stream::store_fence` before another thread reads C.
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]). `tile` must be readable at
/// `i·ld + j` and `c[i·rsc + j]` writable and ours alone, for `i < rows`,
/// `j < cols`.
pub unsafe fn igemm_store_s32_stream_avx512(
    rows: usize,
    cols: usize,
    tile: *const i32,
    ld: usize,
    c: *mut i32,
    rsc: usize,
) {
    for i in 0..rows {
        let mut j = 0;
        while j < cols {
            let left = cols - j;
            let mask: __mmask16 = if left >= 16 { 0xffff } else { (1u16 << left) - 1 };
            // SAFETY: lanes j..j+16 under `mask` stay below `cols`, inside
            // the caller's tile row and C row.
            unsafe {
                let v = _mm512_maskz_loadu_epi32(mask, tile.add(i * ld + j));
                stream_store_16(c.add(i * rsc + j), v, mask);
            }
            j += 16;
        }
    }
}
}
