//! Reference 2-D and 3-D convolution: f32, and 8-bit integers to s32.
//!
//! Layouts are those of [`lowp::conv`]: input NHWC / NDHWC, weights
//! `[K][R][S][C/groups]` / `[K][T][R][S][C/groups]`, output NHWC / NDHWC.
//! The 2-D functions are the 3-D ones with depth 1.
//!
//! Every output element is the plain sum over its filter's taps, taken in the
//! order `t, r, s, c` in a wide accumulator (f64 for f32 data, i128 for
//! integers), so the oracle itself neither rounds along the way nor overflows.
//!
//! **Padding and zero points.** A padding tap reads the *activation zero
//! point*: in `Σ (x − zx)(w − zw)` it contributes `(zx − zx)(w − zw) = 0`.
//! This is what TF-lite and oneDNN do (the zero point is the quantized value
//! of real 0.0, and padding pads with real zeros). For f32, padding is 0.0.
//!
//! On `Err` the output may be partly written.

use lowp::conv::{Conv2dParams, Conv3dParams};
use lowp::{Error, Result};

mod sealed {
    pub trait Sealed {}
    impl Sealed for u8 {}
    impl Sealed for i8 {}
}

/// An 8-bit integer element type the integer oracles accept: `u8` or `i8`.
/// The oracles' own (not `lowp::igemm::Int8`), so that they take nothing
/// about the types from the code under test.
pub trait Int8: Copy + sealed::Sealed + std::fmt::Debug {
    /// Whether the type is signed (`i8`).
    const IS_SIGNED: bool;
    /// The value, widened.
    fn widen(self) -> i32;
}

impl Int8 for u8 {
    const IS_SIGNED: bool = false;
    fn widen(self) -> i32 {
        i32::from(self)
    }
}

impl Int8 for i8 {
    const IS_SIGNED: bool = true;
    fn widen(self) -> i32 {
        i32::from(self)
    }
}

/// The weights' zero point: one for the whole tensor, or one per output
/// channel (a slice of `K` values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightZeroPoint<'a, W> {
    /// The same zero point for every weight.
    PerTensor(W),
    /// `zero_points[k]` for the weights of output channel `k`.
    PerChannel(&'a [W]),
}

/// A problem in 3-D form (a 2-D one has depth 1), worked out here from the
/// parameters' public fields once `validate` has accepted them (so no
/// extent or length below overflows).
struct ConvGeometry {
    n: usize,
    /// Input extents `[D, H, W]`.
    input: [usize; 3],
    c: usize,
    k: usize,
    /// Kernel extents `[T, R, S]`.
    kernel: [usize; 3],
    stride: [usize; 3],
    /// Padding before the input (front, top, left).
    pad_lo: [usize; 3],
    dilation: [usize; 3],
    groups: usize,
    /// Output extents `[OD, OH, OW]`.
    output: [usize; 3],
    input_len: usize,
    weights_len: usize,
    output_len: usize,
}

impl ConvGeometry {
    /// `p`'s geometry; `Err` (from `validate`) for a problem lowp refuses.
    fn of(p: &impl Problem) -> Result<Self> {
        p.validate()?;
        let ([n, c, k, groups], axes) = p.parts();
        // out = (padded extent − dilated kernel extent) / stride + 1.
        let output = axes.map(|[size, kernel, stride, lo, hi, dilation]| {
            (size + lo + hi - ((kernel - 1) * dilation + 1)) / stride + 1
        });
        let input = axes.map(|a| a[0]);
        let kernel = axes.map(|a| a[1]);
        // A zero extent makes a length 0 even where the others' product
        // would not fit usize.
        let len = |f: &[usize]| if f.contains(&0) { 0 } else { f.iter().product() };
        Ok(ConvGeometry {
            n,
            input,
            c,
            k,
            kernel,
            stride: axes.map(|a| a[2]),
            pad_lo: axes.map(|a| a[3]),
            dilation: axes.map(|a| a[5]),
            groups,
            output,
            input_len: len(&[n, input[0], input[1], input[2], c]),
            weights_len: len(&[k, kernel[0], kernel[1], kernel[2], c / groups]),
            output_len: len(&[n, output[0], output[1], output[2], k]),
        })
    }

    /// Input channels per group.
    fn c_per_group(&self) -> usize {
        self.c / self.groups
    }

    /// Output channels per group.
    fn k_per_group(&self) -> usize {
        self.k / self.groups
    }
}

/// One spatial axis: `[input extent, kernel extent, stride, padding before,
/// padding after, dilation]`.
type Axis = [usize; 6];

/// The parameter types: lowp's check, and the problem's parts.
trait Problem {
    fn validate(&self) -> Result<()>;
    /// `[n, c, k, groups]` and the depth, height and width axes.
    fn parts(&self) -> ([usize; 4], [Axis; 3]);
}

impl Problem for Conv2dParams {
    fn validate(&self) -> Result<()> {
        Conv2dParams::validate(self)
    }

    /// Depth 1: one input plane, a one-tap kernel, no padding.
    fn parts(&self) -> ([usize; 4], [Axis; 3]) {
        let (p, (sh, sw), (dh, dw)) = (self.padding, self.stride, self.dilation);
        let depth = [1, 1, 1, 0, 0, 1];
        let height = [self.h, self.r, sh, p.top, p.bottom, dh];
        let width = [self.w, self.s, sw, p.left, p.right, dw];
        ([self.n, self.c, self.k, self.groups], [depth, height, width])
    }
}

impl Problem for Conv3dParams {
    fn validate(&self) -> Result<()> {
        Conv3dParams::validate(self)
    }

    fn parts(&self) -> ([usize; 4], [Axis; 3]) {
        let (p, (sd, sh, sw), (dd, dh, dw)) = (self.padding, self.stride, self.dilation);
        let depth = [self.d, self.t, sd, p.front, p.back, dd];
        let height = [self.h, self.r, sh, p.top, p.bottom, dh];
        let width = [self.w, self.s, sw, p.left, p.right, dw];
        ([self.n, self.c, self.k, self.groups], [depth, height, width])
    }
}

/// The shared loop nest. For every output element `o` (output channel `kk`)
/// it starts from `init(kk)`, calls `tap(&mut acc, x, w, kk)` for each filter
/// tap (`x` is `None` for a padding tap), and stores `finish(acc, o)`.
fn conv_loops<X: Copy, W: Copy, Acc, O>(
    g: &ConvGeometry,
    input: &[X],
    weights: &[W],
    output: &mut [O],
    init: impl Fn(usize) -> Acc,
    tap: impl Fn(&mut Acc, Option<X>, W, usize),
    finish: impl Fn(Acc, usize) -> Result<O>,
) -> Result<()> {
    if input.len() < g.input_len {
        return Err(Error::BufferTooSmall {
            arg: "input",
            needed: g.input_len,
            len: input.len(),
        });
    }
    if weights.len() < g.weights_len {
        return Err(Error::BufferTooSmall {
            arg: "weights",
            needed: g.weights_len,
            len: weights.len(),
        });
    }
    if output.len() < g.output_len {
        return Err(Error::BufferTooSmall {
            arg: "output",
            needed: g.output_len,
            len: output.len(),
        });
    }
    // Nothing to compute. (Also keeps the work proportional to the output:
    // with k = 0 the loops over a huge n, od, oh, ow would run empty for ever.)
    if g.output_len == 0 {
        return Ok(());
    }
    let [id, ih, iw] = g.input;
    let [kt, kr, ks] = g.kernel;
    let [od, oh, ow] = g.output;
    let [sd, sh, sw] = g.stride;
    let [pd, ph, pw] = g.pad_lo;
    let [dd, dh, dw] = g.dilation;
    let (c, k) = (g.c, g.k);
    let (cg, kg) = (g.c_per_group(), g.k_per_group());
    // Coordinate `o * stride + tap * dilation` in the padded input, mapped to
    // the input coordinate, or `None` in the padding.
    let unpad = |out: usize, stride: usize, tap: usize, dil: usize, pad: usize, size: usize| {
        let padded = out * stride + tap * dil;
        padded.checked_sub(pad).filter(|&x| x < size)
    };
    for n in 0..g.n {
        for z in 0..od {
            for y in 0..oh {
                for x in 0..ow {
                    for kk in 0..k {
                        let group = kk / kg;
                        let mut acc = init(kk);
                        // With no channels per group there are no taps: skip the
                        // (possibly huge) kernel loops rather than run them empty.
                        let taps = if cg == 0 { 0 } else { kt };
                        for t in 0..taps {
                            for r in 0..kr {
                                for s in 0..ks {
                                    let iz = unpad(z, sd, t, dd, pd, id);
                                    let iy = unpad(y, sh, r, dh, ph, ih);
                                    let ix = unpad(x, sw, s, dw, pw, iw);
                                    for ci in 0..cg {
                                        let wv = weights[(((kk * kt + t) * kr + r) * ks + s) * cg + ci];
                                        let xv = match (iz, iy, ix) {
                                            (Some(iz), Some(iy), Some(ix)) => Some(
                                                input[(((n * id + iz) * ih + iy) * iw + ix) * c
                                                    + group * cg
                                                    + ci],
                                            ),
                                            _ => None,
                                        };
                                        tap(&mut acc, xv, wv, kk);
                                    }
                                }
                            }
                        }
                        let o = (((n * od + z) * oh + y) * ow + x) * k + kk;
                        output[o] = finish(acc, o)?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn check_bias<T>(bias: Option<&[T]>, k: usize) -> Result<()> {
    match bias {
        Some(b) if b.len() < k => Err(Error::BufferTooSmall {
            arg: "bias",
            needed: k,
            len: b.len(),
        }),
        _ => Ok(()),
    }
}

fn f32_conv(
    g: &ConvGeometry,
    input: &[f32],
    weights: &[f32],
    bias: Option<&[f32]>,
    output: &mut [f32],
    magnitude: bool,
) -> Result<()> {
    check_bias(bias, g.k)?;
    let mag = |v: f64| if magnitude { v.abs() } else { v };
    conv_loops(
        g,
        input,
        weights,
        output,
        |kk| bias.map_or(0.0, |b| mag(f64::from(b[kk]))),
        |acc: &mut f64, x, w, _| *acc += mag(f64::from(x.unwrap_or(0.0))) * mag(f64::from(w)),
        |acc, _| Ok(acc as f32),
    )
}

/// Stamps a public f32 entry point: validate `p`, then `f32_conv` (the
/// value, or with `magnitude` the sum of absolute values).
macro_rules! f32_entry {
    ($(#[$doc:meta])* $name:ident, $params:ty, magnitude: $magnitude:literal) => {
        $(#[$doc])*
        pub fn $name(
            p: &$params,
            input: &[f32],
            weights: &[f32],
            bias: Option<&[f32]>,
            output: &mut [f32],
        ) -> Result<()> {
            f32_conv(&ConvGeometry::of(p)?, input, weights, bias, output, $magnitude)
        }
    };
}

f32_entry!(
    /// f32 2-D convolution: `output[n][oh][ow][k] = bias[k] + Σ input · weights`
    /// over the filter's taps (padding taps read 0.0), accumulated in f64 and
    /// rounded once. `bias`, when given, has `K` elements.
    ///
    /// `Err` for invalid parameters ([`Conv2dParams::validate`]) or a buffer
    /// shorter than its length ([`Conv2dParams::input_len`] and so on).
    ///
    /// ```
    /// use lowp::conv::Conv2dParams;
    /// use lowp_reference::conv::conv2d_f32;
    /// // 1x2x2x1 input, one 2x2 filter: a single dot product.
    /// let p = Conv2dParams::new(1, 2, 2, 1, 1, 2, 2);
    /// let mut out = [0.0f32];
    /// conv2d_f32(&p, &[1.0, 2.0, 3.0, 4.0], &[1.0, 0.5, 0.25, 2.0], Some(&[10.0]), &mut out)?;
    /// assert_eq!(out, [10.0 + 1.0 + 1.0 + 0.75 + 8.0]);
    /// # Ok::<(), lowp::Error>(())
    /// ```
    conv2d_f32,
    Conv2dParams,
    magnitude: false
);

f32_entry!(
    /// f32 3-D convolution; see [`conv2d_f32`].
    conv3d_f32,
    Conv3dParams,
    magnitude: false
);

f32_entry!(
    /// The magnitude of each output of [`conv2d_f32`]: `|bias[k]| + Σ |input|·|weights|`,
    /// the scale against which f32 kernels' error bounds are stated.
    conv2d_f32_magnitude,
    Conv2dParams,
    magnitude: true
);

f32_entry!(
    /// The magnitude of each output of [`conv3d_f32`]; see [`conv2d_f32_magnitude`].
    conv3d_f32_magnitude,
    Conv3dParams,
    magnitude: true
);

/// The integer oracles' checks of the bias and per-channel zero points
/// (`K` of each).
fn check_int8_args<W>(
    bias: Option<&[i32]>,
    weight_zero_point: WeightZeroPoint<'_, W>,
    k: usize,
) -> Result<()> {
    check_bias(bias, k)?;
    if let WeightZeroPoint::PerChannel(z) = weight_zero_point {
        if z.len() < k {
            return Err(Error::BufferTooSmall {
                arg: "weight_zero_point",
                needed: k,
                len: z.len(),
            });
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn int8_conv<A: Int8, W: Int8>(
    g: &ConvGeometry,
    input: &[A],
    input_zero_point: A,
    weights: &[W],
    weight_zero_point: WeightZeroPoint<'_, W>,
    bias: Option<&[i32]>,
    output: &mut [i32],
) -> Result<()> {
    check_int8_args(bias, weight_zero_point, g.k)?;
    let za = input_zero_point.widen();
    let zw = |kk: usize| match weight_zero_point {
        WeightZeroPoint::PerTensor(z) => z.widen(),
        WeightZeroPoint::PerChannel(z) => z[kk].widen(),
    };
    conv_loops(
        g,
        input,
        weights,
        output,
        |kk| bias.map_or(0i128, |b| i128::from(b[kk])),
        |acc: &mut i128, x, w, kk| {
            let x = x.unwrap_or(input_zero_point).widen();
            *acc += i128::from(x - za) * i128::from(w.widen() - zw(kk));
        },
        |acc, o| {
            i32::try_from(acc).map_err(|_| {
                Error::overflow(
                    "output",
                    format!("output element {o} is {acc}, which does not fit the s32 accumulator"),
                )
            })
        },
    )
}

/// Stamps a public integer entry point: validate `p`, then `int8_conv`.
macro_rules! int8_entry {
    ($(#[$doc:meta])* $name:ident, $params:ty) => {
        int8_entry!($(#[$doc])* $name, $params, int8_conv);
    };
    ($(#[$doc:meta])* $name:ident, $params:ty, $conv:ident) => {
        $(#[$doc])*
        pub fn $name<A: Int8, W: Int8>(
            p: &$params,
            input: &[A],
            input_zero_point: A,
            weights: &[W],
            weight_zero_point: WeightZeroPoint<'_, W>,
            bias: Option<&[i32]>,
            output: &mut [i32],
        ) -> Result<()> {
            $conv(
                &ConvGeometry::of(p)?,
                input,
                input_zero_point,
                weights,
                weight_zero_point,
                bias,
                output,
            )
        }
    };
}

int8_entry!(
    /// 8-bit integer 2-D convolution to s32, with zero points:
    /// `output[n][oh][ow][k] = bias[k] + Σ (x − input_zero_point)·(w − zw[k])`
    /// over the filter's taps, where a padding tap's `x` is `input_zero_point`
    /// (so it contributes 0; see the module docs). Activations `A` and weights `W`
    /// are each `u8` or `i8`; `bias`, when given, has `K` elements.
    ///
    /// `Err` for invalid parameters, a short buffer (naming `input`, `weights`,
    /// `bias`, `weight_zero_point` or `output`), or an output element that does
    /// not fit `i32` (`Error::Overflow` naming `output`): the oracle never wraps.
    ///
    /// ```
    /// use lowp::conv::{Conv2dParams, Padding2d};
    /// use lowp_reference::conv::{conv2d_int8, WeightZeroPoint};
    /// // 1x1x1x1 input 130 (zero point 128), 1x3 filter, padding 1 left and right.
    /// let p = Conv2dParams::new(1, 1, 1, 1, 1, 1, 3)
    ///     .with_padding(Padding2d { left: 1, right: 1, ..Default::default() });
    /// let mut out = [0i32];
    /// conv2d_int8(&p, &[130u8], 128, &[5i8, 7, 9], WeightZeroPoint::PerTensor(1), None, &mut out)?;
    /// assert_eq!(out, [(130 - 128) * (7 - 1)]); // padding taps add nothing
    /// # Ok::<(), lowp::Error>(())
    /// ```
    conv2d_int8,
    Conv2dParams
);

int8_entry!(
    /// 8-bit integer 3-D convolution to s32; see [`conv2d_int8`].
    conv3d_int8,
    Conv3dParams
);

/// The saturating model's accumulator for one output: the products in the
/// taps' order (`t, r, s, c`), taken in pairs clamped to s16 as
/// `vpmaddubsw` does, and the sums of the moved operands.
#[derive(Default)]
struct Saturating {
    pairs: i64,
    /// The first product of a pair still open.
    open: Option<i64>,
    a_sum: i64,
    w_sum: i64,
    taps: i64,
}

impl Saturating {
    fn pair(x: i64) -> i64 {
        x.clamp(i64::from(i16::MIN), i64::from(i16::MAX))
    }
}

#[allow(clippy::too_many_arguments)]
fn int8_conv_saturating<A: Int8, W: Int8>(
    g: &ConvGeometry,
    input: &[A],
    input_zero_point: A,
    weights: &[W],
    weight_zero_point: WeightZeroPoint<'_, W>,
    bias: Option<&[i32]>,
    output: &mut [i32],
) -> Result<()> {
    check_int8_args(bias, weight_zero_point, g.k)?;
    // Activations move to u8 (+128 for i8), weights to s8 (−128 for u8),
    // their zero points with them.
    let a_shift = if A::IS_SIGNED { 128 } else { 0 };
    let w_shift = if W::IS_SIGNED { 0 } else { 128 };
    let za = i64::from(input_zero_point.widen() + a_shift);
    let zw = |kk: usize| {
        i64::from(match weight_zero_point {
            WeightZeroPoint::PerTensor(z) => z.widen(),
            WeightZeroPoint::PerChannel(z) => z[kk].widen(),
        }) - i64::from(w_shift)
    };
    conv_loops(
        g,
        input,
        weights,
        output,
        |_| Saturating::default(),
        |acc: &mut Saturating, x, w, _| {
            let x = i64::from(x.unwrap_or(input_zero_point).widen() + a_shift);
            let w = i64::from(w.widen() - w_shift);
            match acc.open.take() {
                None => acc.open = Some(x * w),
                Some(p) => acc.pairs += Saturating::pair(p + x * w),
            }
            acc.a_sum += x;
            acc.w_sum += w;
            acc.taps += 1;
        },
        |acc, o| {
            let kk = o % g.k;
            let pairs = acc.pairs + acc.open.map_or(0, Saturating::pair);
            let v = pairs - zw(kk) * acc.a_sum - za * acc.w_sum
                + acc.taps * za * zw(kk)
                + bias.map_or(0, |b| i64::from(b[kk]));
            i32::try_from(v).map_err(|_| {
                Error::overflow(
                    "output",
                    format!("output element {o} is {v}, which does not fit the s32 accumulator"),
                )
            })
        },
    )
}

int8_entry!(
    /// [`conv2d_int8`] in the saturating model of the `vpmaddubsw` chain
    /// (`lowp::igemm::Saturation::Allow` on levels without VNNI): over
    /// each output's products in the taps' order (`t, r, s, c`, padding
    /// taps reading the zero point), activations moved to u8 (`+128` for
    /// i8) and weights to s8 (`−128` for u8), consecutive pairs `(2p, 2p+1)`
    /// are summed and clamped to `[−32768, 32767]` (a last odd product
    /// alone); then `v = Σ pairs − zw'·Σ x' − zx'·Σ w' + taps·zx'·zw'`
    /// (zero points moved with their operands), plus the bias. Equals
    /// [`conv2d_int8`] whenever no pair saturates.
    conv2d_int8_saturating,
    Conv2dParams,
    int8_conv_saturating
);

int8_entry!(
    /// [`conv3d_int8`] in the saturating model; see [`conv2d_int8_saturating`].
    conv3d_int8_saturating,
    Conv3dParams,
    int8_conv_saturating
);

#[cfg(test)]
mod tests {
    use super::*;
    use lowp::conv::{Padding2d, Padding3d};
    use proptest::prelude::*;

    fn run2(p: &Conv2dParams, input: &[f32], weights: &[f32], bias: Option<&[f32]>) -> Vec<f32> {
        let mut out = vec![f32::NAN; p.output_len().unwrap()];
        conv2d_f32(p, input, weights, bias, &mut out).unwrap();
        out
    }

    fn run3(p: &Conv3dParams, input: &[f32], weights: &[f32]) -> Vec<f32> {
        let mut out = vec![f32::NAN; p.output_len().unwrap()];
        conv3d_f32(p, input, weights, None, &mut out).unwrap();
        out
    }

    fn seq(n: usize) -> Vec<f32> {
        (1..=n).map(|v| v as f32).collect()
    }

    #[test]
    fn saturating_model_by_hand() {
        // 1×1 input 255 (zero point 0), 1×3 filter, padding 1 each side:
        // taps (pad, 255, pad) × weights (127, 127, 127). Products 0·127,
        // 255·127, 0·127: the pair (0, 32385) fits; the last product alone.
        let p = Conv2dParams::new(1, 1, 1, 1, 1, 1, 3).with_padding(Padding2d {
            left: 1,
            right: 1,
            ..Default::default()
        });
        let mut out = [0i32];
        conv2d_int8_saturating(
            &p,
            &[255u8],
            0,
            &[127i8; 3],
            WeightZeroPoint::PerTensor(0),
            None,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [255 * 127]);
        // Two channels: one pair 255·127 + 255·127 = 64770 saturates to 32767.
        let p = Conv2dParams::new(1, 1, 1, 2, 1, 1, 1);
        let (mut sat, mut exact) = ([0i32], [0i32]);
        conv2d_int8_saturating(
            &p,
            &[255u8; 2],
            0,
            &[127i8; 2],
            WeightZeroPoint::PerTensor(0),
            None,
            &mut sat,
        )
        .unwrap();
        conv2d_int8(
            &p,
            &[255u8; 2],
            0,
            &[127i8; 2],
            WeightZeroPoint::PerTensor(0),
            None,
            &mut exact,
        )
        .unwrap();
        assert_eq!((sat, exact), ([32767], [64770]));
        // s8 activations: −128 + 128 = 0 after the move; zero point −128
        // moves to 0 too, so the result is the plain one.
        conv2d_int8_saturating(
            &p,
            &[-128i8, 127],
            -128,
            &[1i8, 2],
            WeightZeroPoint::PerTensor(0),
            None,
            &mut sat,
        )
        .unwrap();
        assert_eq!(sat, [(127 + 128) * 2]);
    }

    #[test]
    fn plain_3x3_input_2x2_kernel() {
        // in = [1 2 3; 4 5 6; 7 8 9], w = [1 2; 3 4], bias 0.5:
        // (0,0) = 1·1 + 2·2 + 4·3 + 5·4 = 37    (0,1) = 2 + 6 + 15 + 24 = 47
        // (1,0) = 4 + 10 + 21 + 32 = 67         (1,1) = 5 + 12 + 24 + 36 = 77
        let p = Conv2dParams::new(1, 3, 3, 1, 1, 2, 2);
        let out = run2(&p, &seq(9), &[1.0, 2.0, 3.0, 4.0], Some(&[0.5]));
        assert_eq!(out, [37.5, 47.5, 67.5, 77.5]);
    }

    #[test]
    fn stride_2() {
        // in = 1..16 as 4x4, 2x2 ones, stride 2: sums of the four 2x2 blocks.
        // 1+2+5+6 = 14, 3+4+7+8 = 22, 9+10+13+14 = 46, 11+12+15+16 = 54.
        let p = Conv2dParams::new(1, 4, 4, 1, 1, 2, 2).with_stride(2, 2);
        assert_eq!(run2(&p, &seq(16), &[1.0; 4], None), [14.0, 22.0, 46.0, 54.0]);
        // Stride (1, 3) on a 2x4 input (1..8) with a 1x1 kernel of 2: columns 0 and 3.
        let p = Conv2dParams::new(1, 2, 4, 1, 1, 1, 1).with_stride(1, 3);
        assert_eq!(run2(&p, &seq(8), &[2.0], None), [2.0, 8.0, 10.0, 16.0]);
    }

    #[test]
    fn asymmetric_padding() {
        // in = [1 2; 3 4], pad top 1, right 1:   padded = [0 0 0; 1 2 0; 3 4 0]
        // w = [1 2; 3 4]:
        // (0,0) = [0 0; 1 2]·w = 3 + 8 = 11     (0,1) = [0 0; 2 0]·w = 6
        // (1,0) = [1 2; 3 4]·w = 30             (1,1) = [2 0; 4 0]·w = 2 + 12 = 14
        let pad = Padding2d {
            top: 1,
            left: 0,
            bottom: 0,
            right: 1,
        };
        let p = Conv2dParams::new(1, 2, 2, 1, 1, 2, 2).with_padding(pad);
        assert_eq!(
            run2(&p, &seq(4), &[1.0, 2.0, 3.0, 4.0], None),
            [11.0, 6.0, 30.0, 14.0]
        );
    }

    #[test]
    fn dilation_2() {
        // in(y, x) = v = 5y + x + 1 on 5x5; w = [1 2; 3 4] dilated by 2 reads
        // v, v + 2, v + 10, v + 12: out = v + 2(v+2) + 3(v+10) + 4(v+12) = 10v + 82.
        // E.g. (0,0) = 1·1 + 3·2 + 11·3 + 13·4 = 92.
        let p = Conv2dParams::new(1, 5, 5, 1, 1, 2, 2).with_dilation(2, 2);
        let out = run2(&p, &seq(25), &[1.0, 2.0, 3.0, 4.0], None);
        let want: Vec<f32> = (0..3)
            .flat_map(|y| (0..3).map(move |x| (10 * (5 * y + x + 1) + 82) as f32))
            .collect();
        assert_eq!(out[0], 92.0);
        assert_eq!(out, want);
    }

    #[test]
    fn groups_2() {
        // One pixel, c = 4 = [1 2 3 4], k = 4, groups 2: k0, k1 read channels
        // 0-1 ([1 2]); k2, k3 read channels 2-3 ([3 4]).
        // k0 = [1 0] -> 1, k1 = [0 1] -> 2, k2 = [1 1] -> 7, k3 = [1 -1] -> -1.
        let p = Conv2dParams::new(1, 1, 1, 4, 4, 1, 1).with_groups(2);
        let w = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, -1.0];
        assert_eq!(run2(&p, &seq(4), &w, None), [1.0, 2.0, 7.0, -1.0]);
        // Two groups over a 1x2 image, 1x2 kernel: c = 2 (pixels [1 10], [2 20]),
        // k = 2: k0 = [1 1] on channel 0 -> 1 + 2 = 3; k1 = [1 2] on channel 1 -> 10 + 40 = 50.
        let p = Conv2dParams::new(1, 1, 2, 2, 2, 1, 2).with_groups(2);
        let out = run2(&p, &[1.0, 10.0, 2.0, 20.0], &[1.0, 1.0, 1.0, 2.0], None);
        assert_eq!(out, [3.0, 50.0]);
    }

    #[test]
    fn depthwise_3x3_pad_1() {
        // c = k = groups = 2 on a 2x2 image. Channel 0 = [1 2; 3 4],
        // channel 1 = [10 20; 30 40] (NHWC: [1 10 2 20 3 30 4 40]).
        // k0: 3x3 ones -> every window covers the whole image: 10 everywhere.
        // k1: only the top-left tap = 1 -> out(y, x) = ch1(y-1, x-1): 0 except (1,1) = 10.
        let p = Conv2dParams::new(1, 2, 2, 2, 2, 3, 3)
            .with_groups(2)
            .with_padding(Padding2d::uniform(1));
        let mut w = vec![0.0; 18];
        w[..9].fill(1.0);
        w[9] = 1.0;
        let out = run2(&p, &[1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0], &w, None);
        assert_eq!(out, [10.0, 0.0, 10.0, 0.0, 10.0, 0.0, 10.0, 10.0]);
    }

    #[test]
    fn three_d() {
        // 2x2x2 input 1..8 (plane 0 sums to 10, plane 1 to 26), 2x2x2 kernel,
        // ones at t = 0 and twos at t = 1, front padding 1 -> OD = 2:
        // z = 0: padding·1 + plane0·2 = 20;  z = 1: plane0·1 + plane1·2 = 10 + 52 = 62.
        let p = Conv3dParams::new(1, 2, 2, 2, 1, 1, 2, 2, 2).with_padding(Padding3d {
            front: 1,
            ..Default::default()
        });
        let w = [1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0];
        assert_eq!(run3(&p, &seq(8), &w), [20.0, 62.0]);
        // Depth stride 2 and dilation 2: v = [1 2 3 4 5], w = [1 10]:
        // z = 0: v0 + 10·v2 = 31;  z = 1: v2 + 10·v4 = 53.
        let p = Conv3dParams::new(1, 5, 1, 1, 1, 1, 2, 1, 1)
            .with_stride(2, 1, 1)
            .with_dilation(2, 1, 1);
        assert_eq!(run3(&p, &seq(5), &[1.0, 10.0]), [31.0, 53.0]);
        // Batch 2, two output channels, 3-D depthwise-free 1x1x1 kernel.
        let p = Conv3dParams::new(2, 1, 1, 1, 2, 2, 1, 1, 1);
        // n0 = [1 2], n1 = [3 4]; k0 = [1 1], k1 = [1 -1].
        assert_eq!(run3(&p, &seq(4), &[1.0, 1.0, 1.0, -1.0]), [3.0, -1.0, 7.0, -1.0]);
    }

    #[test]
    fn magnitude_sums_absolute_values() {
        // in = [1 -2], w = [-3 4], bias -5: value -3 - 8 - 5 = -16; magnitude 3 + 8 + 5 = 16.
        let p = Conv2dParams::new(1, 1, 2, 1, 1, 1, 2);
        let mut v = [0.0];
        let mut m = [0.0];
        conv2d_f32(&p, &[1.0, -2.0], &[-3.0, 4.0], Some(&[-5.0]), &mut v).unwrap();
        conv2d_f32_magnitude(&p, &[1.0, -2.0], &[-3.0, 4.0], Some(&[-5.0]), &mut m).unwrap();
        assert_eq!((v, m), ([-16.0], [16.0]));
        let p3 = Conv3dParams::new(1, 1, 1, 2, 1, 1, 1, 1, 2);
        conv3d_f32_magnitude(&p3, &[1.0, -2.0], &[-3.0, 4.0], None, &mut m).unwrap();
        assert_eq!(m, [11.0]);
    }

    #[test]
    fn u8_s8_zero_points_and_padding() {
        // in = [129 130 125], zero point 128 -> centred [1 2 -3]; 1x3 kernel,
        // padding 1 left and right (padding taps contribute 0).
        // k0 = [1 1 1], zw 0 -> [1 1 1]; k1 = [4 5 6], zw 5 -> [-1 0 1]; bias [100, -100].
        // k0: x0 = 0 + 1 + 2 = 3, x1 = 1 + 2 - 3 = 0, x2 = 2 - 3 + 0 = -1
        // k1: x0 = 0 + 0 + 2 = 2, x1 = -1 + 0 - 3 = -4, x2 = -2 + 0 + 0 = -2
        let p = Conv2dParams::new(1, 1, 3, 1, 2, 1, 3).with_padding(Padding2d::symmetric(0, 1));
        let w: [i8; 6] = [1, 1, 1, 4, 5, 6];
        let mut out = [0i32; 6];
        let zw = WeightZeroPoint::PerChannel(&[0i8, 5]);
        conv2d_int8(&p, &[129u8, 130, 125], 128, &w, zw, Some(&[100, -100]), &mut out).unwrap();
        assert_eq!(out, [103, -98, 100, -104, 99, -102]);
        // Per tensor: zw = 1 for both -> k0 = [0 0 0] gives 0; k1 = [3 4 5]:
        // x0 = 4 + 10 = 14, x1 = 3 + 8 - 15 = -4, x2 = 6 - 12 = -6.
        assert_eq!(int8_2d(&p, &[129u8, 130, 125], 128, &w, 1), [0, 14, 0, -4, 0, -6]);
    }

    /// `conv2d_int8` with a per-tensor weight zero point and no bias, into an
    /// output filled with `i32::MIN` (so an element not written shows).
    fn int8_2d<A: Int8, W: Int8>(p: &Conv2dParams, x: &[A], za: A, w: &[W], zw: W) -> Vec<i32> {
        let mut out = vec![i32::MIN; p.output_len().unwrap()];
        conv2d_int8(p, x, za, w, WeightZeroPoint::PerTensor(zw), None, &mut out).unwrap();
        out
    }

    #[test]
    fn s8_u8_and_extremes() {
        // s8 activations (zero point -3): [-2 -1 0 1] -> [1 2 3 4];
        // u8 weights (zero point 128): [129 130 131 132] -> [1 2 3 4]; sum of squares 30.
        let p = Conv2dParams::new(1, 2, 2, 1, 1, 2, 2);
        let w = [129u8, 130, 131, 132];
        assert_eq!(int8_2d(&p, &[-2i8, -1, 0, 1], -3, &w, 128), [30]);
        // Extremes, zero points 0: 4 · (-128 · 255) = -130560; s8 x s8: 4 · (-128 · -128) = 65536.
        assert_eq!(int8_2d(&p, &[-128i8; 4], 0, &[255u8; 4], 0), [-130_560]);
        assert_eq!(int8_2d(&p, &[-128i8; 4], 0, &[-128i8; 4], 0), [65_536]);
        // u8 x u8 with zero points: (0 - 255) · (255 - 0) per tap.
        assert_eq!(int8_2d(&p, &[0u8; 4], 255, &[255u8; 4], 0), [4 * -65_025]);
    }

    #[test]
    fn three_d_int8_with_padding() {
        // D = 1, H = W = 1, value 7 (zero point 5 -> 2); 3x1x1 kernel [1 2 3] (zw 0)
        // padded front and back: only the middle tap reads data -> 2 · 2 = 4.
        let p = Conv3dParams::new(1, 1, 1, 1, 1, 1, 3, 1, 1).with_padding(Padding3d {
            front: 1,
            back: 1,
            ..Default::default()
        });
        let mut out = [0i32];
        conv3d_int8(
            &p,
            &[7u8],
            5,
            &[1i8, 2, 3],
            WeightZeroPoint::PerTensor(0),
            None,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [4]);
    }

    #[test]
    fn s32_overflow_is_refused_at_the_exact_boundary() {
        // 33025 taps of 255 · 255 = 2_147_450_625; i32::MAX is 33_022 more.
        let c = 33_025;
        let p = Conv2dParams::new(1, 1, 1, c, 1, 1, 1);
        let (x, w) = (vec![255u8; c], vec![255u8; c]);
        let mut out = [0i32];
        let zw = WeightZeroPoint::PerTensor(0);
        conv2d_int8(&p, &x, 0, &w, zw, Some(&[33_022]), &mut out).unwrap();
        assert_eq!(out, [i32::MAX]);
        let e = conv2d_int8(&p, &x, 0, &w, zw, Some(&[33_023]), &mut out).unwrap_err();
        assert!(matches!(e, Error::Overflow { arg: "output", .. }), "{e}");
    }

    #[test]
    fn short_buffers_are_named() {
        let p = Conv2dParams::new(1, 2, 2, 2, 3, 1, 1);
        let (x, w, mut o) = (vec![0.0f32; 8], vec![0.0f32; 6], vec![0.0f32; 12]);
        let arg = |r: Result<()>| match r {
            Err(Error::BufferTooSmall { arg, .. }) => arg,
            other => panic!("expected BufferTooSmall, got {other:?}"),
        };
        assert_eq!(arg(conv2d_f32(&p, &x[..7], &w, None, &mut o)), "input");
        assert_eq!(arg(conv2d_f32(&p, &x, &w[..5], None, &mut o)), "weights");
        assert_eq!(arg(conv2d_f32(&p, &x, &w, Some(&[0.0; 2]), &mut o)), "bias");
        assert_eq!(arg(conv2d_f32(&p, &x, &w, None, &mut o[..11])), "output");
        assert!(conv2d_f32(&p, &x, &w, Some(&[0.0; 3]), &mut o).is_ok());
        let (xq, wq, mut oq) = (vec![0u8; 8], vec![0i8; 6], vec![0i32; 12]);
        let zw = WeightZeroPoint::PerChannel(&[0i8; 2]);
        assert_eq!(
            arg(conv2d_int8(&p, &xq, 0, &wq, zw, None, &mut oq)),
            "weight_zero_point"
        );
        // Invalid parameters come first.
        let e = conv2d_f32(&p.with_groups(0), &x, &w, None, &mut o).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { arg: "groups", .. }), "{e}");
    }

    /// Regression (found by fuzz/conv_params): empty problems with huge
    /// extents return at once instead of running empty loops for ever.
    #[test]
    fn empty_problems_with_huge_extents_finish() {
        // k = 0 (and c = 0): no output, but n·oh·ow is 2^60.
        let p = Conv2dParams::new(1 << 40, 1 << 20, 1, 0, 0, 1, 1);
        assert_eq!(p.output_len().unwrap(), 0);
        conv2d_f32(&p, &[], &[], None, &mut []).unwrap();
        // c = 0: one output, but its filter has 2^40 (empty) taps: only the bias.
        let pad = Padding2d {
            top: (1 << 40) - 1,
            ..Default::default()
        };
        let p = Conv2dParams::new(1, 1, 1, 0, 1, 1 << 40, 1).with_padding(pad);
        assert_eq!((p.output_len().unwrap(), p.weights_len().unwrap()), (1, 0));
        let mut out = [0.0f32];
        conv2d_f32(&p, &[], &[], Some(&[3.0]), &mut out).unwrap();
        assert_eq!(out, [3.0]);
        let mut out = [0i32];
        conv2d_int8(
            &p,
            &[0u8; 0],
            0,
            &[0i8; 0],
            WeightZeroPoint::PerTensor(0),
            Some(&[-7]),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [-7]);
    }

    /// A second, independent formulation: materialise the zero-padded input,
    /// then take every (dilated) window's dot product with a fresh loop nest.
    fn padded_oracle(p: &Conv3dParams, x: &[f32], w: &[f32]) -> Vec<f32> {
        let pad = p.padding;
        let (pd, ph, pw) = (
            p.d + pad.front + pad.back,
            p.h + pad.top + pad.bottom,
            p.w + pad.left + pad.right,
        );
        let mut xp = vec![0.0f32; p.n * pd * ph * pw * p.c];
        for n in 0..p.n {
            for z in 0..p.d {
                for y in 0..p.h {
                    for xx in 0..p.w {
                        for c in 0..p.c {
                            let dst = (((n * pd + z + pad.front) * ph + y + pad.top) * pw + xx + pad.left)
                                * p.c
                                + c;
                            xp[dst] = x[(((n * p.d + z) * p.h + y) * p.w + xx) * p.c + c];
                        }
                    }
                }
            }
        }
        let (od, oh, ow) = p.output_dims().unwrap();
        let (cg, kg) = (p.c / p.groups, p.k / p.groups);
        let mut out = Vec::new();
        for n in 0..p.n {
            for z in 0..od {
                for y in 0..oh {
                    for xx in 0..ow {
                        for k in 0..p.k {
                            let mut acc = 0.0f64;
                            for (i, wv) in w[k * p.t * p.r * p.s * cg..][..p.t * p.r * p.s * cg]
                                .iter()
                                .enumerate()
                            {
                                let (c, tap) = (i % cg, i / cg);
                                let (t, r, s) = (tap / (p.r * p.s), (tap / p.s) % p.r, tap % p.s);
                                let zz = z * p.stride.0 + t * p.dilation.0;
                                let yy = y * p.stride.1 + r * p.dilation.1;
                                let xw = xx * p.stride.2 + s * p.dilation.2;
                                let src = (((n * pd + zz) * ph + yy) * pw + xw) * p.c + (k / kg) * cg + c;
                                acc += f64::from(xp[src]) * f64::from(*wv);
                            }
                            out.push(acc as f32);
                        }
                    }
                }
            }
        }
        out
    }

    fn small_conv3d() -> impl Strategy<Value = Conv3dParams> {
        (
            (1usize..3, 1usize..4, 1usize..5, 1usize..5, 1usize..4, 1usize..4),
            (1usize..3, 1usize..4, 1usize..4),
            (
                (1usize..3, 1usize..3, 1usize..4),
                (1usize..3, 1usize..3, 1usize..3),
            ),
            (0usize..2, 0usize..3, 0usize..3, 0usize..2, 0usize..3, 0usize..3),
        )
            .prop_map(|((n, d, h, w, cg, kg), (t, r, s), (stride, dilation), pad)| {
                let groups = 1 + (cg + kg) % 3;
                Conv3dParams {
                    n,
                    d,
                    h,
                    w,
                    c: cg * groups,
                    k: kg * groups,
                    t,
                    r,
                    s,
                    stride,
                    padding: Padding3d {
                        front: pad.0,
                        top: pad.1,
                        left: pad.2,
                        back: pad.3,
                        bottom: pad.4,
                        right: pad.5,
                    },
                    dilation,
                    groups,
                }
            })
            .prop_filter("kernel must fit the padded input", |p| p.validate().is_ok())
    }

    /// Output extents and `[input, weights, output]` lengths as lowp states
    /// them, or `None` where it refuses the problem.
    fn lowp_says(dims: Result<[usize; 3]>, lens: [Result<usize>; 3]) -> Option<([usize; 3], [usize; 3])> {
        let [i, w, o] = lens;
        Some((dims.ok()?, [i.ok()?, w.ok()?, o.ok()?]))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The oracle works out extents and lengths itself: they equal lowp's
        /// (3-D, and 2-D of the same height and width), zero extents and
        /// refused problems included.
        #[test]
        fn own_geometry_agrees_with_lowp(
            (n, d, h, w, cg, kg) in (0usize..3, 0usize..4, 0usize..5, 0usize..5, 0usize..3, 0usize..3),
            (t, r, s, groups) in (0usize..3, 0usize..4, 0usize..4, 0usize..3),
            (stride, dilation) in ((0usize..3, 1usize..3, 1usize..4), (1usize..3, 0usize..3, 1usize..3)),
            pad in (0usize..2, 0usize..3, 0usize..3, 0usize..2, 0usize..3, 0usize..3),
        ) {
            let (c, k) = (cg * groups.max(1), kg * groups.max(1));
            let padding = Padding3d { front: pad.0, top: pad.1, left: pad.2, back: pad.3, bottom: pad.4, right: pad.5 };
            let p3 = Conv3dParams { n, d, h, w, c, k, t, r, s, stride, padding, dilation, groups };
            let padding = Padding2d { top: pad.1, left: pad.2, bottom: pad.4, right: pad.5 };
            let p2 = Conv2dParams {
                n, h, w, c, k, r, s, padding, groups,
                stride: (stride.1, stride.2),
                dilation: (dilation.1, dilation.2),
            };
            let want3 = lowp_says(p3.output_dims().map(<[usize; 3]>::from), [p3.input_len(), p3.weights_len(), p3.output_len()]);
            let want2 = lowp_says(p2.output_dims().map(|(oh, ow)| [1, oh, ow]), [p2.input_len(), p2.weights_len(), p2.output_len()]);
            for (got, want) in [(ConvGeometry::of(&p3), want3), (ConvGeometry::of(&p2), want2)] {
                let got = got.ok().map(|g| (g.output, [g.input_len, g.weights_len, g.output_len]));
                prop_assert_eq!(got, want);
            }
        }

        /// Integer-valued f32 data keeps every sum exact, so the two
        /// formulations must agree exactly.
        #[test]
        fn matches_the_padded_formulation(p in small_conv3d(), seed in any::<u64>()) {
            let mut s = seed;
            let mut next = move || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); ((s >> 33) % 17) as f32 - 8.0 };
            let x: Vec<f32> = (0..p.input_len().unwrap()).map(|_| next()).collect();
            let w: Vec<f32> = (0..p.weights_len().unwrap()).map(|_| next()).collect();
            prop_assert_eq!(run3(&p, &x, &w), padded_oracle(&p, &x, &w));
        }

        /// The integer oracle equals the f32 one on centred values, including
        /// padding taps (zero point vs 0.0), for per-channel weight zero points.
        #[test]
        fn int8_equals_f32_on_centred_values(
            p in small_conv3d(),
            za in any::<u8>(),
            zw in proptest::collection::vec(any::<i8>(), 9),
            seed in any::<u64>(),
        ) {
            let mut s = seed;
            let mut next = move || { s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407); (s >> 40) as u8 };
            let x: Vec<u8> = (0..p.input_len().unwrap()).map(|_| next()).collect();
            let w: Vec<i8> = (0..p.weights_len().unwrap()).map(|_| next() as i8).collect();
            let zw = &zw[..p.k];
            let kpt = w.len() / p.k.max(1);
            let xf: Vec<f32> = x.iter().map(|&v| f32::from(v) - f32::from(za)).collect();
            let wf: Vec<f32> = w.iter().enumerate().map(|(i, &v)| f32::from(v) - f32::from(zw[i / kpt])).collect();
            let mut out = vec![0i32; p.output_len().unwrap()];
            conv3d_int8(&p, &x, za, &w, WeightZeroPoint::PerChannel(zw), None, &mut out).unwrap();
            let want: Vec<i32> = run3(&p, &xf, &wf).iter().map(|&v| v as i32).collect();
            prop_assert_eq!(out, want);
        }
    }
}
