//! The streaming store of one 16-lane vector of 32-bit values (AVX-512),
//! shared by the tile stores that write large outputs.

use core::arch::x86_64::*;

/// Stores the lanes of `v` selected by `mask` (the low `n` lanes) at `dst`:
/// a whole vector at a 64-byte boundary (one cache line) as one streaming
/// (non-temporal) store, anything else as a regular masked store. Lines
/// written in pieces stay regular: streaming partial lines measured slower
/// than the regular stores they replace.
///
/// # Safety
///
/// The CPU must support `avx512f`; `dst[l]` must be writable for every lane
/// `l` in `mask`.
#[inline]
#[target_feature(enable = "avx512f")]
pub unsafe fn stream_store_16(dst: *mut i32, v: __m512i, mask: __mmask16) {
    // SAFETY: the streaming store runs only for a full vector at an address
    // checked to be 64-byte aligned; the masked store touches only lanes in
    // `mask`; both writable by the caller's contract.
    unsafe {
        if mask == 0xffff && (dst as usize).is_multiple_of(64) {
            _mm512_stream_si512(dst.cast(), v);
        } else {
            _mm512_mask_storeu_epi32(dst, mask, v);
        }
    }
}
