//! Convolution: 2-D (NHWC) and 3-D (NDHWC), with stride, padding, dilation
//! and groups.
//!
//! [`Conv2dParams`] and [`Conv3dParams`] describe a problem, check it
//! ([`Conv2dParams::validate`]) and give its output shape, buffer lengths
//! and operation count. A plan runs it: [`ConvF32`] (f32, bias and
//! activation) and [`ConvI8`] (u8/s8 activations × 8-bit weights with zero
//! points, outputs through igemm's pipelines, [`ConvOutput`]). A plan packs
//! its weights once ([`ConvWeights`], OHWI or OIHW) for the Context's ISA,
//! picks its [`ConvAlgorithm`] and builds its indirection buffer; each
//! `run` is one GEMM per group on the shared driver, or, for groups of few
//! channels ([`ConvAlgorithm::Grouped`]), the grouped kernels, 16 output
//! channels of several groups per vector. The scalar oracle that
//! every convolution is tested against lives in the `lowp-reference` crate
//! (its module `conv`).
//!
//! ```
//! use lowp::conv::{Conv2dParams, ConvAlgorithm, ConvF32, ConvWeights};
//! use lowp::igemm::Activation;
//! use lowp::Context;
//! let ctx = Context::builder().threads(1).build()?;
//! // A 1x1 convolution of a 1x1x2x2 input: a GEMM on the NHWC buffer.
//! let p = Conv2dParams::new(1, 1, 2, 2, 1, 1, 1);
//! let conv = ConvF32::new(&ctx, &p, ConvWeights::ohwi(&[1.0, 10.0]))?;
//! assert_eq!(conv.algorithm(), ConvAlgorithm::Gemm1x1);
//! let mut out = [0.0f32; 2];
//! conv.run(&ctx, &[1.0, 2.0, 3.0, 4.0], Some(&[0.5]), Activation::Relu, &mut out)?;
//! assert_eq!(out, [21.5, 43.5]);
//! # Ok::<(), lowp::Error>(())
//! ```
//!
//! Layouts (oneDNN / TF-lite "OHWI" style):
//!
//! | tensor  | 2-D                       | 3-D                          |
//! |---------|---------------------------|------------------------------|
//! | input   | `[N][H][W][C]`            | `[N][D][H][W][C]`            |
//! | weights | `[K][R][S][C/groups]`     | `[K][T][R][S][C/groups]`     |
//! | output  | `[N][OH][OW][K]`          | `[N][OD][OH][OW][K]`         |
//!
//! Output channel `k` belongs to group `k / (K/groups)` and reads input
//! channels `g·(C/groups) .. (g+1)·(C/groups)`. Depthwise convolution is
//! `groups = C` (then `K` is a multiple of `C`, the depth multiplier being `K/C`).

mod depthwise;
mod epilogue_f32;
mod f32;
mod fixed;
mod grouped;
mod indirect_f32;
mod int8;
mod layer;
mod params;
mod rows_f32;
mod rows_int8;

pub use depthwise::DwConvKernels;
pub use f32::ConvF32;
pub use grouped::ConvKernels;
pub use int8::{ConvI8, ConvOutput};
pub use layer::{ConvAlgorithm, ConvWeights, WeightLayout};
pub use params::{Conv2dParams, Conv3dParams, Padding2d, Padding3d};
