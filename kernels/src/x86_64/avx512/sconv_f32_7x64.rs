//! `sconv_f32_7x64_avx512`: the FP32 indirect convolution kernel (contract:
//! [`crate::sconv_ukernel`]), 7 output pixels × 64 output channels, each
//! pixel's input channels broadcast from its input row through the
//! indirection buffer. 7 rows because the common output widths (7, 14, 28,
//! 56) are multiples of 7, so tiles cut at output rows are full and a tap's
//! padding rows come first or last in a tile, where they are skipped.

use crate::sconv_ukernel::{SconvStrip, SconvTile, SconvUkernelInfo, PAD};
use core::arch::x86_64::*;

/// Rows of a full tile.
pub const MR: usize = 7;
/// Columns of a tile (the packed weight panel width).
pub const NR: usize = 64;
/// Weight floats a k step prefetches ahead into L1 when the block's weights
/// outgrow it (16 rows of a 64-column panel): a 3×3 layer's panel (147 KiB
/// at 64 channels) is read from L2 by every tile, and the hardware prefetch
/// alone leaves the FMAs waiting on it.
const PF_AHEAD: usize = 1024;
/// Block weights (floats) above which a tile prefetches them: 32 KiB, with
/// the tile's input rows beside them in a 48 KiB L1. Smaller blocks (1×1
/// layers: 16 KiB) stay in L1 across tiles; prefetching them only costs
/// load slots.
const PF_MIN: usize = 8192;

/// Tiles a strip runs over one panel before the next: the panel's weights
/// (16 KiB at K = 64) stay in L1 across them, the tiles' A rows (7 KiB of
/// 28 rows) across the panels.
const BLOCK: usize = 4;

/// What the kernel declares about itself.
pub const INFO: SconvUkernelInfo = SconvUkernelInfo {
    name: "sconv_f32_7x64_avx512",
    mr: MR,
    nr: NR,
    f: sconv_f32_7x64_avx512,
    strip: sconv_f32_7x64_strip_avx512,
};

/// Whether a full tile of `t`'s block, `nr` columns wide, prefetches the
/// weights (see [`PF_MIN`]).
pub(crate) fn prefetches(t: &SconvTile, nr: usize) -> bool {
    t.taps * t.kc * nr > PF_MIN
}

with_level! { avx512:
/// One tile of `M` rows × `16·NV` columns (see the public entries of this
/// kernel and of `sconv_f32_14x32_avx512`); `STREAM`: the last
/// block's full vectors at 64-byte boundaries stored non-temporally; `PF`:
/// the weights prefetched [`PF_AHEAD`] floats ahead.
/// Never inlined: inlined into the strip's loop, LLVM kept the 28
/// accumulators on the stack.
#[inline(never)]
pub(crate) unsafe fn tile<const M: usize, const NV: usize, const STREAM: bool, const PF: bool>(t: &SconvTile) {
    let nr = 16 * NV;
    // SAFETY: every offset read is among the `M·ld` of the table, every
    // run among the caller's `kc` floats, `b` within `taps·kc·nr`, the C
    // accesses within the tile's `M` rows of `n` columns (masked).
    unsafe {
        let masks: [__mmask16; NV] = core::array::from_fn(|v| {
            let lanes = t.n.saturating_sub(16 * v).min(16);
            ((1u32 << lanes) - 1) as __mmask16
        });
        let mut acc: [[__m512; NV]; M] = match (t.first, t.bias.is_null()) {
            (true, true) => [[_mm512_setzero_ps(); NV]; M],
            (true, false) => {
                let b: [__m512; NV] = core::array::from_fn(|v| _mm512_maskz_loadu_ps(masks[v], t.bias.add(16 * v)));
                [b; M]
            }
            (false, _) => core::array::from_fn(|r| {
                core::array::from_fn(|v| _mm512_maskz_loadu_ps(masks[v], t.c.add(r * t.ldc + 16 * v)))
            }),
        };
        let step = t.kc * nr;
        let mut b = t.b;
        // A broadcast the compiler cannot merge with the same load for the
        // other half of the columns: merged, the 7 broadcasts would stay live
        // beside the 28 accumulators and spill (32 registers).
        macro_rules! bcast {
            ($a:expr) => {{
                let v: __m512;
                core::arch::asm!(
                    "vbroadcastss {v}, dword ptr [{a}]",
                    v = out(zmm_reg) v,
                    a = in(reg) $a,
                    options(readonly, nostack, preserves_flags)
                );
                v
            }};
        }
        // Rows `lo..M - hi` of one tap (the others pad or read the zero
        // row), 32 columns at a time: 2·M accumulators (28 at most), 2
        // weight vectors, a broadcast.
        macro_rules! tap {
            ($p:ident, $lo:literal, $hi:literal) => {
                for c in 0..t.kc {
                    let bp = b.add(c * nr);
                    // Past the block's end this touches other memory (or
                    // none): a hint, it never faults.
                    if PF {
                        for l in 0..NV {
                            _mm_prefetch::<_MM_HINT_T0>(bp.wrapping_add(PF_AHEAD + 16 * l) as *const i8);
                        }
                    }
                    for h in 0..NV / 2 {
                        let b0 = _mm512_loadu_ps(bp.add(32 * h));
                        let b1 = _mm512_loadu_ps(bp.add(32 * h + 16));
                        for r in $lo..M - $hi {
                            let a = bcast!($p[r].add(c));
                            acc[r][2 * h] = _mm512_fmadd_ps(a, b0, acc[r][2 * h]);
                            acc[r][2 * h + 1] = _mm512_fmadd_ps(a, b1, acc[r][2 * h + 1]);
                        }
                    }
                }
            };
        }
        for tap in 0..t.taps {
            let o: [usize; M] = core::array::from_fn(|r| *t.offsets.add(r * t.ld + tap));
            let lo = o.iter().take_while(|&&x| x == PAD).count();
            if lo < M {
                let hi = o.iter().rev().take_while(|&&x| x == PAD).count();
                let p: [*const f32; M] = core::array::from_fn(|r| match o[r] {
                    PAD => t.zero,
                    x => t.base.add(x),
                });
                match (lo, hi) {
                    (0, 0) => tap!(p, 0, 0),
                    (1, 0) => tap!(p, 1, 0),
                    (0, 1) => tap!(p, 0, 1),
                    _ => tap!(p, 0, 0),
                }
            }
            b = b.add(step);
        }
        if let (true, Some((lo, hi))) = (t.last, t.clamp) {
            let (vlo, vhi) = (_mm512_set1_ps(lo), _mm512_set1_ps(hi));
            // maxps returns its second operand for a NaN first one; after it
            // no value is NaN, so `min(·, +∞)` is the identity.
            let upper = hi < f32::INFINITY;
            for row in acc.iter_mut() {
                for x in row.iter_mut() {
                    *x = _mm512_max_ps(*x, vlo);
                    if upper {
                        *x = _mm512_min_ps(*x, vhi);
                    }
                }
            }
        }
        // Whole rows at 64-byte boundaries stream: every vector a line.
        let stream = STREAM && t.last && t.n == nr && (t.c as usize).is_multiple_of(64) && t.ldc.is_multiple_of(16);
        for (r, row) in acc.iter().enumerate() {
            let cr = t.c.add(r * t.ldc);
            if stream {
                for (v, x) in row.iter().enumerate() {
                    _mm512_stream_ps(cr.add(16 * v), *x);
                }
            } else if t.n == nr {
                for (v, x) in row.iter().enumerate() {
                    _mm512_storeu_ps(cr.add(16 * v), *x);
                }
            } else {
                for (v, x) in row.iter().enumerate() {
                    _mm512_mask_storeu_ps(cr.add(16 * v), masks[v], *x);
                }
            }
        }
    }
}

/// `C ← Σ_t Σ_c A[r][t][c]·B[t][c][·]` over the tile's block of taps, A's
/// row `r` at tap `t` being the `kc` floats at `base + offsets[r·ld + t]`
/// (padding taps skipped), then the last block's output stage
/// ([`SconvTile`]). Rows sum from the bias (first block) over their taps and
/// channels in order, FMA by FMA.
///
/// # Safety
///
/// The CPU must have the `avx512` level ([`crate::level::AVX512`]).
/// `1 ≤ m ≤ 7`, `1 ≤ t.n ≤ 64`; `t.offsets` readable at `r·ld + u` for
/// `r < m`, `u < t.taps`; each non-[`PAD`] offset `o` there has `t.kc`
/// floats readable at `t.base + o`, `t.zero` `t.kc` floats; `t.b` holds
/// `t.taps·t.kc·64` floats; `t.c + r·t.ldc` is readable (unless `first`)
/// and writable for `t.n` floats for `r < m`, owned by the caller; a
/// non-null bias holds `t.n` floats;
/// `t.clamp`'s bounds are not NaN.
pub unsafe fn sconv_f32_7x64_avx512(m: usize, t: &SconvTile) {
    // SAFETY: the caller's contract is the tile's, with M = m.
    unsafe {
        match (m, prefetches(t, NR)) {
            (1, _) => tile::<1, 4, false, false>(t),
            (2, _) => tile::<2, 4, false, false>(t),
            (3, _) => tile::<3, 4, false, false>(t),
            (4, _) => tile::<4, 4, false, false>(t),
            (5, _) => tile::<5, 4, false, false>(t),
            (6, _) => tile::<6, 4, false, false>(t),
            (7, false) => tile::<7, 4, false, false>(t),
            (7, true) => tile::<7, 4, false, true>(t),
            _ => {}
        }
    }
}

/// The strip of `s.tiles` tiles of `M` rows × `s.panels` panels of
/// `16·NV` columns, in blocks of [`BLOCK`] tiles, each block panel by panel.
#[inline]
pub(crate) unsafe fn strip<const M: usize, const NV: usize, const STREAM: bool, const PF: bool>(
    t: &SconvTile,
    s: &SconvStrip,
) {
    let nr = 16 * NV;
    for i0 in (0..s.tiles).step_by(BLOCK) {
        for q in 0..s.panels {
            for i in i0..(i0 + BLOCK).min(s.tiles) {
                // SAFETY: tile `i`, panel `q` of the caller's strip: its
                // offsets, weights, bias and output lie where the strip's
                // contract puts them.
                unsafe {
                    let one = SconvTile {
                        offsets: t.offsets.add(i * M * t.ld),
                        b: t.b.add(q * s.b_step),
                        c: t.c.add(i * M * t.ldc + q * nr),
                        n: if q + 1 == s.panels { t.n } else { nr },
                        bias: if t.bias.is_null() { t.bias } else { t.bias.add(q * nr) },
                        ..*t
                    };
                    tile::<M, NV, STREAM, PF>(&one);
                }
            }
        }
    }
}

/// The strip entry ([`SconvStrip`]): tiles of `m` rows, each over
/// `s.panels` panels of 64 columns, as [`sconv_f32_7x64_avx512`] per tile
/// and panel (the same sums, bit for bit), in one call.
///
/// # Safety
///
/// As [`sconv_f32_7x64_avx512`] for every tile and panel of the strip
/// (`1 ≤ m ≤ 7`, `s.tiles`, `s.panels` ≥ 1).
pub unsafe fn sconv_f32_7x64_strip_avx512(m: usize, t: &SconvTile, s: &SconvStrip) {
    // SAFETY: the caller's contract is the strip's, with M = m.
    unsafe {
        match (m, s.stream, prefetches(t, NR)) {
            (7, false, false) => strip::<7, 4, false, false>(t, s),
            (7, true, false) => strip::<7, 4, true, false>(t, s),
            (7, false, true) => strip::<7, 4, false, true>(t, s),
            (7, true, true) => strip::<7, 4, true, true>(t, s),
            (6, ..) => strip::<6, 4, false, false>(t, s),
            (5, ..) => strip::<5, 4, false, false>(t, s),
            (4, ..) => strip::<4, 4, false, false>(t, s),
            (3, ..) => strip::<3, 4, false, false>(t, s),
            (2, ..) => strip::<2, 4, false, false>(t, s),
            (1, ..) => strip::<1, 4, false, false>(t, s),
            _ => {}
        }
    }
}
}
