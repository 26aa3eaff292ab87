//! The contracts of the depthwise convolution row kernels
//! (`dwconv_f32_*`, `dwconv_u8s8s32_*`), shared by every ISA level.
//!
//! A row kernel computes one output row of one block of `L` channels (`L`
//! = the level's vector width) from input rows that the caller has already
//! laid out for it: per kernel row `r`, a padded row of pixels, `L` lanes
//! each, with zeros where the layer pads. The kernels themselves never see
//! a border, so one loop serves every padding, stride and dilation.

/// One FP32 output row: `out[x] = clamp(bias + Σ_{r,s} row_r[x·stride +
/// s·dil] · w[r][s])`, lane by lane, taps in `r`-then-`s` order, each a
/// (fused, where the level has FMA) multiply-add into the running sum.
#[derive(Clone, Copy, Debug)]
pub struct DwRowF32 {
    /// `r` pointers; row `i`'s pixel `p` is at `rows[i] + p·L` (`L` f32).
    pub rows: *const *const f32,
    /// Kernel rows.
    pub r: usize,
    /// Kernel columns.
    pub s: usize,
    /// `r·s·L` weights, tap `(i, j)` at `(i·s + j)·L`.
    pub weights: *const f32,
    /// `L` biases the sums start from.
    pub bias: *const f32,
    /// Whether to clamp the results to `[lo, hi]` (`max` then `min`).
    pub clamp: bool,
    /// Lower clamp bound.
    pub lo: f32,
    /// Upper clamp bound.
    pub hi: f32,
    /// Output pixel `x`'s `L` lanes go to `out + x·out_stride`.
    pub out: *mut f32,
    /// Elements between output pixels.
    pub out_stride: usize,
    /// Output pixels.
    pub ow: usize,
    /// Pixels between the first taps of neighbouring outputs.
    pub stride: usize,
    /// Pixels between neighbouring taps.
    pub dil: usize,
}

/// One INT8 output row on widened, zero-point-corrected values:
/// `out[x] = Σ_{r,q} pair_r[x·stride + 2q·dil] ⋅ w[r][q]`, where each
/// pixel of a row holds, per channel, the pair `(a(p), a(p + dil))` of
/// `a − za` as i16 and each weight the pair `(b_j, b_{j+1}) − zb` (the
/// second 0 past the last column), multiplied pairwise and summed into
/// i32 (`pmaddwd`, exact: |a′|, |b′| ≤ 255). Sums wrap.
#[derive(Clone, Copy, Debug)]
pub struct DwRowS16 {
    /// `r` pointers; row `i`'s pixel `p` is at `rows[i] + p·2L` (`L`
    /// channels × 2 i16).
    pub rows: *const *const i16,
    /// Kernel rows.
    pub r: usize,
    /// Kernel columns (`⌈s/2⌉` pairs per row).
    pub s: usize,
    /// `r·⌈s/2⌉·2L` weights, pair `(i, q)` at `(i·⌈s/2⌉ + q)·2L`.
    pub weights: *const i16,
    /// Output pixel `x`'s `L` i32 lanes go to `out + x·out_stride`.
    pub out: *mut i32,
    /// Elements between output pixels.
    pub out_stride: usize,
    /// Output pixels.
    pub ow: usize,
    /// Pixels between the first taps of neighbouring outputs.
    pub stride: usize,
    /// Pixels between neighbouring taps (and between a pair's two values).
    pub dil: usize,
}

/// Output pixels each kernel keeps in flight: every weight vector it loads
/// serves this many outputs, and as many independent sums hide the
/// multiply-add latency.
pub const DW_PIXELS: usize = 8;
