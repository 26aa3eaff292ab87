//! `sconv_f32_14x32_avx512`: the FP32 indirect convolution kernel (contract:
//! [`crate::sconv_ukernel`]), 14 output pixels × 32 output channels: per
//! input channel 2 weight vectors and 14 broadcasts feed 28 FMAs, half the
//! weight loads per FMA of the 7×64 tile (whose body it shares,
//! [`super::sconv_f32_7x64`]). 14 rows because output widths 14, 28 and 56
//! are multiples of 14, so tiles cut at output rows are full and a tap's
//! padding rows come first or last in a tile, where they are skipped.

use super::sconv_f32_7x64::{prefetches, strip, tile};
use crate::sconv_ukernel::{SconvStrip, SconvTile, SconvUkernelInfo};

/// Rows of a full tile.
pub const MR: usize = 14;
/// Columns of a tile (the packed weight panel width).
pub const NR: usize = 32;

/// What the kernel declares about itself.
pub const INFO: SconvUkernelInfo = SconvUkernelInfo {
    name: "sconv_f32_14x32_avx512",
    mr: MR,
    nr: NR,
    f: sconv_f32_14x32_avx512,
    strip: sconv_f32_14x32_strip_avx512,
};

with_level! { avx512:
/// As [`super::sconv_f32_7x64::sconv_f32_7x64_avx512`] with 14 rows and 32
/// columns: the tile's sums over its block, then the last block's output
/// stage ([`SconvTile`]).
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]).
/// `1 ≤ m ≤ 14`, `1 ≤ t.n ≤ 32`; `t.offsets` readable at `r·ld + u` for
/// `r < m`, `u < t.taps`; each non-[`crate::sconv_ukernel::PAD`] offset `o`
/// there has `t.kc` floats readable at `t.base + o`, `t.zero` `t.kc`
/// floats; `t.b` holds `t.taps·t.kc·32` floats; `t.c + r·t.ldc` is readable
/// (unless `first`) and writable for `t.n` floats for `r < m`, owned by the
/// caller; a non-null bias holds `t.n` floats; `t.clamp`'s bounds are not
/// NaN.
pub unsafe fn sconv_f32_14x32_avx512(m: usize, t: &SconvTile) {
    // SAFETY: the caller's contract is the tile's, with M = m.
    unsafe {
        match (m, prefetches(t, NR)) {
            (1, _) => tile::<1, 2, false, false>(t),
            (2, _) => tile::<2, 2, false, false>(t),
            (3, _) => tile::<3, 2, false, false>(t),
            (4, _) => tile::<4, 2, false, false>(t),
            (5, _) => tile::<5, 2, false, false>(t),
            (6, _) => tile::<6, 2, false, false>(t),
            (7, _) => tile::<7, 2, false, false>(t),
            (8, _) => tile::<8, 2, false, false>(t),
            (9, _) => tile::<9, 2, false, false>(t),
            (10, _) => tile::<10, 2, false, false>(t),
            (11, _) => tile::<11, 2, false, false>(t),
            (12, _) => tile::<12, 2, false, false>(t),
            (13, _) => tile::<13, 2, false, false>(t),
            (14, false) => tile::<14, 2, false, false>(t),
            (14, true) => tile::<14, 2, false, true>(t),
            _ => {}
        }
    }
}

/// The strip entry ([`SconvStrip`]): tiles of `m` rows, each over
/// `s.panels` panels of 32 columns, as [`sconv_f32_14x32_avx512`] per tile
/// and panel (the same sums, bit for bit), in one call.
///
/// # Safety
///
/// As [`sconv_f32_14x32_avx512`] for every tile and panel of the strip
/// (`1 ≤ m ≤ 14`, `s.tiles`, `s.panels` ≥ 1).
pub unsafe fn sconv_f32_14x32_strip_avx512(m: usize, t: &SconvTile, s: &SconvStrip) {
    // SAFETY: the caller's contract is the strip's, with M = m.
    unsafe {
        match (m, s.stream, prefetches(t, NR)) {
            (14, false, false) => strip::<14, 2, false, false>(t, s),
            (14, true, false) => strip::<14, 2, true, false>(t, s),
            (14, false, true) => strip::<14, 2, false, true>(t, s),
            (14, true, true) => strip::<14, 2, true, true>(t, s),
            (1, ..) => strip::<1, 2, false, false>(t, s),
            (2, ..) => strip::<2, 2, false, false>(t, s),
            (3, ..) => strip::<3, 2, false, false>(t, s),
            (4, ..) => strip::<4, 2, false, false>(t, s),
            (5, ..) => strip::<5, 2, false, false>(t, s),
            (6, ..) => strip::<6, 2, false, false>(t, s),
            (7, ..) => strip::<7, 2, false, false>(t, s),
            (8, ..) => strip::<8, 2, false, false>(t, s),
            (9, ..) => strip::<9, 2, false, false>(t, s),
            (10, ..) => strip::<10, 2, false, false>(t, s),
            (11, ..) => strip::<11, 2, false, false>(t, s),
            (12, ..) => strip::<12, 2, false, false>(t, s),
            (13, ..) => strip::<13, 2, false, false>(t, s),
            _ => {}
        }
    }
}
}
