//! Packing: weights once into [`PackedI8Weights`] (VNNI layout, column sums,
//! zero points, per-panel saturation verdicts); activations per call into
//! zero-padded u8 rows with their sums.

use super::lhs::{scatter_row, Int8Lhs, RowScales, RowSums, RowZeroPoints};
use super::{Int8, KernelPreference, Saturation, WeightZeroPoint};
use crate::error::{Error, Result};
use crate::gemm::blocking::{self, round_up};
use crate::gemm::{buffers, PackB, PackedB};
use crate::{Context, Isa, MatRef};
use multiversion::multiversion;
use std::ops::Range;

/// Weights `B` (`K × N`, s8 or u8, any strides) packed once for the INT8
/// GEMM of one ISA level, like FBGEMM's `PackBMatrix`.
///
/// Holds the VNNI layout (panels of `nr` columns; in each, groups of 4
/// consecutive k per column, K zero-padded to a multiple of 4), the weights
/// moved to s8 (`b' = b − 128` for u8 weights), the column sums of `b'`, the
/// zero points (per tensor or per output column), and on levels without
/// VNNI the verdict of each panel: whether the `vpmaddubsw` chain can
/// saturate on it (then the exact s16 path runs it). The object remembers
/// the level it was packed for; using it under another level is an `Err`.
///
/// ```
/// use lowp::igemm::{PackOptions, PackedI8Weights, WeightZeroPoint};
/// let ctx = lowp::Context::builder().threads(1).build()?;
/// let w = vec![1i8; 3 * 5]; // K = 3, N = 5, row-major
/// let b = lowp::MatRef::row_major(&w, 3, 5)?;
/// let p = PackedI8Weights::pack(&ctx, b, WeightZeroPoint::PerTensor(0), PackOptions::default())?;
/// assert_eq!((p.k(), p.n()), (3, 5));
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct PackedI8Weights {
    pub(crate) isa: Isa,
    pub(crate) k: usize,
    pub(crate) n: usize,
    pub(crate) nr: usize,
    /// The panels in the shared driver's prepacked form: one K block of
    /// depth `4·⌈K/4⌉`, panels `[K/4][NR][4]` of s8.
    pub(crate) packed: PackedB<i8>,
    /// Σ_k b'[k][j], padded to whole panels.
    pub(crate) colsum: Vec<i32>,
    /// zb'_j = zb_j − 128 (u8 weights) or zb_j (s8), padded to whole panels.
    pub(crate) zb: Vec<i32>,
    /// max over j, k of |b'[k][j] − zb'_j| (0 when K or N is 0).
    pub(crate) max_abs_b: i64,
    /// max over j of |zb'_j|.
    pub(crate) max_abs_zb: i64,
    pub(crate) signed: bool,
    pub(crate) saturation: Saturation,
    pub(crate) preference: KernelPreference,
    /// Per panel: true = the main kernel (chain or vpdpbusd), false = exact path.
    pub(crate) use_main: Vec<bool>,
}

/// How [`PackedI8Weights::pack`] chooses kernels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PackOptions {
    /// Exact (default) or saturating `vpmaddubsw` chain on levels without VNNI.
    pub saturation: Saturation,
    /// Which kernel family to prefer (for comparisons; `Auto` is best).
    pub preference: KernelPreference,
}

impl PackedI8Weights {
    /// Packs `b` (`K × N`) for `ctx`'s ISA level. `zero_point` is the
    /// weights' zero point, per tensor or per column (length N), within the
    /// weight type's range.
    pub fn pack<B: Int8>(
        ctx: &Context,
        b: MatRef<'_, B>,
        zero_point: WeightZeroPoint<'_>,
        options: PackOptions,
    ) -> Result<PackedI8Weights> {
        Self::pack_impl(ctx, b, zero_point, options, true)
    }

    /// [`PackedI8Weights::pack`]; `fast = false` runs the element-by-element
    /// scalar packer for every layout (the oracle of the fast paths).
    pub(crate) fn pack_impl<B: Int8>(
        ctx: &Context,
        b: MatRef<'_, B>,
        zero_point: WeightZeroPoint<'_>,
        options: PackOptions,
        fast: bool,
    ) -> Result<PackedI8Weights> {
        let (k, n) = (b.rows(), b.cols());
        let isa = ctx.isa();
        let kernels = ctx.kernels().igemm;
        let nr = kernels.nr;
        // The raw accumulator Σ a'·b' with a' ≤ 255, |b'| ≤ 128 must not
        // wrap past what the compensation can repair: the result bound is
        // checked per call; here refuse a K no call could use. Checked
        // before anything is allocated per column (a zero-size view may
        // claim any K or N).
        if k > MAX_K {
            return Err(Error::overflow(
                "b",
                format!("K = {k} exceeds {MAX_K}, past which Σ u8·s8 can overflow s32"),
            ));
        }
        if n > isize::MAX as usize / 16 {
            return Err(Error::overflow(
                "b",
                format!("N = {n} columns of per-column sums exceed the address space"),
            ));
        }
        if let WeightZeroPoint::PerColumn(z) = zero_point {
            if z.len() != n {
                return Err(Error::shape(format!(
                    "zero_point has {} entries but b has {n} columns",
                    z.len()
                )));
            }
        }
        let zps: Vec<i32> = (0..n).map(|j| zero_point.at(j)).collect();
        if let Some(z) = zps.iter().find(|&&z| z < B::MIN || z > B::MAX) {
            return Err(Error::param(
                "zero_point",
                format!("weight zero point {z} is outside [{}, {}]", B::MIN, B::MAX),
            ));
        }
        match options.preference {
            KernelPreference::Ymm if kernels.alt.is_none() => {
                return Err(Error::param(
                    "options.preference",
                    format!("no ymm vpdpbusd kernel on {isa} (only on avx512vnni)"),
                ))
            }
            KernelPreference::ExactS16 if kernels.exact.is_none() => {
                return Err(Error::param(
                    "options.preference",
                    format!("{isa} has no separate exact s16 path (its vpdpbusd kernel is exact)"),
                ))
            }
            _ => {}
        }
        let kg = k.div_ceil(4);
        let n_panels = n.div_ceil(nr);
        kg.checked_mul(nr * 4)
            .and_then(|p| p.checked_mul(n_panels))
            .filter(|&t| t <= isize::MAX as usize / 2)
            .ok_or_else(|| {
                Error::overflow("b", format!("a {k}x{n} packed matrix exceeds the address space"))
            })?;
        let kernel = kernels.main.name;
        let packer = PackWeights { b, fast };
        let packed = PackedB::pack_with(k, n, blocking::int8_prepacked_kc(k), nr, 4, isa, kernel, &packer)?;
        let mut colsum = vec![0i32; n_panels * nr];
        let mut zb = vec![0i32; n_panels * nr];
        for (z, &zp) in zb.iter_mut().zip(&zps) {
            *z = zp - B::S8_SHIFT;
        }
        let max_abs_b = if fast {
            column_stats(b, &mut colsum[..n], &zb[..n])
        } else {
            column_stats_scalar(b, &mut colsum[..n], &zb[..n])
        };
        let max_abs_zb = zb.iter().map(|&z| (z as i64).abs()).max().unwrap_or(0);
        let panel_len = 4 * kg * nr;
        let use_main = (0..n_panels)
            .map(
                |p| match (options.preference, kernels.main.saturates, options.saturation) {
                    (KernelPreference::ExactS16, _, _) => false,
                    (_, false, _) | (_, true, Saturation::Allow) => true,
                    (_, true, Saturation::Exact) => panel_is_chain_safe(&packed.block(0, p)[..panel_len]),
                },
            )
            .collect();
        Ok(PackedI8Weights {
            isa,
            k,
            n,
            nr,
            packed,
            colsum,
            zb,
            max_abs_b,
            max_abs_zb,
            signed: B::SIGNED,
            saturation: options.saturation,
            preference: options.preference,
            use_main,
        })
    }

    /// K (rows of B).
    pub fn k(&self) -> usize {
        self.k
    }
    /// N (columns of B, output channels).
    pub fn n(&self) -> usize {
        self.n
    }
    /// The ISA level whose layout this holds.
    pub fn isa(&self) -> Isa {
        self.isa
    }
    /// Panel width (columns per packed panel).
    pub fn panel_width(&self) -> usize {
        self.nr
    }
    /// Whether the weights were s8 (else u8).
    pub fn weights_signed(&self) -> bool {
        self.signed
    }
    /// The saturation mode chosen at packing.
    pub fn saturation(&self) -> Saturation {
        self.saturation
    }
    /// `(main, exact)`: how many panels run the level's main kernel
    /// (`vpdpbusd`, or the `vpmaddubsw` chain on levels without VNNI) and how
    /// many the exact s16 path (always 0 on VNNI levels).
    pub fn panel_paths(&self) -> (usize, usize) {
        let main = self.use_main.iter().filter(|&&u| u).count();
        (main, self.use_main.len() - main)
    }
}

/// Largest K any call accepts: 255·128·K must fit i32.
pub const MAX_K: usize = (i32::MAX as usize) / (255 * 128);

/// Whether no pair of weights `(b'[2p][j], b'[2p+1][j])` in this panel can
/// push `vpmaddubsw` out of s16 for any u8 activations:
/// `255·(b⁺ₖ + b⁺ₖ₊₁) ≤ 32767` and `255·(b⁻ₖ + b⁻ₖ₊₁) ≥ −32768`.
fn panel_is_chain_safe(panel: &[i8]) -> bool {
    // Each column's 4 bytes of a group hold pairs (0,1) and (2,3).
    panel.chunks_exact(2).all(|pair| {
        let (x, y) = (pair[0] as i32, pair[1] as i32);
        255 * (x.max(0) + y.max(0)) <= i16::MAX as i32 && 255 * (x.min(0) + y.min(0)) >= i16::MIN as i32
    })
}

/// Σ_k b'[k][j] of each column into `colsum` (length N), and the largest
/// |b'[k][j] − zb'_j| (0 when K or N is 0), element by element.
fn column_stats_scalar<B: Int8>(b: MatRef<'_, B>, colsum: &mut [i32], zb: &[i32]) -> i64 {
    let mut max_abs_b = 0i64;
    for (j, (s, &zbj)) in colsum.iter_mut().zip(zb).enumerate() {
        *s = 0;
        for kk in 0..b.rows() {
            let v = b.at(kk, j).to_s8_shifted();
            *s += v as i32;
            max_abs_b = max_abs_b.max((v as i64 - zbj as i64).abs());
        }
    }
    max_abs_b
}

/// [`column_stats_scalar`] in the order the layout is stored in: down each
/// column when columns are contiguous, across each row when rows are (with
/// per-column minimum and maximum: |v − z| is largest at an extreme of v).
fn column_stats<B: Int8>(b: MatRef<'_, B>, colsum: &mut [i32], zb: &[i32]) -> i64 {
    let (k, n) = (b.rows(), b.cols());
    if k == 0 || n == 0 {
        colsum.fill(0);
        return 0;
    }
    let data = b.as_slice();
    let (rs, cs) = (b.row_stride(), b.col_stride());
    let spread = |lo: i32, hi: i32, z: i32| (lo as i64 - z as i64).abs().max((hi as i64 - z as i64).abs());
    if rs == 1 {
        let mut max_abs_b = 0i64;
        for (j, (s, &z)) in colsum.iter_mut().zip(zb).enumerate() {
            let col = &data[j * cs..j * cs + k];
            let (mut sum, mut lo, mut hi) = (0i32, i8::MAX, i8::MIN);
            for &x in col {
                let v = x.to_s8_shifted();
                sum += v as i32;
                lo = lo.min(v);
                hi = hi.max(v);
            }
            *s = sum;
            max_abs_b = max_abs_b.max(spread(lo as i32, hi as i32, z));
        }
        max_abs_b
    } else if cs == 1 {
        colsum.fill(0);
        let mut lo = vec![i8::MAX; n];
        let mut hi = vec![i8::MIN; n];
        // Blocks of columns whose running sums stay in L1.
        const BLOCK: usize = 2048;
        for j0 in (0..n).step_by(BLOCK) {
            let j1 = n.min(j0 + BLOCK);
            let (sb, lb, hb) = (&mut colsum[j0..j1], &mut lo[j0..j1], &mut hi[j0..j1]);
            for kk in 0..k {
                let row = &data[kk * rs + j0..kk * rs + j1];
                for (((s, l), h), &x) in sb.iter_mut().zip(lb.iter_mut()).zip(hb.iter_mut()).zip(row) {
                    let v = x.to_s8_shifted();
                    *s += v as i32;
                    *l = (*l).min(v);
                    *h = (*h).max(v);
                }
            }
        }
        (0..n)
            .map(|j| spread(lo[j] as i32, hi[j] as i32, zb[j]))
            .max()
            .unwrap_or(0)
    } else {
        column_stats_scalar(b, colsum, zb)
    }
}

/// Packs weights into the driver's B panels: `b' = b − S8_SHIFT`, per
/// panel `[k/4][NR][4]` (column `j`'s 4 bytes of group `g` at `g·NR·4 + 4j`).
/// `fast`: whole k-groups at a time when columns or rows are contiguous
/// (else, and with `fast = false`, element by element).
struct PackWeights<'a, B: Int8> {
    b: MatRef<'a, B>,
    fast: bool,
}

impl<B: Int8> PackB<i8> for PackWeights<'_, B> {
    fn pack_b(&self, dst: &mut [i8], nr: usize, ks: Range<usize>, cols: Range<usize>) {
        let b = self.b;
        dst.fill(0);
        let kcp = round_up(ks.len(), 4);
        let (rs, cs) = (b.row_stride(), b.col_stride());
        let (klen, kfull) = (ks.len(), ks.len() / 4 * 4);
        let data = b.as_slice();
        if !self.fast || klen == 0 || cols.is_empty() || (rs != 1 && cs != 1) {
            for (jj, j) in cols.enumerate() {
                let base = (jj / nr) * nr * kcp + (jj % nr) * 4;
                for (kk, k) in ks.clone().enumerate() {
                    dst[base + (kk / 4) * nr * 4 + kk % 4] = b.at(k, j).to_s8_shifted();
                }
            }
            return;
        }
        let gs = 4 * nr;
        if rs == 1 {
            // Column j is contiguous: its groups of 4 go whole.
            for (jj, j) in cols.enumerate() {
                let col = &data[j * cs + ks.start..j * cs + ks.end];
                let panel = &mut dst[(jj / nr) * nr * kcp..][..nr * kcp];
                let off = (jj % nr) * 4;
                let mut groups = panel.chunks_exact_mut(gs);
                for (c, group) in col.chunks_exact(4).zip(&mut groups) {
                    group[off..off + 4].copy_from_slice(&[
                        c[0].to_s8_shifted(),
                        c[1].to_s8_shifted(),
                        c[2].to_s8_shifted(),
                        c[3].to_s8_shifted(),
                    ]);
                }
                if let Some(group) = groups.next() {
                    for (d, &x) in group[off..].iter_mut().zip(&col[kfull..]) {
                        *d = x.to_s8_shifted();
                    }
                }
            }
        } else {
            // Rows are contiguous: 4 rows interleaved per group, group by
            // group across all panels (the rows are read in order).
            let j0 = cols.start;
            let panels = cols.len().div_ceil(nr);
            for g in 0..kcp / 4 {
                let kk = 4 * g;
                for p in 0..panels {
                    let c0 = j0 + p * nr;
                    let w = nr.min(cols.end - c0);
                    let row = |kk: usize| &data[(ks.start + kk) * rs + c0..][..w];
                    let group = &mut dst[p * nr * kcp + g * gs..][..gs];
                    if kk < kfull {
                        let (r0, r1, r2, r3) = (row(kk), row(kk + 1), row(kk + 2), row(kk + 3));
                        let quads = r0.iter().zip(r1).zip(r2).zip(r3);
                        for (out, (((&x0, &x1), &x2), &x3)) in group[..4 * w].chunks_exact_mut(4).zip(quads) {
                            out.copy_from_slice(&[
                                x0.to_s8_shifted(),
                                x1.to_s8_shifted(),
                                x2.to_s8_shifted(),
                                x3.to_s8_shifted(),
                            ]);
                        }
                    } else {
                        for r in 0..klen - kk {
                            for (jj, &x) in row(kk + r).iter().enumerate() {
                                group[4 * jj + r] = x.to_s8_shifted();
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Activations `A` (`M × K`, u8 or s8, any strides) as the INT8 GEMM's A
/// operand, with their zero points: packing moves them to u8
/// (`a' = a + 128` for s8) and records `Σ_k a'` of each row on the way.
pub(crate) struct Activations<'a, A: Int8> {
    a: MatRef<'a, A>,
    /// za'_i.
    za: RowZeroPoints<'a>,
    /// Per-row dequantization factors (dynamic quantization).
    row_scale: RowScales<'a>,
    /// max |a' − za'| over the rows (for the K bound).
    max_abs_a: i64,
    /// The level's 4-row packer, if any.
    pack4: Option<super::kernels::PackA4Fn>,
}

impl<'a, A: Int8> Activations<'a, A> {
    /// `a` with one zero point `za` for all rows, packed with `ctx`'s level.
    pub(crate) fn new(ctx: &Context, a: MatRef<'a, A>, za: i32) -> Self {
        Activations {
            a,
            za: RowZeroPoints::Uniform(za + A::U8_SHIFT),
            row_scale: RowScales::One,
            max_abs_a: (A::MIN as i64 - za as i64)
                .abs()
                .max((A::MAX as i64 - za as i64).abs()),
            pack4: ctx.kernels().igemm.helpers.pack_a4,
        }
    }
}

impl<'a> Activations<'a, u8> {
    /// `a` with a zero point and a dequantization factor per row (M each;
    /// zero points within u8), packed with `ctx`'s level.
    pub(crate) fn per_row(ctx: &Context, a: MatRef<'a, u8>, za: &'a [i32], row_scale: &'a [f32]) -> Self {
        debug_assert!(za.len() == a.rows() && row_scale.len() == a.rows());
        Activations {
            a,
            za: RowZeroPoints::PerRow(za),
            row_scale: RowScales::PerRow(row_scale),
            // |a − za| ≤ 255 for u8 values and zero points.
            max_abs_a: 255,
            pack4: ctx.kernels().igemm.helpers.pack_a4,
        }
    }
}

impl<A: Int8> Int8Lhs for Activations<'_, A> {
    fn rows(&self) -> usize {
        self.a.rows()
    }
    fn depth(&self) -> usize {
        self.a.cols()
    }
    fn zero_points(&self) -> RowZeroPoints<'_> {
        self.za
    }
    fn row_scales(&self) -> RowScales<'_> {
        self.row_scale
    }
    fn max_abs_a(&self) -> i64 {
        self.max_abs_a
    }
    fn in_place(&self) -> Option<(&[u8], usize)> {
        A::as_u8(self.a.as_slice())
            .filter(|_| self.a.is_row_contiguous())
            .map(|s| (s, self.a.row_stride()))
    }

    /// Rows gathered one at a time through a staging row (contiguous rows:
    /// a vectorized copy and sum), or four at a time in whole 64-byte
    /// blocks where the level has a packer for them.
    fn pack_panels(&self, dst: &mut [u8], mr: usize, rows: Range<usize>, sums: RowSums<'_>) {
        let k = self.a.cols();
        let kcp = round_up(k, 4);
        if kcp == 0 {
            rows.for_each(|i| sums.set(i, 0));
            return;
        }
        let mut row = buffers::take::<u8>(buffers::SLOT_ROW, kcp);
        let row = &mut row[..kcp];
        row[k..].fill(0);
        let gs = 4 * mr;
        let contiguous = self.a.is_row_contiguous();
        // Bytes `from..` of row `i` (a multiple of 4) into row `r` of the
        // panel, through `row`; returns their sum.
        let tail = |row: &mut [u8], panel: &mut [u8], i: usize, r: usize, from: usize| -> i32 {
            let src = &mut row[from..k];
            let sum = if contiguous {
                let start = i * self.a.row_stride() + from;
                A::pack_row(&self.a.as_slice()[start..start + src.len()], src)
            } else {
                for (kk, d) in src.iter_mut().enumerate() {
                    *d = self.a.at(i, from + kk).to_u8_shifted();
                }
                src.iter().map(|&x| x as i32).sum()
            };
            scatter_row(&row[from..], &mut panel[from / 4 * gs..], mr, r);
            sum
        };
        let blocks = k / 64;
        let pack4 = self.pack4.filter(|_| contiguous && blocks > 0);
        let xor = if A::U8_SHIFT != 0 { 0x80 } else { 0 };
        for (q, panel) in dst.chunks_exact_mut(mr * kcp).enumerate() {
            let i0 = rows.start + q * mr;
            let nrows = mr.min(rows.end - i0);
            let mut r = 0;
            if let Some(f) = pack4 {
                let lda = self.a.row_stride();
                while r + 4 <= nrows {
                    let start = (i0 + r) * lda;
                    let src = &self.a.as_slice()[start..start + 3 * lda + 64 * blocks];
                    let out = &mut panel[4 * r..];
                    assert!(out.len() >= (16 * blocks - 1) * gs + 16);
                    // SAFETY: the level's packer (available); `src` holds the 4 rows' first 64·blocks bytes at stride
                    // `lda` (sliced, A is one byte per element), `out` the 16·blocks groups of 16 bytes at stride gs
                    // (checked); they do not overlap.
                    let four =
                        unsafe { f(src.as_ptr() as *const u8, lda, blocks, xor, out.as_mut_ptr(), gs) };
                    for (rr, s) in four.into_iter().enumerate() {
                        let rest = if 64 * blocks < k {
                            tail(row, panel, i0 + r + rr, r + rr, 64 * blocks)
                        } else {
                            0
                        };
                        sums.set(i0 + r + rr, (s as i32).wrapping_add(rest));
                    }
                    r += 4;
                }
            }
            for r in r..nrows {
                sums.set(i0 + r, tail(row, panel, i0 + r, r, 0));
            }
        }
    }
}

/// Copies a u8 row, returning its sum.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
pub(crate) fn pack_row_u8(src: &[u8], dst: &mut [u8]) -> i32 {
    let mut s = 0i32;
    for (d, &x) in dst.iter_mut().zip(src) {
        *d = x;
        s += x as i32;
    }
    s
}

/// Moves an s8 row to u8 (`+128`), returning the sum of the results.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512vl+avx512dq", "x86_64+avx2+fma"))]
pub(crate) fn pack_row_s8(src: &[i8], dst: &mut [u8]) -> i32 {
    let mut s = 0i32;
    for (d, &x) in dst.iter_mut().zip(src) {
        let v = (x as u8) ^ 0x80;
        *d = v;
        s += v as i32;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic bytes with the extremes mixed in.
    fn bytes(len: usize, seed: u32) -> Vec<u8> {
        (0..len)
            .map(|i| {
                let h = (i as u32 ^ seed).wrapping_mul(2_654_435_761).rotate_left(7);
                match h % 7 {
                    0 => 0x80,
                    1 => 0x7f,
                    2 => 0xff,
                    3 => 0,
                    _ => (h >> 11) as u8,
                }
            })
            .collect()
    }

    /// The fast packer against the element-by-element one: identical
    /// panels, column sums, zero points, bounds and panel verdicts.
    fn check<B: Int8>(
        ctx: &Context,
        b: MatRef<'_, B>,
        zp: WeightZeroPoint<'_>,
        options: PackOptions,
        what: &str,
    ) {
        let fast = PackedI8Weights::pack_impl(ctx, b, zp, options, true).unwrap();
        let slow = PackedI8Weights::pack_impl(ctx, b, zp, options, false).unwrap();
        let (k, n) = (b.rows(), b.cols());
        let what = format!("{what} {} K={k} N={n} {zp:?} {options:?}", ctx.isa());
        assert_eq!(fast.packed.block(0, 0), slow.packed.block(0, 0), "{what}: panels");
        assert_eq!(fast.colsum, slow.colsum, "{what}: column sums");
        assert_eq!(fast.zb, slow.zb, "{what}: zero points");
        assert_eq!(fast.max_abs_b, slow.max_abs_b, "{what}: max |b'|");
        assert_eq!(fast.max_abs_zb, slow.max_abs_zb, "{what}: max |zb'|");
        assert_eq!(fast.use_main, slow.use_main, "{what}: panel verdicts");
    }

    fn layouts<B: Int8>(ctx: &Context, data: &[B], k: usize, n: usize, zps: &[i32], options: PackOptions) {
        let zp_list = [
            WeightZeroPoint::PerTensor(0),
            WeightZeroPoint::PerTensor(zps[0]),
            WeightZeroPoint::PerColumn(&zps[..n]),
        ];
        for zp in zp_list {
            // Row-major, column-major (N vectors of length K), both with
            // padded strides, and a layout with neither stride 1.
            let views = [
                ("row-major", MatRef::row_major(&data[..k * n], k, n).unwrap()),
                ("col-major", MatRef::row_major(&data[..k * n], n, k).unwrap().t()),
                (
                    "row-major padded",
                    MatRef::named("b", data, k, n, n + 3, 1).unwrap(),
                ),
                (
                    "col-major padded",
                    MatRef::named("b", data, k, n, 1, k + 5).unwrap(),
                ),
                ("strided", MatRef::named("b", data, k, n, 2, 2 * k + 1).unwrap()),
            ];
            for (what, v) in views {
                check(ctx, v, zp, options, what);
            }
        }
    }

    /// A one-thread context capped at `isa`, ignoring the environment.
    fn one_thread(isa: Isa) -> Context {
        Context::builder()
            .max_isa(isa)
            .threads(1)
            .ignore_env()
            .build()
            .unwrap()
    }

    #[test]
    fn fast_pack_is_identical_to_scalar_pack() {
        for isa in Isa::available() {
            let ctx = one_thread(isa);
            let nr = ctx.kernels().igemm.nr;
            let ks = [0, 1, 2, 3, 4, 5, 7, 8, 13, 64, 67, 130];
            let ns = [0, 1, 2, 5, nr - 1, nr, nr + 1, 2 * nr + 3];
            let mut options = vec![PackOptions::default()];
            options.push(PackOptions {
                saturation: Saturation::Allow,
                ..PackOptions::default()
            });
            if ctx.kernels().igemm.exact.is_some() {
                options.push(PackOptions {
                    preference: KernelPreference::ExactS16,
                    ..PackOptions::default()
                });
            }
            for (t, &k) in ks.iter().enumerate() {
                for (u, &n) in ns.iter().enumerate() {
                    let len = (2 * k + 6) * (n + 1) + (n + 3) * (k + 1) + 8;
                    let raw = bytes(len, (t * 31 + u) as u32);
                    let zs: Vec<i32> = (0..n.max(1)).map(|j| (raw[j] as i32 % 61) - 30).collect();
                    let s: Vec<i8> = raw.iter().map(|&x| x as i8).collect();
                    let zu: Vec<i32> = zs.iter().map(|&z| z + 128).collect();
                    for &o in &options {
                        layouts(&ctx, &s, k, n, &zs, o);
                        layouts(&ctx, &raw, k, n, &zu, o);
                    }
                }
            }
        }
    }

    #[test]
    fn chain_safe_weights_keep_their_verdict() {
        // Small weights: every panel may take the chain (on levels that have
        // one); one large pair in a column marks only its panel exact.
        for isa in Isa::available() {
            let ctx = one_thread(isa);
            let nr = ctx.kernels().igemm.nr;
            let (k, n) = (9, 3 * nr + 1);
            let mut w: Vec<i8> = (0..(2 * k + 6) * (n + 1)).map(|i| (i % 7) as i8 - 3).collect();
            w[4 * n + nr + 2] = 127;
            w[5 * n + nr + 2] = 127;
            let b = MatRef::row_major(&w, k, n).unwrap();
            layouts(&ctx, &w, k, n, &vec![0; n], PackOptions::default());
            let p = PackedI8Weights::pack(&ctx, b, WeightZeroPoint::PerTensor(0), PackOptions::default())
                .unwrap();
            if ctx.kernels().igemm.main.saturates {
                assert_eq!(p.use_main, vec![true, false, true, true], "{isa}");
            } else {
                assert_eq!(p.panel_paths(), (4, 0), "{isa}");
            }
        }
    }
}
