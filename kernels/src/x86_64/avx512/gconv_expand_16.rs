//! `gconv_expand_16_avx512`: the input of a grouped convolution laid out
//! for the `gconv_*_16ch` kernels: per input pixel and entry, one 16-lane
//! vector whose lane `l` holds the 32-bit element (4 input bytes or one
//! float) of output channel `l`'s group that the entry's step reads. One
//! expansion per input pixel serves all its taps.

use core::arch::x86_64::*;

/// Where the 16 lanes of one expanded vector come from, in the 32-bit
/// elements of an input pixel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GconvLanes {
    /// Byte offset in the pixel of element 0 of the load (a multiple of 4).
    pub base: usize,
    /// The elements loaded: bit `e` for element `e` (below 16), so a load
    /// never reads past the pixel's channels.
    pub load: u16,
    /// The lanes kept; the others are 0 (channels past the layer's `K`).
    pub keep: u16,
    /// Lane `l` takes element `idx[l]` of the load (`< 16`) or, with
    /// `gather`, the element `idx[l]` past `base`.
    pub idx: [i32; 16],
    /// Whether the lanes span more than one 16-element load (then a gather).
    pub gather: bool,
}

with_level! { avx512:
/// For each pixel `p < pixels` (at `src + p·ss`) and entry `e`, writes the
/// 64 bytes at `dst + e·es + p·ds`: lane `l` is the element of `lanes[e]`
/// (or 0 outside its `keep`), XORed with `xor` (`0x80808080` moves s8
/// bytes to u8; 0 keeps them).
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]). For
/// every pixel and entry, the elements the entry loads (its `load` bits, or
/// `idx[l]` for the kept lanes of a gather) must be readable 4 bytes each at
/// `src + p·ss + base + 4·e`, and 64 bytes writable at `dst + e·es + p·ds`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gconv_expand_16_avx512(
    src: *const u8,
    ss: usize,
    pixels: usize,
    lanes: &[GconvLanes],
    xor: u32,
    dst: *mut u8,
    es: usize,
    ds: usize,
) {
    let x = _mm512_set1_epi32(xor as i32);
    for (e, l) in lanes.iter().enumerate() {
        // SAFETY: `idx` is 16 i32 (a reference).
        let idx = unsafe { _mm512_loadu_si512(l.idx.as_ptr().cast()) };
        for p in 0..pixels {
            // SAFETY: the element reads and the 64-byte store are the
            // caller's contract for pixel p, entry e.
            unsafe {
                let at = src.add(p * ss + l.base);
                let v = if l.gather {
                    _mm512_mask_i32gather_epi32::<4>(_mm512_setzero_si512(), l.keep, idx, at.cast())
                } else {
                    let v = _mm512_maskz_loadu_epi32(l.load, at.cast());
                    _mm512_maskz_permutexvar_epi32(l.keep, idx, v)
                };
                _mm512_storeu_si512(dst.add(e * es + p * ds).cast(), _mm512_xor_si512(v, x));
            }
        }
    }
}
}
