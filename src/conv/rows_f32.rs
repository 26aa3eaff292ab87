//! The A packer of an FP32 implicit-GEMM convolution: the f32 twin of
//! [`super::rows_int8::ConvRows`], packing `[p][MR]` panels (the layout of
//! every f32 kernel) straight from the input through the indirection buffer:
//! each tap's runs of a panel by the level's pointer packer (padding taps
//! as null rows, read as zeros), row by row on levels without one.

use super::rows_int8::PAD;
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
    /// The level's packer of `MR` rows read through pointers, and its `MR`.
    indirect: Option<(PackAIndirectFn, usize)>,
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
        let indirect = ctx.kernels().sgemm.pack_a_indirect();
        assert!(indirect.is_none_or(|(_, mr)| mr <= MAX_MR));
        ConvRowsF32 {
            src,
            indirect,
            offsets,
            taps,
            c0,
            cg,
        }
    }

    /// Packs the panel of rows `i0..i0 + valid` (`valid ≤ mr`) tap by tap
    /// with the level's pointer packer `g`: padding taps and the lanes past
    /// `valid` read as zeros.
    fn pack_panel(
        &self,
        g: PackAIndirectFn,
        panel: &mut [f32],
        mr: usize,
        valid: usize,
        i0: usize,
        ks: &Range<usize>,
    ) {
        let offs = &self.offsets[i0 * self.taps..(i0 + valid) * self.taps];
        let mut p = ks.start;
        while p < ks.end {
            let (t, c) = (p / self.cg, p % self.cg);
            let len = (self.cg - c).min(ks.end - p);
            let seg = &mut panel[(p - ks.start) * mr..(p - ks.start + len) * mr];
            // Each row's run of this tap, or null (zeros) for a padding tap.
            let mut ptrs = [std::ptr::null::<f32>(); MAX_MR];
            for (r, q) in ptrs.iter_mut().enumerate().take(valid) {
                let o = offs[r * self.taps + t];
                if o != PAD {
                    let s = o + self.c0 + c;
                    *q = self.src[s..s + len].as_ptr();
                }
            }
            // SAFETY: the level's packer (an available ISA); `ptrs` holds MR
            // pointers, each null or to `len` elements of `src` (sliced
            // above); `seg` exactly MR·len elements, not overlapping `src`.
            unsafe { g(ptrs.as_ptr(), len, seg.as_mut_ptr()) };
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
            if let Some((g, gmr)) = self.indirect {
                if gmr == mr {
                    self.pack_panel(g, panel, mr, valid, i0, &ks);
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
