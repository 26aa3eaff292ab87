//! Packing A and B into pair-interleaved bf16 panels (the layout of the
//! BF16 tile kernels, `lowp_kernels` `gemm_bf16_macros` docs): A panels
//! `[q][MR][2]`, B panels `[q][NR][2]`, element `2q + t` of a row (A) or
//! column (B) at `[q][lane][t]`. Subnormal inputs are flushed to zero here
//! (what `vdpbf16ps` does on reading them), so every level's kernel sees the
//! same operands; f32 inputs are rounded to bf16 on the way.

use super::kernels::{PackARowsFn, PackBRowsFn, PackPairsFn};
use crate::gemm::{PackA, PackB};
use crate::mat::MatRef;
use half::bf16;
use lowp_kernels::scalar::convert_f32_to_bf16::f32_to_bf16_rne;
use std::ops::Range;

/// An element the packers take: bf16 as is, f32 rounded to nearest even.
pub(crate) trait Element: Copy + Sync {
    /// The bf16 the kernels see (subnormals flushed to a zero of their sign).
    fn packed(self) -> bf16;

    /// `a` itself when its elements are bf16 already (a kernel may read it
    /// in place).
    fn as_bf16(a: MatRef<'_, Self>) -> Option<MatRef<'_, bf16>> {
        let _ = a;
        None
    }

    /// Packs `pairs` (`2·even.len()` elements) from two rows of equal
    /// length, with the level's pair packer where the element has one.
    fn pack_pairs(pairs: &mut [bf16], even: &[Self], odd: &[Self], _kernel: Option<PackPairsFn>) {
        for ((pair, &e), &o) in pairs.chunks_exact_mut(2).zip(even).zip(odd) {
            pair[0] = e.packed();
            pair[1] = o.packed();
        }
    }
}

impl Element for bf16 {
    #[inline]
    fn packed(self) -> bf16 {
        let u = self.to_bits();
        bf16::from_bits(if u & 0x7f80 == 0 { u & 0x8000 } else { u })
    }

    fn as_bf16(a: MatRef<'_, bf16>) -> Option<MatRef<'_, bf16>> {
        Some(a)
    }

    fn pack_pairs(pairs: &mut [bf16], even: &[bf16], odd: &[bf16], kernel: Option<PackPairsFn>) {
        let n = even.len();
        match kernel {
            Some(f) if odd.len() == n && pairs.len() == 2 * n => {
                // SAFETY: both rows hold n elements and `pairs` 2n (checked),
                // written as n u32 (unaligned stores); bf16 is a transparent
                // u16; the kernel belongs to an ISA the CPU has.
                unsafe {
                    f(
                        even.as_ptr().cast(),
                        odd.as_ptr().cast(),
                        n,
                        pairs.as_mut_ptr().cast(),
                    )
                }
            }
            _ => {
                for ((pair, &e), &o) in pairs.chunks_exact_mut(2).zip(even).zip(odd) {
                    pair[0] = e.packed();
                    pair[1] = o.packed();
                }
            }
        }
    }
}

impl Element for f32 {
    #[inline]
    fn packed(self) -> bf16 {
        bf16::from_bits(f32_to_bf16_rne(self))
    }
}

/// One panel: lane `l < valid` reads element (lane `l0 + l`, depth `d`) at
/// `data[(l0 + l)·s_lane + d·s_depth]` for `d ∈ ks`; `dst` is `[q][width][2]`
/// with depth past `ks` and lanes past `valid` zero.
#[allow(clippy::too_many_arguments)]
fn pack_panel<T: Element>(
    dst: &mut [bf16],
    data: &[T],
    width: usize,
    valid: usize,
    l0: usize,
    s_lane: usize,
    s_depth: usize,
    ks: &Range<usize>,
) {
    let zero = bf16::from_bits(0);
    let kc = ks.len();
    if s_lane == 1 {
        // Each depth is `valid` contiguous lanes (row-major B): two rows
        // zipped into pairs.
        for (q, group) in dst.chunks_exact_mut(2 * width).enumerate() {
            let d0 = ks.start + 2 * q;
            let even = &data[d0 * s_depth + l0..][..valid];
            let odd = (2 * q + 1 < kc).then(|| &data[(d0 + 1) * s_depth + l0..][..valid]);
            pack_pairs(group, even, odd, None);
        }
        return;
    }
    if s_depth == 1 && valid == width {
        // Each lane is `kc` contiguous elements (row-major A): its pairs
        // dealt out one group apart, an odd K's last pair padded.
        for l in 0..width {
            let line = &data[(l0 + l) * s_lane + ks.start..][..kc];
            let mut groups = dst.chunks_exact_mut(2 * width);
            // `line` first: the zip stops on it without taking a group.
            for (src, group) in line.chunks_exact(2).zip(groups.by_ref()) {
                group[2 * l] = src[0].packed();
                group[2 * l + 1] = src[1].packed();
            }
            if let (Some(group), [x]) = (groups.next(), line.chunks_exact(2).remainder()) {
                group[2 * l] = x.packed();
                group[2 * l + 1] = zero;
            }
        }
        return;
    }
    for (q, group) in dst.chunks_exact_mut(2 * width).enumerate() {
        let (d0, more) = (ks.start + 2 * q, 2 * q + 1 < kc);
        for (l, pair) in group.chunks_exact_mut(2).enumerate() {
            if l >= valid {
                pair.fill(zero);
                continue;
            }
            let base = (l0 + l) * s_lane + d0 * s_depth;
            pair[0] = data[base].packed();
            pair[1] = if more { data[base + s_depth].packed() } else { zero };
        }
    }
}

/// Packs A blocks (bf16 or f32 elements) into `[q][MR][2]` panels, a
/// block's last panel of `r < MR` rows into `[q][r][2]` (the rest of its
/// space unwritten: the kernels read only the rows they compute); a
/// row-major bf16 A of even depth with the level's panel packer where it
/// has one.
pub(crate) struct PackABf16<'a, T>(pub(crate) MatRef<'a, T>, pub(crate) Option<PackARowsFn>);

impl<T: Element> PackA<bf16> for PackABf16<'_, T> {
    fn pack_a(&self, dst: &mut [bf16], mr: usize, rows: Range<usize>, ks: Range<usize>) {
        let a = &self.0;
        let (data, rs, cs) = (a.as_slice(), a.row_stride(), a.col_stride());
        let kcp = ks.len().next_multiple_of(2);
        if let (Some(f), Some(a)) = (self.1, T::as_bf16(*a)) {
            if cs == 1 && ks.len().is_multiple_of(2) && mr <= 16 {
                let data = a.as_slice();
                for (panel, dst) in dst.chunks_exact_mut(mr * kcp).enumerate() {
                    let i0 = rows.start + panel * mr;
                    let valid = mr.min(rows.end - i0);
                    let src = &data[i0 * rs + ks.start..][..(valid - 1) * rs + ks.len()];
                    let dst = &mut dst[..valid * kcp];
                    // SAFETY: `valid ≤ 16` rows, `rs` apart, each of `kcp`
                    // elements inside `src`; `dst` holds `kcp/2` groups of
                    // `valid` pairs (u32, stored unaligned); bf16 is a
                    // transparent u16; the kernel belongs to an ISA the CPU has.
                    unsafe { f(src.as_ptr().cast(), rs, valid, kcp / 2, dst.as_mut_ptr().cast()) };
                }
                return;
            }
        }
        for (panel, dst) in dst.chunks_exact_mut(mr * kcp).enumerate() {
            let i0 = rows.start + panel * mr;
            // A short panel holds only its rows (groups of `valid` pairs):
            // the kernels compute the rows they are given.
            let valid = mr.min(rows.end - i0);
            pack_panel(&mut dst[..valid * kcp], data, valid, valid, i0, rs, cs, &ks);
        }
    }
}

/// The A "packer" of a tile that reads A in place: packs nothing.
pub(crate) struct InPlaceA;

impl PackA<bf16> for InPlaceA {
    fn pack_a(&self, _dst: &mut [bf16], _mr: usize, _rows: Range<usize>, _ks: Range<usize>) {}
}

/// Packs B blocks (bf16 or f32 elements) into `[q][NR][2]` panels, with
/// the level's pair packer for row-major bf16, or its row-pair packer
/// (all the block's panels at once) where it has one.
pub(crate) struct PackBBf16<'a, T>(
    pub(crate) MatRef<'a, T>,
    pub(crate) PackPairsFn,
    pub(crate) Option<PackBRowsFn>,
);

/// Row pairs ahead the row-pair packer prefetches: rows a page or more
/// apart are one memory latency each, so the stream needs many in flight
/// (16×4096×4096, B per call: 8 pairs 5.1 ms, 16 4.3, 32 4.0; docs/tuning.md).
const PREFETCH_PAIRS: usize = 32;

/// Packs `ks × cols` of a row-major bf16 B (row stride `rs`) into 32-column
/// panels with the row-pair packer `f`: one call per pair of rows for the
/// whole block, the rows `PREFETCH_PAIRS` pairs ahead prefetched.
fn pack_b_rows(
    f: PackBRowsFn,
    dst: &mut [bf16],
    data: &[bf16],
    rs: usize,
    ks: Range<usize>,
    cols: Range<usize>,
) {
    const NR: usize = 32;
    let width = cols.len();
    let kcp = ks.len().next_multiple_of(2);
    let ahead = PREFETCH_PAIRS * 2 * rs;
    let panel_u32 = NR * kcp / 2;
    debug_assert!(dst.len() >= width.div_ceil(NR) * NR * kcp);
    let dst32 = dst.as_mut_ptr().cast::<u32>();
    for q in 0..ks.len() / 2 {
        let d0 = ks.start + 2 * q;
        let even = data[d0 * rs + cols.start..][..width].as_ptr();
        let odd = data[(d0 + 1) * rs + cols.start..][..width].as_ptr();
        let (pe, po) = (even.wrapping_add(ahead), odd.wrapping_add(ahead));
        // SAFETY: both rows hold `width` elements (sliced above); group q of
        // panel c is u32 `c·panel_u32 + q·NR ..+ NR` of `dst`, inside its
        // `⌈width/NR⌉·NR·kcp` u16 (q < kcp/2); prefetches never fault; the
        // kernel belongs to an ISA the CPU has; bf16 is a transparent u16.
        unsafe {
            f(
                even.cast(),
                odd.cast(),
                width,
                dst32.add(q * NR),
                panel_u32,
                pe.cast(),
                po.cast(),
            )
        };
    }
    if ks.len() % 2 == 1 {
        // An odd K's last row, paired with zeros.
        let q = ks.len() / 2;
        let even = &data[(ks.end - 1) * rs + cols.start..][..width];
        for (c, panel) in dst
            .chunks_exact_mut(NR * kcp)
            .take(width.div_ceil(NR))
            .enumerate()
        {
            let e = &even[c * NR..width.min((c + 1) * NR)];
            pack_pairs::<bf16>(&mut panel[q * 2 * NR..(q + 1) * 2 * NR], e, None, None);
        }
    }
}

impl<T: Element> PackB<bf16> for PackBBf16<'_, T> {
    fn pack_b(&self, dst: &mut [bf16], nr: usize, ks: Range<usize>, cols: Range<usize>) {
        let b = &self.0;
        let (data, rs, cs) = (b.as_slice(), b.row_stride(), b.col_stride());
        let kcp = ks.len().next_multiple_of(2);
        if let (true, 32, Some(f), Some(b16)) = (cs == 1, nr, self.2, T::as_bf16(*b)) {
            pack_b_rows(f, dst, b16.as_slice(), rs, ks, cols);
            return;
        }
        if cs == 1 {
            // Row-major B: a band of `band` pairs of rows at a time, dealt
            // out panel by panel. Wide blocks go one pair of rows at a time
            // (each row read in one sequential run); narrow ones (short row
            // pieces, as small M's column blocks at deep K) in bands of 8,
            // which keeps the hardware prefetcher ahead of rows a page or
            // more apart (measured: docs/tuning.md, "BF16 GEMM").
            let width = cols.len();
            let band = if width >= 128 { 1 } else { 8 };
            let pairs = kcp / 2;
            for q0 in (0..pairs).step_by(band) {
                for (panel, dst) in dst.chunks_exact_mut(nr * kcp).enumerate() {
                    let j0 = panel * nr;
                    let valid = nr.min(width - j0);
                    for q in q0..pairs.min(q0 + band) {
                        let d0 = ks.start + 2 * q;
                        let even = &data[d0 * rs + cols.start + j0..][..valid];
                        let odd =
                            (d0 + 1 < ks.end).then(|| &data[(d0 + 1) * rs + cols.start + j0..][..valid]);
                        pack_pairs(&mut dst[q * 2 * nr..(q + 1) * 2 * nr], even, odd, Some(self.1));
                    }
                }
            }
            return;
        }
        for (panel, dst) in dst.chunks_exact_mut(nr * kcp).enumerate() {
            let j0 = cols.start + panel * nr;
            pack_panel(dst, data, nr, nr.min(cols.end - j0), j0, cs, rs, &ks);
        }
    }
}

/// One `[NR][2]` group from the lanes' even and odd depth (`None`: past K,
/// zeros), lanes past `even.len()` zero.
fn pack_pairs<T: Element>(group: &mut [bf16], even: &[T], odd: Option<&[T]>, kernel: Option<PackPairsFn>) {
    let zero = bf16::from_bits(0);
    let (pairs, pad) = group.split_at_mut(2 * even.len());
    match odd {
        Some(odd) => T::pack_pairs(pairs, even, odd, kernel),
        None => {
            for (pair, &e) in pairs.chunks_exact_mut(2).zip(even) {
                pair[0] = e.packed();
                pair[1] = zero;
            }
        }
    }
    pad.fill(zero);
}
