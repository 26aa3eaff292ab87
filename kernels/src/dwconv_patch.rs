//! The contracts of the stride-2 INT8 depthwise kernels on 2×2 patches:
//! the input of a 16-channel block cut into 2×2 patches (two rows, two
//! columns) whose four bytes share a lane (`dwconv_u8_patch2x2_*`), then
//! `vpdpbusd` over each patch (`dwconv_u8s8s32_3x3s2_patch_*`). At stride
//! 2 every input pixel lies in exactly one patch, so each is laid out once,
//! and a 3×3 output reads the four patches around it: 4 `vpdpbusd`
//! against 2 laid-out stacked pixels and 3 `vpdpbusd` of the stacked rows.
//!
//! As for the stacked rows ([`crate::dwconv_stack`]), the activations are
//! used raw and the padding holds the input zero point, so the caller
//! starts the sums from `−za·Σw`.

/// One row of patches of `blocks` neighbouring 16-channel blocks: for
/// block `β` and `p < patches`, the 64 bytes at `dst + (β·patches + p)·64`
/// hold, at byte `4j + 2r + c`, row `r`'s channel `16β + j` at input column
/// `2p + c − pl` XOR `flip`, or `pad` where that column is outside `0..iw`,
/// row `r` is null or `j ≥ valid`.
#[derive(Clone, Copy, Debug)]
pub struct DwPatch2x2 {
    /// Per row, channel 0 of the block at input column 0 (pixel `q` at
    /// `+ q·pixel_stride`); null: a padding row.
    pub rows: [*const u8; 2],
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
    /// Patches to write.
    pub patches: usize,
    /// The padding byte (the input zero point as u8).
    pub pad: u8,
    /// XORed into every input byte (0x80 moves s8 to u8).
    pub flip: u8,
    /// `blocks · patches · 64` bytes.
    pub dst: *mut u8,
}

/// One output row of a 3×3 stride-2 layer from two rows of patches: `top`
/// (the output row's padded input rows `2y, 2y + 1`), already laid out,
/// and `bottom` (rows `2y + 2, 2y + 3`), which the kernel lays out itself
/// as `lay` describes (writing it to `lay.dst`, the next output row's top)
/// while it uses it. For `x < ow`, `out[x·out_stride + j] = init[j] +
/// dot(top[x], w[0]) + dot(top[x + 1], w[1]) + dot(bottom[x], w[2]) +
/// dot(bottom[x + 1], w[3])`, where `dot` sums the four u8 × s8 products of
/// lane `j` (wrapping s32); for each of `lay.blocks` blocks `β`, with `top`
/// and `bottom` advanced by `β·(ow + 1)·64` bytes, `weights` by 256 bytes,
/// `init` and `out` by 16 values.
#[derive(Clone, Copy, Debug)]
pub struct DwPatch3x3S2 {
    /// The upper row of patches, 64 bytes each.
    pub top: *const u8,
    /// The lower row of patches to lay out (`patches` = `ow + 1`).
    pub lay: DwPatch2x2,
    /// Four 64-byte weight vectors: tap `(i, t)` at vector `2·(i/2) +
    /// t/2`, byte `4j + 2·(i%2) + t%2`, zero where no tap lands.
    pub weights: *const i8,
    /// 16 i32 every sum starts from.
    pub init: *const i32,
    /// Pixel `x`'s 16 sums at `out + x·out_stride`.
    pub out: *mut i32,
    /// Elements between output pixels.
    pub out_stride: usize,
    /// Output pixels.
    pub ow: usize,
}
