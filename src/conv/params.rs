//! Convolution problem descriptions: sizes, stride, padding, dilation, groups;
//! their validation, output shape, buffer lengths and operation count.

use crate::error::{Error, Result};

/// Zero padding of a 2-D convolution's input, in pixels, per side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Padding2d {
    /// Rows added above the input.
    pub top: usize,
    /// Columns added left of the input.
    pub left: usize,
    /// Rows added below the input.
    pub bottom: usize,
    /// Columns added right of the input.
    pub right: usize,
}

impl Padding2d {
    /// The same padding `p` on all four sides.
    pub fn uniform(p: usize) -> Self {
        Padding2d {
            top: p,
            left: p,
            bottom: p,
            right: p,
        }
    }

    /// `ph` rows above and below, `pw` columns left and right.
    pub fn symmetric(ph: usize, pw: usize) -> Self {
        Padding2d {
            top: ph,
            left: pw,
            bottom: ph,
            right: pw,
        }
    }
}

/// Zero padding of a 3-D convolution's input, per side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Padding3d {
    /// Planes added before the input (depth).
    pub front: usize,
    /// Rows added above the input.
    pub top: usize,
    /// Columns added left of the input.
    pub left: usize,
    /// Planes added after the input (depth).
    pub back: usize,
    /// Rows added below the input.
    pub bottom: usize,
    /// Columns added right of the input.
    pub right: usize,
}

impl Padding3d {
    /// The same padding `p` on all six sides.
    pub fn uniform(p: usize) -> Self {
        Padding3d {
            front: p,
            top: p,
            left: p,
            back: p,
            bottom: p,
            right: p,
        }
    }

    /// `pd` planes before and after, `ph` rows above and below, `pw` columns
    /// left and right.
    pub fn symmetric(pd: usize, ph: usize, pw: usize) -> Self {
        Padding3d {
            front: pd,
            top: ph,
            left: pw,
            back: pd,
            bottom: ph,
            right: pw,
        }
    }
}

/// A 2-D convolution: input `[N][H][W][C]` (NHWC), weights
/// `[K][R][S][C/groups]` (OHWI), output `[N][OH][OW][K]`, where
/// `OH = (H + top + bottom − ((R−1)·dilation_h + 1)) / stride_h + 1` and
/// likewise for `OW`.
///
/// Fields are public; [`Conv2dParams::new`] and the `with_*` methods build
/// one with stride 1, no padding, dilation 1 and one group by default.
///
/// ```
/// use lowp::conv::{Conv2dParams, Padding2d};
/// // 3x3 convolution, stride 2, padding 1: 224x224x3 -> 112x112x64.
/// let p = Conv2dParams::new(1, 224, 224, 3, 64, 3, 3)
///     .with_stride(2, 2)
///     .with_padding(Padding2d::uniform(1));
/// assert_eq!(p.output_dims()?, (112, 112));
/// assert_eq!(p.input_len()?, 224 * 224 * 3);
/// assert_eq!(p.weights_len()?, 64 * 3 * 3 * 3);
/// assert_eq!(p.output_len()?, 112 * 112 * 64);
/// assert_eq!(p.ops()?, 2 * 112 * 112 * 64 * 3 * 3 * 3);
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Conv2dParams {
    /// Batch size N.
    pub n: usize,
    /// Input height H.
    pub h: usize,
    /// Input width W.
    pub w: usize,
    /// Input channels C (all groups together).
    pub c: usize,
    /// Output channels K (all groups together).
    pub k: usize,
    /// Kernel height R.
    pub r: usize,
    /// Kernel width S.
    pub s: usize,
    /// Stride `(h, w)`.
    pub stride: (usize, usize),
    /// Zero padding per side.
    pub padding: Padding2d,
    /// Dilation `(h, w)`: the distance between kernel taps (1 = dense).
    pub dilation: (usize, usize),
    /// Groups: channels are split into `groups` independent convolutions.
    /// `groups == c` is depthwise.
    pub groups: usize,
}

/// A 3-D convolution: input `[N][D][H][W][C]` (NDHWC), weights
/// `[K][T][R][S][C/groups]`, output `[N][OD][OH][OW][K]`, with each output
/// extent computed as in [`Conv2dParams`].
///
/// ```
/// use lowp::conv::{Conv3dParams, Padding3d};
/// let p = Conv3dParams::new(2, 8, 16, 16, 4, 8, 3, 3, 3)
///     .with_padding(Padding3d::uniform(1))
///     .with_stride(2, 2, 2);
/// assert_eq!(p.output_dims()?, (4, 8, 8));
/// assert_eq!(p.ops()?, 2 * 2 * (4 * 8 * 8) * 8 * 4 * 27);
/// # Ok::<(), lowp::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Conv3dParams {
    /// Batch size N.
    pub n: usize,
    /// Input depth D.
    pub d: usize,
    /// Input height H.
    pub h: usize,
    /// Input width W.
    pub w: usize,
    /// Input channels C (all groups together).
    pub c: usize,
    /// Output channels K (all groups together).
    pub k: usize,
    /// Kernel depth T.
    pub t: usize,
    /// Kernel height R.
    pub r: usize,
    /// Kernel width S.
    pub s: usize,
    /// Stride `(d, h, w)`.
    pub stride: (usize, usize, usize),
    /// Zero padding per side.
    pub padding: Padding3d,
    /// Dilation `(d, h, w)`.
    pub dilation: (usize, usize, usize),
    /// Groups; `groups == c` is depthwise.
    pub groups: usize,
}

/// One spatial axis of a convolution, with the argument names used in errors.
#[derive(Clone, Copy)]
struct Axis {
    size: usize,
    kernel: usize,
    stride: usize,
    pad_lo: usize,
    pad_hi: usize,
    dilation: usize,
    /// Names: (input extent, kernel extent, stride, dilation, padding).
    names: (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ),
}

impl Axis {
    /// The output extent along this axis, or the error naming the argument.
    fn output(&self) -> Result<usize> {
        let (size_n, kernel_n, stride_n, dil_n, pad_n) = self.names;
        if self.kernel == 0 {
            return Err(Error::param(
                kernel_n,
                format!("the kernel extent {kernel_n} is 0; it must be at least 1"),
            ));
        }
        if self.stride == 0 {
            return Err(Error::param(
                stride_n,
                format!("{stride_n} is 0; it must be at least 1"),
            ));
        }
        if self.dilation == 0 {
            return Err(Error::param(
                dil_n,
                format!("{dil_n} is 0; it must be at least 1 (1 = dense)"),
            ));
        }
        let padded = self
            .size
            .checked_add(self.pad_lo)
            .and_then(|x| x.checked_add(self.pad_hi))
            .ok_or_else(|| {
                Error::overflow(
                    pad_n,
                    format!(
                        "{size_n} = {} plus padding {} + {} overflows usize",
                        self.size, self.pad_lo, self.pad_hi
                    ),
                )
            })?;
        let effective = (self.kernel - 1)
            .checked_mul(self.dilation)
            .and_then(|x| x.checked_add(1))
            .ok_or_else(|| {
                Error::overflow(
                    dil_n,
                    format!(
                        "the dilated kernel extent ({kernel_n} - 1) * {dil_n} + 1 = ({} - 1) * {} + 1 overflows usize",
                        self.kernel, self.dilation
                    ),
                )
            })?;
        if effective > padded {
            return Err(Error::param(
                kernel_n,
                format!(
                    "the dilated kernel extent ({kernel_n} - 1) * {dil_n} + 1 = ({} - 1) * {} + 1 = {effective} \
                     exceeds the padded input extent {size_n} + padding = {} + {} + {} = {padded}",
                    self.kernel, self.dilation, self.size, self.pad_lo, self.pad_hi
                ),
            ));
        }
        Ok((padded - effective) / self.stride + 1)
    }
}

/// A validated convolution in 3-D form (a 2-D one has `D = T = 1`, no depth
/// padding, unit depth stride and dilation). Every length and index product
/// below fits in `usize`, and `ops` in `u64`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ConvGeometry {
    pub n: usize,
    /// Input extents `[D, H, W]`.
    pub input: [usize; 3],
    pub c: usize,
    pub k: usize,
    /// Kernel extents `[T, R, S]`.
    pub kernel: [usize; 3],
    pub stride: [usize; 3],
    /// Padding before the input (front, top, left).
    pub pad_lo: [usize; 3],
    pub dilation: [usize; 3],
    pub groups: usize,
    /// Output extents `[OD, OH, OW]`.
    pub output: [usize; 3],
    pub input_len: usize,
    pub weights_len: usize,
    pub output_len: usize,
    pub ops: u64,
}

/// The product of `factors`: 0 when any is 0 (even if the others' product
/// would overflow), else checked.
fn product(arg: &'static str, what: &str, factors: &[usize]) -> Result<usize> {
    if factors.contains(&0) {
        return Ok(0);
    }
    factors
        .iter()
        .try_fold(1usize, |acc, &f| acc.checked_mul(f))
        .ok_or_else(|| {
            Error::overflow(
                arg,
                format!(
                    "{what} = {} overflows usize",
                    factors
                        .iter()
                        .map(|f| f.to_string())
                        .collect::<Vec<_>>()
                        .join(" * ")
                ),
            )
        })
}

/// Validates the channel/group split and every axis, then every length.
fn geometry(n: usize, c: usize, k: usize, groups: usize, axes: [Axis; 3]) -> Result<ConvGeometry> {
    if groups == 0 {
        return Err(Error::param("groups", "groups is 0; it must be at least 1"));
    }
    if !c.is_multiple_of(groups) {
        return Err(Error::param(
            "c",
            format!("the input channels c = {c} are not divisible by groups = {groups}"),
        ));
    }
    if !k.is_multiple_of(groups) {
        return Err(Error::param(
            "k",
            format!("the output channels k = {k} are not divisible by groups = {groups}"),
        ));
    }
    let output = [axes[0].output()?, axes[1].output()?, axes[2].output()?];
    let cg = c / groups;
    let input = axes.map(|a| a.size);
    let kernel = axes.map(|a| a.kernel);
    let input_len = product(
        "input",
        "the input length n * d * h * w * c",
        &[n, input[0], input[1], input[2], c],
    )?;
    let weights_len = product(
        "weights",
        "the weights length k * t * r * s * c/groups",
        &[k, kernel[0], kernel[1], kernel[2], cg],
    )?;
    let output_len = product(
        "output",
        "the output length n * od * oh * ow * k",
        &[n, output[0], output[1], output[2], k],
    )?;
    let op_factors = [
        n, output[0], output[1], output[2], k, cg, kernel[0], kernel[1], kernel[2],
    ];
    let ops = match op_factors.contains(&0) {
        true => Some(0),
        false => op_factors.iter().try_fold(2u64, |acc, &f| {
            u64::try_from(f).ok().and_then(|f| acc.checked_mul(f))
        }),
    }
    .ok_or_else(|| {
        Error::overflow(
            "ops",
            format!(
                "the operation count 2 * n * od * oh * ow * k * c/groups * t * r * s = \
                     2 * {n} * {} * {} * {} * {k} * {cg} * {} * {} * {} overflows u64",
                output[0], output[1], output[2], kernel[0], kernel[1], kernel[2]
            ),
        )
    })?;
    Ok(ConvGeometry {
        n,
        input,
        c,
        k,
        kernel,
        stride: axes.map(|a| a.stride),
        pad_lo: axes.map(|a| a.pad_lo),
        dilation: axes.map(|a| a.dilation),
        groups,
        output,
        input_len,
        weights_len,
        output_len,
        ops,
    })
}

/// The names errors use for the depth, height and width axes: (input extent,
/// kernel extent, stride, dilation, padding).
const AXIS_NAMES: [(&str, &str, &str, &str, &str); 3] = [
    ("d", "t", "stride_d", "dilation_d", "padding"),
    ("h", "r", "stride_h", "dilation_h", "padding"),
    ("w", "s", "stride_w", "dilation_w", "padding"),
];

/// The methods [`Conv2dParams`] and [`Conv3dParams`] share word for word
/// (their docs name different extents): both answer through
/// `geometry()`.
macro_rules! shared_params_methods {
    (
        $ty:ident,
        padding: $padding:ty,
        input: $input:literal,
        weights: $weights:literal,
        output: $output:literal,
        ops: $ops:literal $(,)?
    ) => {
        impl $ty {
            /// Sets the padding.
            pub fn with_padding(mut self, padding: $padding) -> Self {
                self.padding = padding;
                self
            }

            /// Sets the number of groups (`c` for depthwise).
            pub fn with_groups(mut self, groups: usize) -> Self {
                self.groups = groups;
                self
            }

            #[doc = concat!("Elements of the input, `", $input, "`.")]
            pub fn input_len(&self) -> Result<usize> {
                Ok(self.geometry()?.input_len)
            }

            #[doc = concat!("Elements of the weights, `", $weights, "`.")]
            pub fn weights_len(&self) -> Result<usize> {
                Ok(self.geometry()?.weights_len)
            }

            #[doc = concat!("Elements of the output, `", $output, "`.")]
            pub fn output_len(&self) -> Result<usize> {
                Ok(self.geometry()?.output_len)
            }

            /// Elements of a bias: one per output channel, `K`.
            pub fn bias_len(&self) -> usize {
                self.k
            }

            #[doc = concat!("Operations, a multiply-add counting 2: `", $ops, "`,")]
            /// padding taps included (the count benches report as `gops`).
            pub fn ops(&self) -> Result<u64> {
                Ok(self.geometry()?.ops)
            }
        }
    };
}

impl Conv2dParams {
    /// An `n × h × w × c` input convolved with `k` filters of `r × s`:
    /// stride 1, no padding, dilation 1, one group.
    pub fn new(n: usize, h: usize, w: usize, c: usize, k: usize, r: usize, s: usize) -> Self {
        Conv2dParams {
            n,
            h,
            w,
            c,
            k,
            r,
            s,
            stride: (1, 1),
            padding: Padding2d::default(),
            dilation: (1, 1),
            groups: 1,
        }
    }

    /// Sets the stride `(h, w)`.
    pub fn with_stride(mut self, sh: usize, sw: usize) -> Self {
        self.stride = (sh, sw);
        self
    }

    /// Sets the dilation `(h, w)`.
    pub fn with_dilation(mut self, dh: usize, dw: usize) -> Self {
        self.dilation = (dh, dw);
        self
    }

    /// The same problem as a 3-D convolution of depth 1: `D = T = 1`, no
    /// depth padding, unit depth stride and dilation.
    fn as_3d(&self) -> Conv3dParams {
        let p = self.padding;
        Conv3dParams {
            n: self.n,
            d: 1,
            h: self.h,
            w: self.w,
            c: self.c,
            k: self.k,
            t: 1,
            r: self.r,
            s: self.s,
            stride: (1, self.stride.0, self.stride.1),
            padding: Padding3d {
                front: 0,
                top: p.top,
                left: p.left,
                back: 0,
                bottom: p.bottom,
                right: p.right,
            },
            dilation: (1, self.dilation.0, self.dilation.1),
            groups: self.groups,
        }
    }

    pub(crate) fn geometry(&self) -> Result<ConvGeometry> {
        self.as_3d().geometry()
    }

    /// Checks the problem. `Err` naming the argument for a zero stride,
    /// dilation, kernel extent or group count; channels `c` or `k` not
    /// divisible by `groups`; a dilated kernel larger than the padded input;
    /// or a size, buffer length or operation count that overflows
    /// (`usize`, resp. `u64` for [`Conv2dParams::ops`]).
    ///
    /// Zero `n`, `c`, `k`, `h` or `w` are allowed (as long as the kernel fits
    /// the padded input): they describe empty tensors.
    pub fn validate(&self) -> Result<()> {
        self.geometry().map(|_| ())
    }

    /// `(OH, OW)`, the output height and width.
    pub fn output_dims(&self) -> Result<(usize, usize)> {
        let g = self.geometry()?;
        Ok((g.output[1], g.output[2]))
    }
}

shared_params_methods!(
    Conv2dParams,
    padding: Padding2d,
    input: "N·H·W·C",
    weights: "K·R·S·(C/groups)",
    output: "N·OH·OW·K",
    ops: "2·N·OH·OW·K·(C/groups)·R·S",
);

impl Conv3dParams {
    /// An `n × d × h × w × c` input convolved with `k` filters of `t × r × s`:
    /// stride 1, no padding, dilation 1, one group.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        n: usize,
        d: usize,
        h: usize,
        w: usize,
        c: usize,
        k: usize,
        t: usize,
        r: usize,
        s: usize,
    ) -> Self {
        Conv3dParams {
            n,
            d,
            h,
            w,
            c,
            k,
            t,
            r,
            s,
            stride: (1, 1, 1),
            padding: Padding3d::default(),
            dilation: (1, 1, 1),
            groups: 1,
        }
    }

    /// Sets the stride `(d, h, w)`.
    pub fn with_stride(mut self, sd: usize, sh: usize, sw: usize) -> Self {
        self.stride = (sd, sh, sw);
        self
    }

    /// Sets the dilation `(d, h, w)`.
    pub fn with_dilation(mut self, dd: usize, dh: usize, dw: usize) -> Self {
        self.dilation = (dd, dh, dw);
        self
    }

    pub(crate) fn geometry(&self) -> Result<ConvGeometry> {
        let p = self.padding;
        let size = [self.d, self.h, self.w];
        let kernel = [self.t, self.r, self.s];
        let stride = <[usize; 3]>::from(self.stride);
        let pad_lo = [p.front, p.top, p.left];
        let pad_hi = [p.back, p.bottom, p.right];
        let dilation = <[usize; 3]>::from(self.dilation);
        let axes = std::array::from_fn(|i| Axis {
            size: size[i],
            kernel: kernel[i],
            stride: stride[i],
            pad_lo: pad_lo[i],
            pad_hi: pad_hi[i],
            dilation: dilation[i],
            names: AXIS_NAMES[i],
        });
        geometry(self.n, self.c, self.k, self.groups, axes)
    }

    /// Checks the problem; the same rules as [`Conv2dParams::validate`],
    /// with depth added.
    pub fn validate(&self) -> Result<()> {
        self.geometry().map(|_| ())
    }

    /// `(OD, OH, OW)`, the output depth, height and width.
    pub fn output_dims(&self) -> Result<(usize, usize, usize)> {
        let g = self.geometry()?;
        Ok((g.output[0], g.output[1], g.output[2]))
    }
}

shared_params_methods!(
    Conv3dParams,
    padding: Padding3d,
    input: "N·D·H·W·C",
    weights: "K·T·R·S·(C/groups)",
    output: "N·OD·OH·OW·K",
    ops: "2·N·OD·OH·OW·K·(C/groups)·T·R·S",
);

#[cfg(test)]
mod tests {
    use super::*;

    fn arg_of(e: &Error) -> &'static str {
        match e {
            Error::InvalidParameter { arg, .. } | Error::Overflow { arg, .. } => arg,
            other => panic!("unexpected error kind {other:?}"),
        }
    }

    #[test]
    fn output_dims_by_hand() {
        // H = 5, R = 3, pad 1 + 1, stride 2: (5 + 2 - 3) / 2 + 1 = 3.
        // W = 6, S = 3, pad 0 + 1, stride 2: (6 + 1 - 3) / 2 + 1 = 3.
        let p = Conv2dParams::new(1, 5, 6, 2, 4, 3, 3)
            .with_stride(2, 2)
            .with_padding(Padding2d {
                top: 1,
                left: 0,
                bottom: 1,
                right: 1,
            });
        assert_eq!(p.output_dims().unwrap(), (3, 3));
        // Dilation 2: effective extent (3 - 1) * 2 + 1 = 5; H = 7 -> 3, W = 5 -> 1.
        let p = Conv2dParams::new(1, 7, 5, 1, 1, 3, 3).with_dilation(2, 2);
        assert_eq!(p.output_dims().unwrap(), (3, 1));
        // Kernel exactly the padded input: one output.
        let p = Conv2dParams::new(1, 1, 1, 1, 1, 3, 3).with_padding(Padding2d::uniform(1));
        assert_eq!(p.output_dims().unwrap(), (1, 1));
        // 3-D: D = 4, T = 2, stride 2 -> 2; H = 3, R = 3, pad 1 -> 3; W = 2, S = 1 -> 2.
        let p = Conv3dParams::new(1, 4, 3, 2, 1, 1, 2, 3, 1)
            .with_stride(2, 1, 1)
            .with_padding(Padding3d {
                top: 1,
                bottom: 1,
                ..Default::default()
            });
        assert_eq!(p.output_dims().unwrap(), (2, 3, 2));
    }

    #[test]
    fn lengths_and_ops() {
        // Grouped: c = 6, k = 4, groups = 2 -> 3 input channels per group.
        let p = Conv2dParams::new(2, 4, 4, 6, 4, 3, 3)
            .with_groups(2)
            .with_padding(Padding2d::uniform(1));
        assert_eq!(p.output_dims().unwrap(), (4, 4));
        assert_eq!(p.input_len().unwrap(), 2 * 4 * 4 * 6);
        assert_eq!(p.weights_len().unwrap(), 4 * 3 * 3 * 3);
        assert_eq!(p.output_len().unwrap(), 2 * 4 * 4 * 4);
        assert_eq!(p.bias_len(), 4);
        // 2 * N * OH * OW * K * C/g * R * S, padding taps included.
        assert_eq!(p.ops().unwrap(), 2 * 2 * 16 * 4 * 3 * 9);
        let p3 = Conv3dParams::new(1, 3, 4, 4, 2, 2, 3, 3, 3).with_padding(Padding3d::uniform(1));
        assert_eq!(p3.output_dims().unwrap(), (3, 4, 4));
        assert_eq!(p3.weights_len().unwrap(), 2 * 27 * 2);
        assert_eq!(p3.ops().unwrap(), 2 * 48 * 2 * 2 * 27);
        // Empty tensors are fine.
        let p = Conv2dParams::new(0, 3, 3, 0, 0, 3, 3);
        assert_eq!(p.output_dims().unwrap(), (1, 1));
        assert_eq!(
            (p.input_len().unwrap(), p.output_len().unwrap(), p.ops().unwrap()),
            (0, 0, 0)
        );
    }

    #[test]
    fn bad_parameters_name_the_argument() {
        let ok = Conv2dParams::new(1, 8, 8, 4, 4, 3, 3);
        assert!(ok.validate().is_ok());
        let cases: [(Conv2dParams, &str); 9] = [
            (ok.with_stride(0, 1), "stride_h"),
            (ok.with_stride(1, 0), "stride_w"),
            (ok.with_dilation(0, 1), "dilation_h"),
            (ok.with_dilation(1, 0), "dilation_w"),
            (ok.with_groups(0), "groups"),
            (ok.with_groups(3), "c"),
            (Conv2dParams { c: 6, ..ok }.with_groups(3), "k"),
            (Conv2dParams { r: 9, ..ok }, "r"),
            (Conv2dParams { s: 0, ..ok }, "s"),
        ];
        for (p, arg) in cases {
            let e = p.validate().unwrap_err();
            assert_eq!(arg_of(&e), arg, "{p:?}: {e}");
            assert!(p.output_dims().is_err() && p.ops().is_err() && p.input_len().is_err());
        }
        // Dilation makes the kernel too big: (3 - 1) * 4 + 1 = 9 > 8.
        let e = ok.with_dilation(4, 1).validate().unwrap_err();
        assert_eq!(arg_of(&e), "r");
        assert!(
            e.to_string().contains("= 9") && e.to_string().contains("= 8"),
            "{e}"
        );
        // ...and padding makes it fit again.
        assert!(ok
            .with_dilation(4, 1)
            .with_padding(Padding2d::symmetric(1, 0))
            .validate()
            .is_ok());
        let p3 = Conv3dParams::new(1, 2, 8, 8, 4, 4, 3, 3, 3);
        assert_eq!(arg_of(&p3.validate().unwrap_err()), "t");
        assert_eq!(
            arg_of(
                &p3.with_padding(Padding3d::uniform(1))
                    .with_stride(0, 1, 1)
                    .validate()
                    .unwrap_err()
            ),
            "stride_d"
        );
        assert_eq!(
            arg_of(
                &p3.with_padding(Padding3d::uniform(1))
                    .with_dilation(0, 1, 1)
                    .validate()
                    .unwrap_err()
            ),
            "dilation_d"
        );
    }

    #[test]
    fn overflow_is_an_error_not_a_panic() {
        let big = usize::MAX;
        let ok = Conv2dParams::new(1, 8, 8, 4, 4, 3, 3);
        let e = ok
            .with_padding(Padding2d {
                top: big,
                ..Default::default()
            })
            .validate()
            .unwrap_err();
        assert!(matches!(e, Error::Overflow { arg: "padding", .. }), "{e}");
        let e = ok.with_dilation(big, 1).validate().unwrap_err();
        assert!(
            matches!(
                e,
                Error::Overflow {
                    arg: "dilation_h",
                    ..
                }
            ),
            "{e}"
        );
        let e = Conv2dParams { n: big, ..ok }.validate().unwrap_err();
        assert!(matches!(e, Error::Overflow { arg: "input", .. }), "{e}");
        let e = Conv2dParams { k: big, ..ok }.validate().unwrap_err();
        assert!(matches!(e, Error::Overflow { arg: "weights", .. }), "{e}");
        // Output overflows while input and weights fit: a huge padded 1x1 input.
        let huge_pad = Padding2d::symmetric(1 << 31, 1 << 31);
        let e = Conv2dParams::new(1, 1, 1, 1, 1 << 4, 1, 1)
            .with_padding(huge_pad)
            .validate()
            .unwrap_err();
        assert!(matches!(e, Error::Overflow { arg: "output", .. }), "{e}");
        // Every buffer fits usize but the operation count does not fit u64.
        let e = Conv2dParams::new(1, 1 << 16, 1 << 16, 1 << 21, 1 << 10, 1, 1)
            .validate()
            .unwrap_err();
        assert!(matches!(e, Error::Overflow { arg: "ops", .. }), "{e}");
        // Regression (found by fuzz/conv_params): a zero factor makes a length
        // 0 even when the factors before it overflow; such empty problems are valid.
        let p = Conv2dParams::new(big - 255, 1 << 62, 5, 0, 0, 1, 1);
        assert_eq!(
            (
                p.input_len().unwrap(),
                p.weights_len().unwrap(),
                p.output_len().unwrap(),
                p.ops().unwrap()
            ),
            (0, 0, 0, 0)
        );
        // 3-D depth sizes overflow too.
        let e = Conv3dParams::new(1, big, 2, 2, 1, 1, 1, 1, 1)
            .validate()
            .unwrap_err();
        assert!(matches!(e, Error::Overflow { arg: "input", .. }), "{e}");
    }

    #[test]
    fn two_d_is_three_d_with_unit_depth() {
        let p2 = Conv2dParams::new(2, 7, 5, 6, 4, 3, 2)
            .with_stride(2, 1)
            .with_padding(Padding2d {
                top: 1,
                left: 0,
                bottom: 2,
                right: 1,
            })
            .with_dilation(1, 2)
            .with_groups(2);
        let p3 = Conv3dParams {
            n: 2,
            d: 1,
            h: 7,
            w: 5,
            c: 6,
            k: 4,
            t: 1,
            r: 3,
            s: 2,
            stride: (1, 2, 1),
            padding: Padding3d {
                front: 0,
                top: 1,
                left: 0,
                back: 0,
                bottom: 2,
                right: 1,
            },
            dilation: (1, 1, 2),
            groups: 2,
        };
        assert_eq!(p2.geometry().unwrap(), p3.geometry().unwrap());
    }
}
