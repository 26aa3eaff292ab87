//! Convolution: 2-D (NHWC) and 3-D (NDHWC), with stride, padding, dilation
//! and groups.
//!
//! For now this module holds the parameter types only: [`Conv2dParams`] and
//! [`Conv3dParams`] describe a problem, check it ([`Conv2dParams::validate`])
//! and give its output shape, buffer lengths and operation count. The scalar
//! oracle that every convolution kernel is tested against lives in the
//! `lowp-reference` crate (its module `conv`).
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

mod params;

pub use params::{Conv2dParams, Conv3dParams, Padding2d, Padding3d};
