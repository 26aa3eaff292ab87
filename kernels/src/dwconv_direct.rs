//! The contract of the in-place FP32 depthwise kernels
//! (`dwconv_f32_*_direct_*`), shared by every ISA level.
//!
//! Unlike the padded-row kernels of [`crate::dwconv`], these read the NHWC
//! input where it lies (depth multiplier 1, so output channel `k` reads
//! input channel `k`) and skip the taps that fall on padding themselves:
//! no copy of the input, and no multiply-add spent on a padded zero.

/// Output rows `y0 .. y0 + rows` of `blocks` neighbouring blocks of `L`
/// channels each (`L` = the level's vector width); per block:
/// `out[y][x] = clamp(bias + Σ_{i,j} in[y·sh − pt + i·dh][x·sw − pl + j] · w[i][j])`,
/// lane by lane, the sum over the taps inside the input only, in `i`-then-`j`
/// order, each a fused multiply-add into the running sum (so each output is
/// computed by the same operations whatever rows a call covers).
/// Horizontal dilation 1, horizontal stride 1 or 2.
#[derive(Clone, Copy, Debug)]
pub struct DwDirectF32 {
    /// Input pixel `(h, w)`'s `L` lanes are at `input + (h·iw + w)·in_stride`
    /// (the address is computed with wrapping arithmetic; only pixels
    /// inside the input rows of the call's outputs are read).
    pub input: *const f32,
    /// Input rows.
    pub ih: usize,
    /// Input columns.
    pub iw: usize,
    /// Elements between neighbouring input pixels.
    pub in_stride: usize,
    /// `r·s·L` weights a block, tap `(i, j)` at `(i·s + j)·L` (`r`, `s`:
    /// the kernel's); block `b`'s are `b·r·s·L` further.
    pub weights: *const f32,
    /// `L` biases a block the sums start from, block `b`'s `b·L` further.
    pub bias: *const f32,
    /// Channel blocks: block `b`'s input and output lanes are `b·L`
    /// elements past block 0's (so `blocks·L ≤ in_stride, out_stride`).
    pub blocks: usize,
    /// Whether to clamp the results to `[lo, hi]` (`max` then `min`).
    pub clamp: bool,
    /// Lower clamp bound.
    pub lo: f32,
    /// Upper clamp bound.
    pub hi: f32,
    /// Output pixel `(y0 + t, x)`'s `L` lanes go to
    /// `out + t·out_row + x·out_stride`.
    pub out: *mut f32,
    /// Elements between neighbouring output pixels of a row.
    pub out_stride: usize,
    /// Elements between neighbouring output rows.
    pub out_row: usize,
    /// Store the outputs non-temporally (streaming): then `out` and every
    /// output pixel's block lie on 64-byte boundaries, and the caller
    /// fences (`sfence`) before another thread reads them.
    pub stream: bool,
    /// Output columns.
    pub ow: usize,
    /// First output row.
    pub y0: usize,
    /// Output rows.
    pub rows: usize,
    /// Vertical stride.
    pub sh: usize,
    /// Horizontal stride: 1 or 2.
    pub sw: usize,
    /// Vertical dilation.
    pub dh: usize,
    /// Padding rows above the input.
    pub pt: usize,
    /// Padding columns left of the input.
    pub pl: usize,
}
