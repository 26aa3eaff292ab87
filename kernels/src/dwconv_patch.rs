//! The contracts of the stride-2 INT8 depthwise kernels on 2×2 patches:
//! the input of a pair of 16-channel blocks cut into 2×2 patches (two
//! rows, two columns) whose four bytes share a lane
//! (`dwconv_u8_patch2x2_*`), then `vpdpbusd` over each patch
//! (`dwconv_u8s8s32_3x3s2_patch_*`). At stride 2 every input pixel lies in
//! exactly one patch, so each is laid out once, and a 3×3 output reads the
//! four patches around it.
//!
//! A patch of 32 channels is four 32-byte vectors built from four 32-byte
//! loads by byte then word unpacks, which work within 128-bit lanes: vector
//! `v` holds channels `4v..4v + 4` of the first block in its low lane and
//! `16 + 4v..` in its high lane, and the row kernel puts the sums back in
//! channel order as it stores them.
//!
//! The `_c64` kernels take two neighbouring whole pairs as one 64-channel
//! patch of four zmm vectors: vector `v` of pairs `2β, 2β + 1` is the two
//! pairs' ymm vectors `v` side by side (lane `i` holds channels `4v..4v +
//! 4` of 16-channel block `i`), laid out as `patches` 256-byte patches
//! from `dst + β·patches·256` (the bytes of the two pairs' rows), reading
//! the pairs' weights and start values as they are.
//!
//! As for the stacked rows ([`crate::dwconv_stack`]), the activations are
//! used raw and the padding holds the input zero point, so the caller
//! starts the sums from `−za·Σw`.

/// Channels of a patch: two 16-channel blocks.
pub const PATCH_CHANNELS: usize = 32;
/// Bytes of one laid-out patch (four 32-byte vectors).
pub const PATCH_BYTES: usize = 128;

/// Where channel `j < 32` of a pair lies in the pair's lane order: vector
/// `j % 16 / 4`, lane `j / 16`, place `j % 4` (its 4-byte or i32 slot
/// among the 32 of the four vectors).
pub const fn patch_slot(j: usize) -> usize {
    8 * (j % 16 / 4) + 4 * (j / 16) + j % 4
}

/// One row of patches of `pairs` neighbouring 32-channel pairs: for pair
/// `β` and `p < patches`, the 128 bytes at `dst + (β·patches + p)·128`
/// hold, at byte `4·patch_slot(j) + 2r + c`, row `r`'s channel `32β + j`
/// at input column `2p + c − pl` XOR `flip`, or `pad` where that column is
/// outside `0..iw`, row `r` is null or `j ≥ valid`.
#[derive(Clone, Copy, Debug)]
pub struct DwPatch2x2 {
    /// Per row, channel 0 of the pair at input column 0 (pixel `q` at
    /// `+ q·pixel_stride`); null: a padding row.
    pub rows: [*const u8; 2],
    /// Bytes between neighbouring input pixels (the channel count).
    pub pixel_stride: usize,
    /// Pairs (more than one only when all are whole: `valid` = 32).
    pub pairs: usize,
    /// Channels of each pair that exist (1 to 32): no byte past them is read.
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
    /// `pairs · patches · 128` bytes.
    pub dst: *mut u8,
}

/// One output row of a 3×3 stride-2 layer from two rows of patches: `top`
/// (the output row's padded input rows `2y, 2y + 1`), already laid out,
/// and `bottom` (rows `2y + 2, 2y + 3`), which the kernel lays out itself
/// as `lay` describes (writing it to `lay.dst`, the next output row's top)
/// while it uses it. With `out_rows` = 2, two output rows `y`, `y + 1`:
/// `bottom` of row `y` (input rows `mid`) is built in registers only and is
/// also the top of row `y + 1`, whose bottom `lay` describes and whose
/// outputs lie `row_stride` elements after row `y`'s; each patch of `lay`
/// is written after the `top` patch of the same place is read, so `lay.dst`
/// may be `top`. For `x < ow` and channel `j < 32` of the pair, with
/// `s = patch_slot(j)`, `out[(j / 16)·half + x·out_stride + j % 16] =
/// init[s] + dot(top[x], w[0]) + dot(top[x + 1], w[1]) + dot(bottom[x],
/// w[2]) + dot(bottom[x + 1], w[3])`, where `dot` sums the four u8 × s8
/// products of slot `s` (wrapping s32); for each of `lay.pairs` pairs `β`,
/// with `top` and `bottom` advanced by `β·(ow + 1)·128` bytes, `weights`
/// by 512 bytes, `init` and `out` by 32 values. `O` is what the outputs are
/// made of: i32 sums, or u8/s8 bytes for the requantizing kernel (which
/// takes `half` = 16: a pixel's 32 bytes in channel order).
#[derive(Clone, Copy, Debug)]
pub struct DwPatch3x3S2<O = i32> {
    /// The upper row of patches, 128 bytes each.
    pub top: *const u8,
    /// The lower row of patches to lay out (`patches` = `ow + 1`).
    pub lay: DwPatch2x2,
    /// Output rows: 1 or 2.
    pub out_rows: usize,
    /// With two output rows, the input rows of the middle row of patches
    /// (null: padding; every other field is `lay`'s, and it is not stored).
    pub mid: [*const u8; 2],
    /// With two output rows, elements between them.
    pub row_stride: usize,
    /// Four 128-byte weight patches: tap `(i, t)` of channel `j` at patch
    /// `2·(i/2) + t/2`, byte `4·patch_slot(j) + 2·(i%2) + t%2`, zero where
    /// no tap lands.
    pub weights: *const i8,
    /// 32 i32 every sum starts from, in slot order.
    pub init: *const i32,
    /// Channel `j` of pixel `x` at `out + (j / 16)·half + x·out_stride + j % 16`.
    pub out: *mut O,
    /// Elements between output pixels.
    pub out_stride: usize,
    /// Elements between the outputs of the pair's two blocks.
    pub half: usize,
    /// Output pixels.
    pub ow: usize,
}
