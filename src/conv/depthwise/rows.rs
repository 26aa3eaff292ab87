//! The padded input rows the depthwise row kernels read
//! ([`lowp_kernels::dwconv`]): pixel `p` of a row is input column
//! `p − pad_left`, `L` lanes per pixel, lane `j` of block `b` holding input
//! channel `(b·L + j)/m`; zeros past the borders and past `K`.

use super::DwGeo;
use crate::igemm::Int8;

impl DwGeo {
    /// Pixels of an FP32 padded row: the last output's last tap, plus one.
    pub(crate) fn f32_row_pixels(&self) -> usize {
        (self.ow - 1) * self.sw + (self.s - 1) * self.dw + 1
    }

    /// Pixels of an INT8 pair row: the last output's last pair, plus one
    /// (each pair also reads `dw` pixels further).
    pub(crate) fn pair_row_pixels(&self) -> usize {
        (self.ow - 1) * self.sw + 2 * (self.s.div_ceil(2) - 1) * self.dw + 1
    }

    /// Lays out `pixels` pixels of input row `ih` (`None`: zeros) of image
    /// `n` for block `b`, each lane `f(x)` of the input value `x`.
    #[allow(clippy::too_many_arguments)]
    fn lay_row<A: Copy, T: Copy + Default>(
        &self,
        input: &[A],
        n: usize,
        ih: Option<usize>,
        b: usize,
        pixels: usize,
        f: impl Fn(A) -> T + Copy,
        dst: &mut [T],
    ) {
        // A whole pixel's block at once: `f` lane by lane over fixed-size
        // arrays, which the compiler turns into vector moves.
        fn block<A: Copy, T: Copy, const L: usize>(f: impl Fn(A) -> T, s: &[A; L], d: &mut [T; L]) {
            *d = s.map(f);
        }
        match self.lanes {
            16 => self.lay_row_l::<A, T, 16>(input, n, ih, b, pixels, f, |s, d| block(f, s, d), dst),
            8 => self.lay_row_l::<A, T, 8>(input, n, ih, b, pixels, f, |s, d| block(f, s, d), dst),
            l => unreachable!("no kernel has {l} lanes"),
        }
    }

    /// [`Self::lay_row`] for `L` lanes: zeros, then the inside pixels (a
    /// whole block at once for multiplier 1), then zeros.
    #[allow(clippy::too_many_arguments)]
    fn lay_row_l<A: Copy, T: Copy + Default, const L: usize>(
        &self,
        input: &[A],
        n: usize,
        ih: Option<usize>,
        b: usize,
        pixels: usize,
        f: impl Fn(A) -> T,
        whole: impl Fn(&[A; L], &mut [T; L]),
        dst: &mut [T],
    ) {
        let zero = T::default();
        let dst = &mut dst[..pixels * L];
        let Some(ih) = ih else {
            dst.fill(zero);
            return;
        };
        let (k0, valid) = self.block(b);
        // Pixels `p0..p1` lie inside the input (column `p − pl`).
        let p0 = self.pl.min(pixels);
        let p1 = (self.pl + self.iw).clamp(p0, pixels);
        dst[..p0 * L].fill(zero);
        dst[p1 * L..].fill(zero);
        let c = self.c;
        let row = &input[(n * self.ih + ih) * self.iw * c..][..self.iw * c];
        let inside = dst[p0 * L..p1 * L].chunks_exact_mut(L).zip(row.chunks_exact(c));
        if self.m == 1 && valid == L {
            for (d, px) in inside {
                let s: &[A; L] = px[k0..k0 + L].try_into().expect("L lanes");
                whole(s, d.try_into().expect("L lanes"));
            }
        } else {
            for (d, px) in inside {
                for (j, d) in d.iter_mut().enumerate() {
                    *d = if j < valid { f(px[(k0 + j) / self.m]) } else { zero };
                }
            }
        }
    }

    /// An FP32 padded row (`f32_row_pixels()·L` elements).
    pub(crate) fn fill_f32(&self, input: &[f32], n: usize, ih: Option<usize>, b: usize, dst: &mut [f32]) {
        self.lay_row(input, n, ih, b, self.f32_row_pixels(), |v| v, dst);
    }

    /// An INT8 pair row (`pair_row_pixels()·2L` i16): pixel `p`, lane `j`
    /// holds `(a(p) − za, a(p + dw) − za)`, 0 for padding. `wide` is
    /// scratch for `(pair_row_pixels() + dw)·L` values.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn fill_pairs<A: Int8>(
        &self,
        input: &[A],
        za: i32,
        n: usize,
        ih: Option<usize>,
        b: usize,
        wide: &mut [i16],
        dst: &mut [i16],
    ) {
        let (l, pixels) = (self.lanes, self.pair_row_pixels());
        let all = pixels + self.dw;
        // a − za fits i16: both lie in [−128, 255].
        self.lay_row(input, n, ih, b, all, |v: A| (v.to_i32() - za) as i16, wide);
        let (lo, hi) = (&wide[..pixels * l], &wide[self.dw * l..all * l]);
        for ((d, &a), &b) in dst[..2 * pixels * l].chunks_exact_mut(2).zip(lo).zip(hi) {
            d[0] = a;
            d[1] = b;
        }
    }
}
