//! The contract of the FP32 *indirect* convolution microkernels: one tile
//! of `m ≤ MR` output pixels × `NR` output channels over a block of taps,
//! A broadcast straight from the input rows through an indirection buffer
//! (no packed A), padding taps skipped (they add exactly 0 in f32, so
//! skipping them changes nothing but the rounding order of the zeros).

/// The offset of a padding tap (as [`crate::iconv_ukernel::PAD`]).
pub const PAD: usize = crate::iconv_ukernel::PAD;

/// One call's tile: what to read, where to write, how to finish.
#[derive(Clone, Copy, Debug)]
pub struct SconvTile {
    /// Row `r`, tap `t` of the block: `offsets[r·ld + t]`, an element
    /// offset from `base`, or [`PAD`].
    pub offsets: *const usize,
    /// The offsets' row stride (the layer's taps).
    pub ld: usize,
    /// Taps in the block, at least 1.
    pub taps: usize,
    /// Channels per tap in the block: row `r` tap `t` reads the `kc` floats
    /// at `base + offsets[r·ld + t]`.
    pub kc: usize,
    /// The input, at the block's first channel.
    pub base: *const f32,
    /// At least `kc` zeros: what a padding row reads where it cannot be
    /// skipped (a padding row between real rows).
    pub zero: *const f32,
    /// The packed weights of the block: `[taps][kc][NR]`.
    pub b: *const f32,
    /// The output tile, `m` rows of `n` floats, `ldc` apart.
    pub c: *mut f32,
    /// Row stride of `c`.
    pub ldc: usize,
    /// Valid columns, `1 ≤ n ≤ NR`.
    pub n: usize,
    /// Whether the tile starts from `bias` (otherwise from what `c` holds).
    pub first: bool,
    /// With `first`: null for 0, else `n` floats, each column's start value
    /// (the layer's bias: added before the products, not after).
    pub bias: *const f32,
    /// Whether this is the tile's last block: `c ← clamp(acc)` rather than
    /// `c ← acc`.
    pub last: bool,
    /// `Some((lo, hi))`: `max(·, lo)` then `min(·, hi)`, as `f32::max`/`min`
    /// (a NaN sum becomes `lo`).
    pub clamp: Option<(f32, f32)>,
}

/// `(m, tile)`: see [`SconvTile`].
pub type SconvFn = unsafe fn(usize, &SconvTile);

/// A strip: `tiles` tiles of `m` rows one after another, each over
/// `panels` weight panels, in one call (the tile's fixed costs — set-up,
/// the stores draining — overlap the next tile's arithmetic). Tile `s`,
/// panel `q` is the [`SconvTile`] `t` with `offsets + s·m·ld`,
/// `c + s·m·ldc + q·NR`, `b + q·b_step`, `bias + q·NR` (a non-null bias),
/// and `n` = `NR` for every panel but the last, which has `t.n`; each
/// (tile, panel) runs once, in an order the kernel picks (the sums do not
/// depend on it).
#[derive(Clone, Copy, Debug)]
pub struct SconvStrip {
    /// Tiles, at least 1.
    pub tiles: usize,
    /// Panels per tile, at least 1.
    pub panels: usize,
    /// Floats from one panel's weights to the next's.
    pub b_step: usize,
    /// Whether the last block's full, 64-byte-aligned output vectors are
    /// stored non-temporally (the caller fences before another thread reads
    /// them): for an output written once and too large for the cache.
    pub stream: bool,
}

/// `(m, first tile, strip)`: see [`SconvStrip`].
pub type SconvStripFn = unsafe fn(usize, &SconvTile, &SconvStrip);

// SAFETY: a tile only describes memory the caller vouches for; the kernel
// reads the input and weights and writes the caller's tile of `c`.
unsafe impl Send for SconvTile {}
// SAFETY: as above.
unsafe impl Sync for SconvTile {}

/// One indirect FP32 convolution microkernel and what it declares.
#[derive(Clone, Copy, Debug)]
pub struct SconvUkernelInfo {
    /// Function name (`sconv_f32_7x64_avx512`).
    pub name: &'static str,
    /// Rows (output pixels) of a full tile.
    pub mr: usize,
    /// Columns (output channels) of a tile, the packed panel width.
    pub nr: usize,
    /// The kernel.
    pub f: SconvFn,
    /// Its strip entry.
    pub strip: SconvStripFn,
}
