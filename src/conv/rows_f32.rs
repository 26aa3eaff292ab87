//! The A packer of an FP32 implicit-GEMM convolution: the f32 twin of
//! [`super::rows_int8::ConvRows`], packing `[p][MR]` panels (the layout of
//! every f32 kernel) straight from the input through the indirection buffer.

use super::rows_int8::PAD;
use crate::gemm::f32_operands::PackARowsFn;
use crate::gemm::PackA;
use crate::sgemm::PackAIndirectFn;
use crate::Context;
use std::ops::Range;

/// The most rows a panel of the pointer packer has.
const MAX_MR: usize = 16;

/// `M × K` f32 activations, `K = taps·cg`: row `i`, depth `t·cg + c` is
/// `src[offsets[i·taps + t] + c0 + c]`, or 0 for a [`PAD`] offset.
pub(crate) struct ConvRowsF32<'a> {
    src: &'a [f32],
    /// The level's packer of `MR` full rows `lda` apart, and its `MR`.
    rows: Option<(PackARowsFn, usize)>,
    /// The level's packer of `MR` rows read through pointers (the same `MR`).
    indirect: Option<PackAIndirectFn>,
    offsets: &'a [usize],
    taps: usize,
    c0: usize,
    cg: usize,
}

impl<'a> ConvRowsF32<'a> {
    /// Panics unless every run lies inside `src`.
    pub(crate) fn new(
        ctx: &Context,
        src: &'a [f32],
        offsets: &'a [usize],
        taps: usize,
        c0: usize,
        cg: usize,
    ) -> Self {
        assert!(taps > 0 && cg > 0 && offsets.len().is_multiple_of(taps));
        assert!(offsets.iter().all(|&o| o == PAD || o + c0 + cg <= src.len()));
        let rows = ctx.kernels().sgemm.pack_a_rows();
        assert!(rows.is_none_or(|(_, mr)| mr <= MAX_MR));
        ConvRowsF32 {
            src,
            rows,
            indirect: ctx.kernels().sgemm.pack_a_indirect,
            offsets,
            taps,
            c0,
            cg,
        }
    }

    /// Packs the full panel of rows `i0..i0 + mr`, tap by tap: by the
    /// level's pointer packer (padding taps read as zeros) where it has one;
    /// else, where the rows' runs of a tap are evenly spaced (consecutive
    /// pixels of an output row), by its strided packer, otherwise row by row.
    fn pack_full(&self, f: PackARowsFn, panel: &mut [f32], mr: usize, i0: usize, ks: &Range<usize>) {
        let offs = &self.offsets[i0 * self.taps..(i0 + mr) * self.taps];
        let mut p = ks.start;
        while p < ks.end {
            let (t, c) = (p / self.cg, p % self.cg);
            let len = (self.cg - c).min(ks.end - p);
            let at = |r: usize| offs[r * self.taps + t];
            let seg = &mut panel[(p - ks.start) * mr..(p - ks.start + len) * mr];
            if let Some(g) = self.indirect {
                // Each row's run of this tap, or null (zeros) for a padding tap.
                let mut ptrs = [std::ptr::null::<f32>(); MAX_MR];
                for (r, q) in ptrs.iter_mut().enumerate().take(mr) {
                    if at(r) != PAD {
                        let s = at(r) + self.c0 + c;
                        *q = self.src[s..s + len].as_ptr();
                    }
                }
                // SAFETY: the level's packer (an available ISA); `ptrs` holds
                // MR pointers, each null or to `len` elements of `src` (sliced
                // above); `seg` exactly MR·len elements, not overlapping `src`.
                unsafe { g(ptrs.as_ptr(), len, seg.as_mut_ptr()) };
                p += len;
                continue;
            }
            let (o0, lda) = (at(0), at(1).wrapping_sub(at(0)));
            let even = (0..mr).all(|r| at(r) != PAD)
                && at(1) > o0
                && (1..mr).all(|r| at(r).wrapping_sub(at(r - 1)) == lda);
            if even {
                let start = o0 + self.c0 + c;
                let src = &self.src[start..start + (mr - 1) * lda + len];
                // SAFETY: the level's packer (an available ISA); `src` holds the MR runs of `len` elements `lda`
                // apart (sliced above), `seg` exactly MR·len elements; they do not overlap (the input is shared).
                unsafe { f(src.as_ptr(), lda, len, seg.as_mut_ptr()) };
            } else {
                let part = p..p + len;
                for r in 0..mr {
                    self.pack_row(seg, mr, r, i0 + r, &part);
                }
            }
            p += len;
        }
    }

    /// Writes depth `ks` of row `i` into lane `r` of a panel `mr` wide.
    fn pack_row(&self, panel: &mut [f32], mr: usize, r: usize, i: usize, ks: &Range<usize>) {
        let mut p = ks.start;
        let mut lanes = panel[r..].iter_mut().step_by(mr);
        while p < ks.end {
            let (t, c) = (p / self.cg, p % self.cg);
            let len = (self.cg - c).min(ks.end - p);
            match self.offsets[i * self.taps + t] {
                PAD => lanes.by_ref().take(len).for_each(|d| *d = 0.0),
                o => {
                    let s = o + self.c0 + c;
                    // The source first: zip stops on it without taking a lane.
                    for (&v, d) in self.src[s..s + len].iter().zip(lanes.by_ref()) {
                        *d = v;
                    }
                }
            }
            p += len;
        }
    }
}

impl PackA<f32> for ConvRowsF32<'_> {
    fn pack_a(&self, dst: &mut [f32], mr: usize, rows: Range<usize>, ks: Range<usize>) {
        let kc = ks.len();
        for (q, panel) in dst.chunks_exact_mut(mr * kc).enumerate() {
            let i0 = rows.start + q * mr;
            let valid = mr.min(rows.end - i0);
            if let (Some((f, fmr)), true) = (self.rows, valid == mr) {
                if fmr == mr {
                    self.pack_full(f, panel, mr, i0, &ks);
                    continue;
                }
            }
            for r in 0..valid {
                self.pack_row(panel, mr, r, i0 + r, &ks);
            }
            if valid < mr {
                for d in panel.chunks_exact_mut(mr) {
                    d[valid..].fill(0.0);
                }
            }
        }
    }
}
