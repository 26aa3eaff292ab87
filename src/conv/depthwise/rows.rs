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
    fn lay_row<A: Copy, T: Copy + Default>(
        &self,
        input: &[A],
        n: usize,
        ih: Option<usize>,
        b: usize,
        pixels: usize,
        f: impl Fn(A) -> T,
        dst: &mut [T],
    ) {
        let l = self.lanes;
        let zero = T::default();
        let Some(ih) = ih else {
            dst[..pixels * l].fill(zero);
            return;
        };
        let (k0, valid) = self.block(b);
        let row = &input[(n * self.ih + ih) * self.iw * self.c..][..self.iw * self.c];
        for (p, d) in dst[..pixels * l].chunks_exact_mut(l).enumerate() {
            match (p.checked_sub(self.pl)).filter(|&x| x < self.iw) {
                Some(x) => {
                    let px = &row[x * self.c..(x + 1) * self.c];
                    if self.m == 1 {
                        for (d, &v) in d.iter_mut().zip(&px[k0..k0 + valid]) {
                            *d = f(v);
                        }
                    } else {
                        for (j, d) in d.iter_mut().enumerate().take(valid) {
                            *d = f(px[(k0 + j) / self.m]);
                        }
                    }
                    d[valid..].fill(zero);
                }
                None => d.fill(zero),
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
