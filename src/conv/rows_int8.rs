//! The A operand of an INT8 implicit-GEMM convolution: row `i` (an output
//! pixel) is the concatenation of its taps' runs of `cg` input channels,
//! each found through the indirection buffer (the offset of the tap's input
//! pixel; [`PAD`] for a padding tap, which reads the zero point, so it
//! contributes exactly 0). Nothing is copied but into the packed panels.

use crate::gemm::blocking::round_up;
use crate::gemm::buffers;
use crate::igemm::lhs::{scatter_row, Int8Lhs, RowSums, RowZeroPoints};
use crate::igemm::Int8;
use crate::Context;
use lowp_kernels::iconv_ukernel::IconvRows;
use std::ops::Range;

/// Packs 4 rows `lda` apart, `blocks` 64-byte blocks each, into a panel's
/// k-groups (`igemm`'s `PackA4Fn`), returning the rows' sums.
type Pack4 = unsafe fn(*const u8, usize, usize, u8, *mut u8, usize) -> [u32; 4];

/// The offset of a padding tap in an indirection buffer (the indirect
/// kernels' sentinel).
pub(crate) const PAD: usize = lowp_kernels::iconv_ukernel::PAD;

/// `M × K` activations, `K = taps·cg`: row `i` is the concatenation of the
/// runs `src[o + c0..o + c0 + cg]` for `o` in `offsets[i·taps..(i + 1)·taps]`,
/// a [`PAD`] offset standing for a run of zero points.
pub(crate) struct ConvRows<'a, A: Int8> {
    src: &'a [A],
    /// The level's packer of 4 rows in 64-byte blocks (AVX-512 levels).
    pack4: Option<Pack4>,
    offsets: &'a [usize],
    taps: usize,
    c0: usize,
    cg: usize,
    za: i32,
    /// Set by [`ConvRows::in_place`]: the `cg` zero-point bytes a padding
    /// tap reads when the level's indirect kernel reads A in place.
    zero_row: Option<Vec<u8>>,
    /// With `zero_row`: per tap, what a padding row adds per output column
    /// (tap stride), which lets the kernel skip padding rows.
    pad_sums: Option<(&'a [i32], usize)>,
    /// With `zero_row`: output pixels per output row (0: unknown).
    row_len: usize,
    /// With `pad_sums`: the elements between consecutive output pixels' runs
    /// of one output row (0: not given; see `IconvRows::row_step`).
    row_step: usize,
}

/// The largest offset of `offsets` that is not [`PAD`] (`None`: all pad),
/// what [`ConvRows::new`] checks against its input: found once per plan,
/// not per run (a scan of every offset measured 2% of a 56×56 layer).
pub(crate) fn max_offset(offsets: &[usize]) -> Option<usize> {
    offsets.iter().copied().filter(|&o| o != PAD).max()
}

impl<'a, A: Int8> ConvRows<'a, A> {
    /// Panics unless every run lies inside `src`, given `max`, the
    /// offsets' [`max_offset`] (a convolution checks the input's length
    /// against the indirection buffer it built).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        ctx: &Context,
        src: &'a [A],
        (offsets, max): (&'a [usize], Option<usize>),
        taps: usize,
        c0: usize,
        cg: usize,
        za: i32,
    ) -> Self {
        assert!(taps > 0 && offsets.len().is_multiple_of(taps));
        debug_assert_eq!(max, max_offset(offsets));
        assert!(max.is_none_or(|o| o + c0 + cg <= src.len()));
        ConvRows {
            src,
            pack4: ctx
                .kernels()
                .igemm
                .helpers
                .pack_a4
                .filter(|_| cg > 0 && cg.is_multiple_of(64)),
            offsets,
            taps,
            c0,
            cg,
            za,
            zero_row: None,
            pad_sums: None,
            row_len: 0,
            row_step: 0,
        }
    }

    /// Whether `ctx`'s level has an indirect kernel that can read these
    /// rows in place: u8 elements (s8 ones need the +128 flip) in runs of
    /// whole k-groups.
    pub(crate) fn can_read_in_place(ctx: &Context, cg: usize) -> bool {
        ctx.kernels().igemm.iconv.is_some() && A::U8_SHIFT == 0 && cg > 0 && cg.is_multiple_of(4)
    }

    /// The rows read in place by the level's indirect kernel instead of
    /// packed (panics unless [`ConvRows::can_read_in_place`]); with
    /// `pad_sums` (per tap, `za·Σ` of the tap's weights per output column,
    /// padded to whole weight panels; the tap stride) the kernel skips
    /// padding rows at the ends of its tiles, which it cuts at output rows
    /// of `row_len` pixels (0: anywhere), each pixel's runs `row_step`
    /// elements after the previous pixel's (with `pad_sums` and `row_len`;
    /// 0: not given).
    pub(crate) fn in_place(
        self,
        ctx: &Context,
        pad_sums: Option<(&'a [i32], usize)>,
        (row_len, row_step): (usize, usize),
    ) -> Self {
        assert!(Self::can_read_in_place(ctx, self.cg));
        assert!(pad_sums.is_none_or(|(p, stride)| p.len() >= self.taps * stride));
        let zero_row = Some(vec![self.za as u8; self.cg]);
        ConvRows {
            zero_row,
            pad_sums,
            row_len,
            // (Sub-tiles are cut at output rows only with `row_len`.)
            row_step: if pad_sums.is_some() && row_len > 0 {
                row_step
            } else {
                0
            },
            ..self
        }
    }

    /// Packs rows `i..i + 4` (panel rows `r..r + 4`) tap by tap: where the
    /// four runs of a tap are evenly spaced input pixels (consecutive output
    /// pixels of one row), in whole 64-byte blocks by the level's packer;
    /// otherwise one run at a time through `stage`. Returns the rows' sums.
    #[allow(clippy::too_many_arguments)]
    fn pack_four(
        &self,
        f: Pack4,
        stage: &mut [u8],
        panel: &mut [u8],
        mr: usize,
        i: usize,
        r: usize,
        zp: u8,
        pad_sum: i32,
    ) -> [i32; 4] {
        let (cg, gs) = (self.cg, 4 * mr);
        let xor = if A::U8_SHIFT != 0 { 0x80 } else { 0 };
        let mut sums = [0i32; 4];
        for t in 0..self.taps {
            let o: [usize; 4] = std::array::from_fn(|j| self.offsets[(i + j) * self.taps + t]);
            let lda = o[1].wrapping_sub(o[0]);
            let even = !o.contains(&PAD)
                && o[0] < o[1]
                && o[2].wrapping_sub(o[1]) == lda
                && o[3].wrapping_sub(o[2]) == lda;
            let groups = &mut panel[t * cg / 4 * gs..];
            if even {
                let blocks = cg / 64;
                let src = &self.src[o[0] + self.c0..o[3] + self.c0 + cg];
                let out = &mut groups[4 * r..];
                assert!(out.len() >= (16 * blocks - 1) * gs + 16);
                // SAFETY: the level's packer (available); `src` holds the 4 runs of 64·blocks bytes `lda` apart
                // (sliced; one byte per element), `out` the 16·blocks groups of 16 bytes at stride gs (checked);
                // they do not overlap.
                let four = unsafe { f(src.as_ptr() as *const u8, lda, blocks, xor, out.as_mut_ptr(), gs) };
                for (s, x) in sums.iter_mut().zip(four) {
                    *s = s.wrapping_add(x as i32);
                }
                continue;
            }
            let stage = &mut stage[..cg];
            for (j, s) in sums.iter_mut().enumerate() {
                *s = s.wrapping_add(match self.run(i + j, t) {
                    Some(run) => A::pack_row(run, stage),
                    None => {
                        stage.fill(zp);
                        pad_sum
                    }
                });
                scatter_row(stage, groups, mr, r + j);
            }
        }
        sums
    }

    /// The run of tap `t` of row `i` (`None`: a padding tap).
    fn run(&self, i: usize, t: usize) -> Option<&[A]> {
        let o = self.offsets[i * self.taps + t];
        (o != PAD).then(|| &self.src[o + self.c0..o + self.c0 + self.cg])
    }
}

impl<A: Int8> Int8Lhs for ConvRows<'_, A> {
    fn indirect(&self) -> Option<(IconvRows, usize)> {
        // u8 elements (`in_place` checked): the input's bytes are A's.
        let rows = |zero: &Vec<u8>| IconvRows {
            offsets: self.offsets.as_ptr(),
            taps: self.taps,
            groups: self.cg / 4,
            base: self.src.as_ptr().cast::<u8>().wrapping_add(self.c0),
            zero: zero.as_ptr(),
            pad_sums: self.pad_sums.map_or(std::ptr::null(), |(p, _)| p.as_ptr()),
            pad_stride: self.pad_sums.map_or(0, |(_, s)| s),
            row_step: self.row_step,
        };
        self.zero_row.as_ref().map(|zero| (rows(zero), self.row_len))
    }
    fn rows(&self) -> usize {
        self.offsets.len() / self.taps
    }
    fn depth(&self) -> usize {
        self.taps * self.cg
    }
    fn zero_points(&self) -> RowZeroPoints<'_> {
        RowZeroPoints::Uniform(self.za + A::U8_SHIFT)
    }
    fn max_abs_a(&self) -> i64 {
        let za = self.za as i64;
        (A::MIN as i64 - za).abs().max((A::MAX as i64 - za).abs())
    }

    /// Each row's runs are moved to u8 into a staging row, then its
    /// k-groups go to their places in the panel.
    fn pack_panels(&self, dst: &mut [u8], mr: usize, rows: Range<usize>, sums: RowSums<'_>) {
        if self.zero_row.is_some() {
            // Read in place by the indirect kernel (`indirect`).
            return;
        }
        let k = self.depth();
        let kp = round_up(k, 4);
        if kp == 0 {
            rows.for_each(|i| sums.set(i, 0));
            return;
        }
        let zp = (self.za + A::U8_SHIFT) as u8;
        let pad_sum = (zp as i32).wrapping_mul(self.cg as i32);
        let mut row = buffers::take::<u8>(buffers::SLOT_ROW, kp);
        let row = &mut row[..kp];
        row[k..].fill(0);
        for (q, panel) in dst.chunks_exact_mut(mr * kp).enumerate() {
            let i0 = rows.start + q * mr;
            let nrows = mr.min(rows.end - i0);
            let mut r = 0;
            if let Some(f) = self.pack4 {
                while r + 4 <= nrows {
                    let four = self.pack_four(f, row, panel, mr, i0 + r, r, zp, pad_sum);
                    for (j, sum) in four.into_iter().enumerate() {
                        sums.set(i0 + r + j, sum);
                    }
                    r += 4;
                }
            }
            for r in r..nrows {
                let mut sum = 0i32;
                for (t, chunk) in row[..k].chunks_exact_mut(self.cg).enumerate() {
                    sum = sum.wrapping_add(match self.run(i0 + r, t) {
                        Some(run) => A::pack_row(run, chunk),
                        None => {
                            chunk.fill(zp);
                            pad_sum
                        }
                    });
                }
                scatter_row(row, panel, mr, r);
                sums.set(i0 + r, sum);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{ConvRows, PAD};
    use crate::igemm::{
        igemm, igemm_run, Dequantize, Int8, Output, PackOptions, PackedI8Weights, Requantize, Scale,
        WeightZeroPoint,
    };
    use crate::{Context, Isa, MatMut, MatRef};

    /// Deterministic values.
    fn mix(i: usize, seed: usize) -> u8 {
        ((i ^ seed).wrapping_mul(2_654_435_761) >> 11) as u8
    }

    /// One layer's gathered A (sources, a zero-point run at the end,
    /// offsets) against the matrix API on the explicit matrix, bit for bit
    /// (the matrix API is checked against the oracle crate in tests/igemm.rs;
    /// a unit test cannot see that crate).
    #[allow(clippy::too_many_arguments)]
    fn check<A: Int8>(
        ctx: &Context,
        src: &[A],
        offsets: &[usize],
        taps: usize,
        (c0, c): (usize, usize),
        za: i32,
        b: &[i8],
        zb: &WeightZeroPoint<'_>,
        n: usize,
    ) {
        let lhs = ConvRows::new(ctx, src, (offsets, super::max_offset(offsets)), taps, c0, c, za);
        let (m, k) = (offsets.len() / taps, taps * c);
        // src ends with a row of zero points: what a padding tap reads.
        let zero_row = &src[src.len() - c0 - c..];
        let explicit: Vec<A> = offsets
            .iter()
            .flat_map(|&o| match o {
                PAD => zero_row[c0..c0 + c].to_vec(),
                o => src[o + c0..o + c0 + c].to_vec(),
            })
            .collect();
        let av = MatRef::new(&explicit, m, k, k.max(1), 1).unwrap();
        let bv = MatRef::new(b, k, n, n.max(1), 1).unwrap();
        let packed = PackedI8Weights::pack(ctx, bv, *zb, PackOptions::default()).unwrap();
        let what = format!(
            "{} threads {} m {m} taps {taps} c0 {c0} c {c} n {n} za {za} {zb:?}",
            ctx.isa(),
            ctx.num_threads()
        );

        let mut want = vec![0i32; m * n];
        let out = Output::S32 {
            c: MatMut::new(&mut want, m, n, n.max(1), 1).unwrap(),
            accumulate: false,
        };
        igemm(ctx, av, za, &packed, out).unwrap();
        let mut got = vec![0i32; m * n];
        let out = Output::S32 {
            c: MatMut::new(&mut got, m, n, n.max(1), 1).unwrap(),
            accumulate: false,
        };
        igemm_run(ctx, &lhs, &packed, out).unwrap();
        assert_eq!(got, want, "s32: {what}");

        let requantize = Requantize {
            relu: true,
            ..Requantize::new(Scale::PerTensor(1.0 / 512.0), 7)
        };
        let mut q = vec![0u8; m * n];
        let out = Output::U8 {
            c: MatMut::new(&mut q, m, n, n.max(1), 1).unwrap(),
            requantize,
        };
        igemm_run(ctx, &lhs, &packed, out).unwrap();
        let mut want_q = vec![0u8; m * n];
        let out = Output::U8 {
            c: MatMut::new(&mut want_q, m, n, n.max(1), 1).unwrap(),
            requantize,
        };
        igemm(ctx, av, za, &packed, out).unwrap();
        assert_eq!(q, want_q, "u8: {what}");

        // f32: the same bits as the matrix API on the explicit matrix.
        let dequantize = Dequantize::new(Scale::PerTensor(0.25));
        let (mut f, mut g) = (vec![0f32; m * n], vec![1f32; m * n]);
        let out = |c| Output::F32 { c, dequantize };
        igemm_run(
            ctx,
            &lhs,
            &packed,
            out(MatMut::new(&mut f, m, n, n.max(1), 1).unwrap()),
        )
        .unwrap();
        igemm(
            ctx,
            av,
            za,
            &packed,
            out(MatMut::new(&mut g, m, n, n.max(1), 1).unwrap()),
        )
        .unwrap();
        assert_eq!(
            f.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            g.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            "f32: {what}"
        );

        // The same rows read in place by the level's indirect kernel (u8
        // runs of whole k-groups, no weight zero point): the same bits.
        if ConvRows::<A>::can_read_in_place(ctx, c) && matches!(zb, WeightZeroPoint::PerTensor(0)) {
            let lhs = lhs.in_place(ctx, None, (0, 0));
            let mut got = vec![0i32; m * n];
            let out = Output::S32 {
                c: MatMut::new(&mut got, m, n, n.max(1), 1).unwrap(),
                accumulate: false,
            };
            igemm_run(ctx, &lhs, &packed, out).unwrap();
            assert_eq!(got, want, "in place s32: {what}");
            let out = Output::U8 {
                c: MatMut::new(&mut q, m, n, n.max(1), 1).unwrap(),
                requantize,
            };
            igemm_run(ctx, &lhs, &packed, out).unwrap();
            assert_eq!(q, want_q, "in place u8: {what}");
            let out = Output::F32 {
                c: MatMut::new(&mut f, m, n, n.max(1), 1).unwrap(),
                dequantize,
            };
            igemm_run(ctx, &lhs, &packed, out).unwrap();
            assert_eq!(
                f.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                g.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                "in place f32: {what}"
            );
        }
    }

    /// Conv rows through every output kind on every level, 1 and 2
    /// threads: odd channel counts (k-groups straddle taps), padding taps, a
    /// group's channel slice of wider pixels,
    /// M over several panels, per-tensor and per-column weight zero points.
    #[test]
    fn conv_rows_match_the_matrix_api_on_the_gathered_matrix() {
        for isa in Isa::available() {
            for threads in [1, 2] {
                let ctx = Context::builder()
                    .max_isa(isa)
                    .threads(threads)
                    .ignore_env()
                    .build()
                    .unwrap();
                for (s, &(m, taps, c, n)) in [
                    (1, 9, 3, 40),
                    (5, 1, 16, 33),
                    (37, 4, 5, 70),
                    (130, 9, 8, 20),
                    (41, 3, 64, 20),
                    (21, 2, 128, 9),
                ]
                .iter()
                .enumerate()
                {
                    // Input pixels of cw channels (the group reads c0..c0 + c),
                    // then one pixel of zero points (for the explicit matrix).
                    let (rows_in, za, c0) = (11, 3 + s as i32, s % 3);
                    let cw = c0 + c + s % 2;
                    let offsets: Vec<usize> = (0..m * taps)
                        .map(|x| match mix(x, s) % 5 {
                            0 if s < 4 || x % 11 == 0 => PAD,
                            // Consecutive rows read consecutive pixels (the
                            // 4-row packer's case), wrapping now and then.
                            _ if s >= 4 => (x / taps + x % taps) % rows_in * cw,
                            v => (v as usize * x + s) % rows_in * cw,
                        })
                        .collect();
                    let bytes: Vec<u8> = (0..rows_in * cw).map(|x| mix(x, 7 + s)).collect();
                    let k = taps * c;
                    let b: Vec<i8> = (0..k * n).map(|x| mix(x, 99 + s) as i8).collect();
                    let zbs: Vec<i32> = (0..n).map(|j| (j % 7) as i32 - 3).collect();
                    for zb in [WeightZeroPoint::PerTensor(0), WeightZeroPoint::PerColumn(&zbs)] {
                        let u: Vec<u8> = bytes
                            .iter()
                            .copied()
                            .chain(std::iter::repeat_n(za as u8, cw))
                            .collect();
                        check(&ctx, &u, &offsets, taps, (c0, c), za, &b, &zb, n);
                        let i: Vec<i8> = bytes
                            .iter()
                            .map(|&x| x as i8)
                            .chain(std::iter::repeat_n(-za as i8, cw))
                            .collect();
                        check(&ctx, &i, &offsets, taps, (c0, c), -za, &b, &zb, n);
                    }
                }
            }
        }
    }
}
