//! The contracts of the stacked-row INT8 depthwise kernels: four input
//! rows of a 16-channel block interleaved byte by byte
//! (`dwconv_u8_stack4_*`), then `vpdpbusd` over the four vertical taps of
//! each byte quad (`dwconv_u8s8s32_3x3_stack_*`), so one stacked pixel
//! serves the three horizontal taps of two output rows.
//!
//! The activations are used raw (as u8) and the padding holds the input
//! zero point, so the caller corrects the sums by starting them from
//! `−za·Σw` per channel: exact for a weight zero point of 0.

/// Channels per stacked pixel (the 16 i32 lanes of a zmm).
pub const STACK_LANES: usize = 16;

/// Bytes per stacked pixel: 16 channels × 4 rows.
pub const STACK_BYTES: usize = 64;

/// Stacked rows of `blocks` neighbouring 16-channel blocks: for block `β`
/// and `p < pixels`, the 64 bytes at `dst + (β·pixels + p)·64` hold, at
/// byte `4j + i`, row `i`'s channel `16β + j` at input column `p − pl` XOR
/// `flip`, or `pad` where that column is outside `0..iw`, row `i` is null
/// or `j ≥ valid`; row 3 is left as anything when `rows_used` is 3.
#[derive(Clone, Copy, Debug)]
pub struct DwStack4 {
    /// Per row, channel 0 of the block at input column 0 (pixel `q` at
    /// `+ q·pixel_stride`); null: a padding row.
    pub rows: [*const u8; 4],
    /// Rows that matter: 4, or 3 (row 3 then neither read nor written).
    pub rows_used: usize,
    /// Bytes between neighbouring input pixels (the channel count).
    pub pixel_stride: usize,
    /// Blocks (more than one only when all are whole: `valid` = 16).
    pub blocks: usize,
    /// Channels of each block that exist (1 to 16): no byte past them is read.
    pub valid: usize,
    /// Input columns.
    pub iw: usize,
    /// Padding columns on the left.
    pub pl: usize,
    /// Stacked pixels to write.
    pub pixels: usize,
    /// The padding byte (the input zero point as u8).
    pub pad: u8,
    /// XORed into every input byte (0x80 moves s8 to u8).
    pub flip: u8,
    /// `blocks · pixels · 64` bytes.
    pub dst: *mut u8,
}

/// One or two output rows of a 3×3 layer from a stacked row: for `x <
/// ow`, `out0[x·out_stride + j] = init[j] + Σ_{t<3} dot(px[x·stride + t],
/// w[2t])` and (when `out1` is not null) `out1[…] = init[j] + Σ_t
/// dot(px[x·stride + t], w[2t + 1])`, where `dot` sums the four u8 × s8
/// products of lane `j` (wrapping s32); for each of `blocks` blocks `β`,
/// with `src`, `weights`, `init` and the outputs advanced by `β` blocks
/// (`((ow − 1)·stride + 3)·64` bytes, 384 bytes, 16 values, 16 values). `O` is what the outputs are made
/// of: i32 sums, or u8/s8 bytes for the requantizing kernel ([`DwStackQ8`]).
#[derive(Clone, Copy, Debug)]
pub struct DwStack3x3<O = i32> {
    /// Stacked pixels, 64 bytes each.
    pub src: *const u8,
    /// Six 64-byte weight vectors: column `t`'s taps for the upper output
    /// row at `128t` (rows 0–2 of the stack), for the lower at `128t + 64`
    /// (rows 1–3).
    pub weights: *const i8,
    /// 16 i32 every sum starts from.
    pub init: *const i32,
    /// The upper output row: pixel `x`'s 16 values at `out0 + x·out_stride`.
    pub out0: *mut O,
    /// The lower output row, or null for none.
    pub out1: *mut O,
    /// Elements between output pixels.
    pub out_stride: usize,
    /// Output pixels.
    pub ow: usize,
    /// Stacked pixels between neighbouring outputs: 1 or 2.
    pub stride: usize,
    /// Neighbouring 16-channel blocks.
    pub blocks: usize,
}

/// The requantization of the byte-output kernel, igemm's bit for bit: each
/// sum `v` of lane `j` (of block `β`: scale `16β + j`) becomes `clamp(round_half_even((v as f32)·scale[j]),
/// lo − zp, hi − zp) + zp`, stored as its low byte.
#[derive(Clone, Copy, Debug)]
pub struct DwStackQ8 {
    /// 16 per-channel scales a block.
    pub scale: *const f32,
    /// Output zero point.
    pub zp: i32,
    /// Lower bound (within the output type).
    pub lo: i32,
    /// Upper bound (within the output type).
    pub hi: i32,
}
