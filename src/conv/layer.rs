//! What the FP32 and INT8 plans share: the algorithm choice, the
//! indirection buffer, the weights as per-group GEMM B matrices, and the
//! buffer checks. A 2-D layer is a 3-D one with depth 1.

use super::params::ConvGeometry;
use super::rows_int8::PAD;
use super::{Conv2dParams, Conv3dParams};
use crate::error::{Error, Result};
use crate::MatRef;
use std::borrow::Cow;
use std::fmt;

/// How a convolution plan computes its layer (`ConvF32::algorithm`,
/// `ConvI8::algorithm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvAlgorithm {
    /// 1×1 kernel, stride 1, no padding: a GEMM directly on the input
    /// buffer (`M = N·H·W` rows of `C` channels), no copy.
    Gemm1x1,
    /// 1×1 kernel with a stride (no padding tap): a GEMM whose A rows are
    /// every stride-th input pixel, read in place.
    Gemm1x1Strided,
    /// Implicit GEMM: the A packer reads each output pixel's taps through an
    /// indirection buffer built with the plan (padding taps read zeros or
    /// the zero point); no im2col copy.
    Indirect,
    /// Depthwise (`groups = C > 1`, 2-D): channel-vector kernels over
    /// padded input rows (`conv::depthwise`), any multiplier `K/C`.
    Depthwise,
    /// Grouped, few channels per group (`1 < groups < C`, 4 to 16 input
    /// channels per group, a multiple of 4, up to 16 output channels): 16
    /// output channels of several groups per vector over an expanded
    /// input. AVX-512 levels (INT8: AVX-512 VNNI, with every `w − zb` in
    /// s8); elsewhere such a plan runs [`ConvAlgorithm::Indirect`].
    Grouped,
    /// On a level with an indirect kernel: the same indirection buffer
    /// read in place by the microkernel (each output pixel's channels
    /// broadcast straight from the input, XNNPACK's igemm), no packed A.
    /// A plan's choice, never returned by `of_2d`/`of_3d`: INT8
    /// ([`ConvI8::algorithm`], AVX-512 VNNI) for [`ConvAlgorithm::Indirect`]
    /// layers with `C/groups` a multiple of 4 and no weight zero point;
    /// FP32 ([`ConvF32::algorithm`], AVX-512 levels) for the general and
    /// 1×1 layers whose output channels per group fill its 64-column panels
    /// (at most a fifth padding), padding taps skipped.
    ///
    /// [`ConvI8::algorithm`]: super::ConvI8::algorithm
    /// [`ConvF32::algorithm`]: super::ConvF32::algorithm
    IndirectKernel,
}

impl ConvAlgorithm {
    /// The algorithm a plan of this 2-D layer runs (the same on every ISA,
    /// except [`ConvAlgorithm::Grouped`], which needs its kernels).
    ///
    /// ```
    /// use lowp::conv::{Conv2dParams, ConvAlgorithm};
    /// let p = Conv2dParams::new(1, 56, 56, 64, 64, 3, 3);
    /// assert_eq!(ConvAlgorithm::of_2d(&p)?, ConvAlgorithm::Indirect);
    /// assert_eq!(ConvAlgorithm::of_2d(&Conv2dParams::new(1, 8, 8, 4, 4, 1, 1))?.to_string(), "gemm-1x1");
    /// # Ok::<(), lowp::Error>(())
    /// ```
    pub fn of_2d(params: &Conv2dParams) -> Result<ConvAlgorithm> {
        Ok(Self::choose(&params.geometry()?))
    }

    /// The algorithm a plan of this 3-D layer runs.
    pub fn of_3d(params: &Conv3dParams) -> Result<ConvAlgorithm> {
        Ok(Self::choose(&params.geometry()?))
    }

    /// A 1×1 kernel without padding before the input is a GEMM on the
    /// input pixels (every stride-th one) unless a padding after the input
    /// gives an output pixel past its end.
    fn choose(g: &ConvGeometry) -> ConvAlgorithm {
        if super::depthwise::DwGeo::applies(g) {
            return ConvAlgorithm::Depthwise;
        }
        if super::grouped::fits(g) {
            return ConvAlgorithm::Grouped;
        }
        Self::general(g)
    }

    /// The choice without the grouped kernels.
    pub(crate) fn general(g: &ConvGeometry) -> ConvAlgorithm {
        if g.kernel != [1, 1, 1] || g.pad_lo != [0, 0, 0] {
            return ConvAlgorithm::Indirect;
        }
        if g.stride == [1, 1, 1] && g.output == g.input {
            return ConvAlgorithm::Gemm1x1;
        }
        let inside = (0..3).all(|a| g.output[a] == 0 || (g.output[a] - 1) * g.stride[a] < g.input[a]);
        if inside {
            ConvAlgorithm::Gemm1x1Strided
        } else {
            ConvAlgorithm::Indirect
        }
    }
}

impl fmt::Display for ConvAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConvAlgorithm::Gemm1x1 => "gemm-1x1",
            ConvAlgorithm::Gemm1x1Strided => "gemm-1x1-strided",
            ConvAlgorithm::Indirect => "indirect",
            ConvAlgorithm::Depthwise => "depthwise",
            ConvAlgorithm::Grouped => "grouped",
            ConvAlgorithm::IndirectKernel => "indirect-kernel",
        })
    }
}

/// The order of the weights' axes (the group's input channels `I = C/groups`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WeightLayout {
    /// `[K][R][S][I]` (3-D: `[K][T][R][S][I]`): TF-lite, oneDNN's NHWC
    /// convolutions; the layout of the module docs.
    #[default]
    Ohwi,
    /// `[K][I][R][S]` (3-D: `[K][I][T][R][S]`): PyTorch, ONNX.
    Oihw,
}

/// Weights and their layout.
#[derive(Clone, Copy, Debug)]
pub struct ConvWeights<'a, T> {
    /// `K·T·R·S·(C/groups)` elements.
    pub data: &'a [T],
    /// The order of their axes.
    pub layout: WeightLayout,
}

impl<'a, T> ConvWeights<'a, T> {
    /// Weights in the OHWI layout (`[K][R][S][C/groups]`).
    pub fn ohwi(data: &'a [T]) -> Self {
        ConvWeights {
            data,
            layout: WeightLayout::Ohwi,
        }
    }

    /// Weights in the OIHW layout (`[K][C/groups][R][S]`).
    pub fn oihw(data: &'a [T]) -> Self {
        ConvWeights {
            data,
            layout: WeightLayout::Oihw,
        }
    }
}

/// A validated layer and its per-input-shape state.
#[derive(Debug)]
pub(crate) struct Layer {
    pub geo: ConvGeometry,
    pub algorithm: ConvAlgorithm,
    /// GEMM rows: `N·OD·OH·OW`.
    pub m: usize,
    /// `T·R·S`.
    pub taps: usize,
    /// Input channels per group.
    pub cg: usize,
    /// Output channels per group.
    pub kg: usize,
    /// Per output pixel and tap, the element offset of the input pixel it
    /// reads, or [`PAD`] (empty for [`ConvAlgorithm::Gemm1x1`]).
    pub offsets: Vec<usize>,
}

impl Layer {
    pub(crate) fn new(geo: ConvGeometry) -> Layer {
        let m = geo.n * geo.output.iter().product::<usize>();
        let taps = geo.kernel.iter().product::<usize>();
        // Validation refuses groups = 0; 0 channels then is harmless.
        let cg = geo.c.checked_div(geo.groups).unwrap_or(0);
        let kg = geo.k.checked_div(geo.groups).unwrap_or(0);
        let mut layer = Layer {
            geo,
            algorithm: ConvAlgorithm::choose(&geo),
            m,
            taps,
            cg,
            kg,
            offsets: Vec::new(),
        };
        if !matches!(layer.algorithm, ConvAlgorithm::Gemm1x1 | ConvAlgorithm::Depthwise) {
            layer.offsets = layer.indirection();
        }
        debug_assert_eq!(
            layer.algorithm == ConvAlgorithm::Gemm1x1Strided,
            geo.kernel == [1, 1, 1]
                && !matches!(
                    layer.algorithm,
                    ConvAlgorithm::Gemm1x1 | ConvAlgorithm::Grouped | ConvAlgorithm::Depthwise
                )
                && !layer.offsets.contains(&PAD)
        );
        layer
    }

    /// The indirection buffer: for each output pixel (in NDHWC order) and
    /// tap (`t, r, s`, the weights' order), its input pixel's offset.
    fn indirection(&self) -> Vec<usize> {
        let g = &self.geo;
        let [od, oh, ow] = g.output;
        let mut v = Vec::with_capacity(self.m * self.taps);
        // The input coordinate of output `o`, kernel tap `q` on `axis`.
        let at = |axis: usize, o: usize, q: usize| -> Option<usize> {
            (o * g.stride[axis] + q * g.dilation[axis])
                .checked_sub(g.pad_lo[axis])
                .filter(|&x| x < g.input[axis])
        };
        for n in 0..g.n {
            for (z, y, x) in (0..od).flat_map(|z| (0..oh).flat_map(move |y| (0..ow).map(move |x| (z, y, x))))
            {
                for t in 0..g.kernel[0] {
                    for r in 0..g.kernel[1] {
                        for s in 0..g.kernel[2] {
                            v.push(match (at(0, z, t), at(1, y, r), at(2, x, s)) {
                                (Some(d), Some(h), Some(w)) => {
                                    (((n * g.input[0] + d) * g.input[1] + h) * g.input[2] + w) * g.c
                                }
                                _ => PAD,
                            });
                        }
                    }
                }
            }
        }
        v
    }

    /// Runs the general path instead of [`ConvAlgorithm::Grouped`] (a
    /// level without its kernels).
    pub(crate) fn fall_back(&mut self) {
        self.algorithm = ConvAlgorithm::general(&self.geo);
    }

    /// `C·T·R·S/groups`, the GEMM depth.
    pub(crate) fn depth(&self) -> usize {
        self.taps * self.cg
    }

    /// The weights in the OHWI layout (`Err` naming `weights` when their
    /// length does not match the layer).
    pub(crate) fn weights_ohwi<'a, T: Copy>(&self, w: ConvWeights<'a, T>) -> Result<Cow<'a, [T]>> {
        if w.data.len() != self.geo.weights_len {
            return Err(Error::param(
                "weights",
                format!(
                    "weights.data has {} elements; the layer needs K·T·R·S·C/groups = {}",
                    w.data.len(),
                    self.geo.weights_len
                ),
            ));
        }
        Ok(match w.layout {
            WeightLayout::Ohwi => Cow::Borrowed(w.data),
            WeightLayout::Oihw => {
                let (taps, cg) = (self.taps, self.cg);
                let per_k = taps * cg;
                let mut v = Vec::with_capacity(w.data.len());
                for k in w.data.chunks_exact(per_k.max(1)) {
                    v.extend((0..per_k).map(|x| k[(x % cg) * taps + x / cg]));
                }
                Cow::Owned(v)
            }
        })
    }

    /// Group `g`'s weights as the GEMM's `depth × kg` B: element
    /// `(t·cg + c, j)` is output channel `g·kg + j`'s weight of tap `t`,
    /// channel `c`.
    pub(crate) fn group_b<'a, T>(&self, ohwi: &'a [T], g: usize) -> Result<MatRef<'a, T>> {
        let d = self.depth();
        MatRef::named("weights", &ohwi[g * self.kg * d..], d, self.kg, 1, d.max(1))
    }

    /// `Err` naming `arg` unless `len` is `want`.
    pub(crate) fn check_len(arg: &'static str, len: usize, want: usize, what: &str) -> Result<()> {
        if len != want {
            return Err(Error::param(
                arg,
                format!("{arg} has {len} elements; the layer's {what} needs {want}"),
            ));
        }
        Ok(())
    }

    /// Checks the input's and the output's lengths.
    pub(crate) fn check_buffers(&self, input: usize, output: usize) -> Result<()> {
        Self::check_len("input", input, self.geo.input_len, "input (N·D·H·W·C)")?;
        Self::check_len("output", output, self.geo.output_len, "output (N·OD·OH·OW·K)")
    }

    /// Whether the GEMMs are empty (nothing to compute).
    pub(crate) fn is_empty(&self) -> bool {
        self.m == 0 || self.kg == 0
    }
}
