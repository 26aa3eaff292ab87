//! FP32 GEMM: `C ← alpha·A·B + beta·C` on the shared blocked driver
//! ([`crate::gemm`]), with AVX-512F (14×32), AVX2+FMA (6×16) and scalar
//! (4×8) microkernels, prepacked B, and paths for small M that skip the
//! driver:
//! - `m ≤ 4`, row-major B: the row-sweep kernels ([`Gemv::Sweep`]);
//! - `m ≤ 4`, column-major B: dot-product scans ([`Gemv::Dots`]);
//! - `5 ≤ m ≤ 16`, row-major B: the B-streaming kernels ([`gemm_small_m`]);
//! - otherwise `m ≤ 16` (prepacked B, an ISA without those kernels) and
//!   in-cache problems: the strided rows kernels ([`gemm_unpacked`]).

use crate::error::{Error, Result};
use crate::gemm::blocking::Blocking;
use crate::gemm::partition::{split, Grid};
use crate::gemm::{self, buffers, BOperand, Microkernel, PackA, PackB, PackedB, Problem, TileSink};
use crate::isa::Isa;
use crate::mat::{MatMut, MatRef};
use crate::Context;
use lowp_kernels::scalar::sgemm_f32_tile_store::sgemm_f32_tile_store_scalar;
use std::ops::Range;

/// Tile kernel: `(k, a_packed, b_packed, c, rsc, alpha, beta)`.
type TileFn = unsafe fn(usize, *const f32, *const f32, *mut f32, usize, f32, f32);
/// Strided rows kernel: `(k, a, rsa, csa, b, rsb, c, rsc, alpha, beta)`.
type RowsFn = unsafe fn(usize, *const f32, usize, usize, *const f32, usize, *mut f32, usize, f32, f32);

/// Two-panel rows kernel: `(k, a, rsa, csa, b, b2, c, rsc, alpha, beta)`.
type PairFn = unsafe fn(usize, *const f32, usize, usize, *const f32, *const f32, *mut f32, usize, f32, f32);

/// Tile kernel that packs its B panel: `(k, a_packed, b_src, rsb, b_dst, c, rsc, alpha, beta)`.
type TilePackBFn = unsafe fn(usize, *const f32, *const f32, usize, *mut f32, *mut f32, usize, f32, f32);

/// B-streaming tile kernel: `(k, a_packed, b, rsb, ahead, c, rsc, rows, alpha, beta)`.
type BStreamFn = unsafe fn(usize, *const f32, *const f32, usize, usize, *mut f32, usize, usize, f32, f32);

/// Row-sweep GEMV kernel: `(n, a, rsa, csa, b, rsb, y, rsy)`.
type SweepFn = unsafe fn(usize, *const f32, usize, usize, *const f32, usize, *mut f32, usize);

/// The row-sweep GEMV kernels of an ISA (`M = 1..=4` output rows).
#[derive(Clone, Copy, Debug)]
struct Sweep {
    name: &'static str,
    /// `deep[m - 1]`: `m` rows, [`SWEEP_R`] rows of B per call.
    deep: &'static [SweepFn; 4],
    /// `one[m - 1]`: `m` rows, one row of B per call (K's remainder).
    one: &'static [SweepFn; 4],
}

/// Rows of B per row-sweep kernel call.
const SWEEP_R: usize = 4;

/// A small-M kernel: a tile of up to `mr` rows that reads B in place.
#[derive(Clone, Copy, Debug)]
struct BStream {
    name: &'static str,
    /// Rows of its tile (it computes 1..=mr).
    mr: usize,
    /// Columns of its tile.
    nr: usize,
    /// How far past each B row read to prefetch (floats): a few strips to
    /// the right (measured on Zen 4; 1 strip ahead is no better than none).
    ahead: usize,
    kernel: BStreamFn,
}

/// The f32 GEMM kernels of one ISA level (an entry of [`crate::Kernels`]).
#[derive(Clone, Copy, Debug)]
pub struct SgemmKernels {
    isa: Isa,
    name: &'static str,
    rows_name: &'static str,
    mr: usize,
    nr: usize,
    tile: TileFn,
    /// The tile kernel that packs B on the fly, where the ISA has one.
    tile_pack_b: Option<TilePackBFn>,
    /// `rows[r - 1]` computes `r` rows, `r = 1..=MR`.
    rows: &'static [RowsFn],
    /// `pair[r - 1]` computes `r` rows of two adjacent B panels (empty
    /// where the ISA has none).
    pair: &'static [PairFn],
    /// The small-M kernels, by increasing rows (empty where the ISA has none).
    bstream: &'static [BStream],
    /// The row-sweep GEMV kernels, where the ISA has them.
    sweep: Option<Sweep>,
    /// Packs MR full rows of a row-major A into one panel, where the ISA
    /// has such a packer.
    pack_a_rows: Option<PackARowsFn>,
    /// A row-major B is read in place, without packing, when A and B take
    /// at most `L2 / row_major_b_l2_share`. The AVX2 tile reads its 16
    /// columns one line per B row, so power-of-two row strides alias in L1
    /// sooner (Zen 4, AVX2, 256³: 89.5 GFLOP/s in place against 101 packed;
    /// 64³: 105 against 82).
    row_major_b_l2_share: usize,
}

/// `(src, lda, kc, dst)`: packs MR rows of a row-major A (row `i` at
/// `src + i·lda`, `kc` elements) into one `[p][MR]` panel at `dst`.
type PackARowsFn = unsafe fn(*const f32, usize, usize, *mut f32);

/// Whether A and B together take at most half of L2: then the unpacked
/// path reads both straight from cache and packing would only add work.
fn fits_in_cache(ctx: &Context, m: usize, k: usize, n: usize) -> bool {
    fits_in(ctx, m, k, n, 2)
}

/// Whether A and B together take at most `L2 / share`.
fn fits_in(ctx: &Context, m: usize, k: usize, n: usize, share: usize) -> bool {
    (m * k).saturating_add(k * n).saturating_mul(4) <= ctx.cache_sizes().l2 / share
}

/// Up to this many rows of A, a row-major (or prepacked) B is streamed
/// unpacked (by the small-M, GEMV or strided rows kernels) instead of being
/// packed: for 16×4096×4096 the strided rows kernels alone gave 46 GFLOP/s
/// against 27 for pack-then-multiply (Zen 4).
const SMALL_M: usize = 16;

impl SgemmKernels {
    /// The kernels for `isa` (which the CPU must have).
    pub(crate) fn select(isa: Isa) -> SgemmKernels {
        #[cfg(target_arch = "x86_64")]
        {
            use lowp_kernels::x86_64::{avx2, avx512};
            if isa >= Isa::Avx512 {
                use avx512::sgemm_f32_14x32_strided as s;
                use avx512::sgemm_f32_4x4_sweep as w;
                return SgemmKernels {
                    isa,
                    name: "sgemm_f32_14x32_avx512",
                    rows_name: "sgemm_f32_14x32_strided_avx512",
                    mr: 14,
                    nr: 32,
                    tile: avx512::sgemm_f32_14x32::sgemm_f32_14x32_avx512,
                    tile_pack_b: Some(avx512::sgemm_f32_14x32_packb::sgemm_f32_14x32_packb_avx512),
                    pair: &[
                        avx512::sgemm_f32_3x64_pair::sgemm_f32_1x64_pair_avx512,
                        avx512::sgemm_f32_3x64_pair::sgemm_f32_2x64_pair_avx512,
                        avx512::sgemm_f32_3x64_pair::sgemm_f32_3x64_pair_avx512,
                    ],
                    pack_a_rows: Some(avx512::sgemm_f32_pack_a_14::sgemm_f32_pack_a_14_avx512),
                    row_major_b_l2_share: 2,
                    bstream: &[
                        BStream {
                            name: "sgemm_f32_8x32_bstream_avx512",
                            mr: 8,
                            nr: 32,
                            ahead: 64,
                            kernel: avx512::sgemm_f32_8x32_bstream::sgemm_f32_8x32_bstream_avx512,
                        },
                        BStream {
                            name: "sgemm_f32_16x16_bstream_avx512",
                            mr: 16,
                            nr: 16,
                            ahead: 48,
                            kernel: avx512::sgemm_f32_16x16_bstream::sgemm_f32_16x16_bstream_avx512,
                        },
                    ],
                    rows: &[
                        s::sgemm_f32_1x32_strided_avx512,
                        s::sgemm_f32_2x32_strided_avx512,
                        s::sgemm_f32_3x32_strided_avx512,
                        s::sgemm_f32_4x32_strided_avx512,
                        s::sgemm_f32_5x32_strided_avx512,
                        s::sgemm_f32_6x32_strided_avx512,
                        s::sgemm_f32_7x32_strided_avx512,
                        s::sgemm_f32_8x32_strided_avx512,
                        s::sgemm_f32_9x32_strided_avx512,
                        s::sgemm_f32_10x32_strided_avx512,
                        s::sgemm_f32_11x32_strided_avx512,
                        s::sgemm_f32_12x32_strided_avx512,
                        s::sgemm_f32_13x32_strided_avx512,
                        s::sgemm_f32_14x32_strided_avx512,
                    ],
                    sweep: Some(Sweep {
                        name: "sgemm_f32_4x4_sweep_avx512",
                        deep: &[
                            w::sgemm_f32_1x4_sweep_avx512,
                            w::sgemm_f32_2x4_sweep_avx512,
                            w::sgemm_f32_3x4_sweep_avx512,
                            w::sgemm_f32_4x4_sweep_avx512,
                        ],
                        one: &[
                            w::sgemm_f32_1x1_sweep_avx512,
                            w::sgemm_f32_2x1_sweep_avx512,
                            w::sgemm_f32_3x1_sweep_avx512,
                            w::sgemm_f32_4x1_sweep_avx512,
                        ],
                    }),
                };
            }
            if isa >= Isa::Avx2 {
                use avx2::sgemm_f32_4x4_sweep as w;
                use avx2::sgemm_f32_6x16_strided as s;
                return SgemmKernels {
                    isa,
                    name: "sgemm_f32_6x16_avx2",
                    rows_name: "sgemm_f32_6x16_strided_avx2",
                    mr: 6,
                    nr: 16,
                    tile: avx2::sgemm_f32_6x16::sgemm_f32_6x16_avx2,
                    tile_pack_b: Some(avx2::sgemm_f32_6x16_packb::sgemm_f32_6x16_packb_avx2),
                    pair: &[],
                    pack_a_rows: None,
                    row_major_b_l2_share: 8,
                    bstream: &[BStream {
                        name: "sgemm_f32_6x16_bstream_avx2",
                        mr: 6,
                        nr: 16,
                        ahead: 48,
                        kernel: avx2::sgemm_f32_6x16_bstream::sgemm_f32_6x16_bstream_avx2,
                    }],
                    sweep: Some(Sweep {
                        name: "sgemm_f32_4x4_sweep_avx2",
                        deep: &[
                            w::sgemm_f32_1x4_sweep_avx2,
                            w::sgemm_f32_2x4_sweep_avx2,
                            w::sgemm_f32_3x4_sweep_avx2,
                            w::sgemm_f32_4x4_sweep_avx2,
                        ],
                        one: &[
                            w::sgemm_f32_1x1_sweep_avx2,
                            w::sgemm_f32_2x1_sweep_avx2,
                            w::sgemm_f32_3x1_sweep_avx2,
                            w::sgemm_f32_4x1_sweep_avx2,
                        ],
                    }),
                    rows: &[
                        s::sgemm_f32_1x16_strided_avx2,
                        s::sgemm_f32_2x16_strided_avx2,
                        s::sgemm_f32_3x16_strided_avx2,
                        s::sgemm_f32_4x16_strided_avx2,
                        s::sgemm_f32_5x16_strided_avx2,
                        s::sgemm_f32_6x16_strided_avx2,
                    ],
                };
            }
        }
        let _ = isa;
        use lowp_kernels::scalar::{sgemm_f32_4x8, sgemm_f32_4x8_strided as s};
        SgemmKernels {
            isa: Isa::Scalar,
            name: "sgemm_f32_4x8_scalar",
            rows_name: "sgemm_f32_4x8_strided_scalar",
            mr: 4,
            nr: 8,
            tile: sgemm_f32_4x8::sgemm_f32_4x8_scalar,
            tile_pack_b: None,
            pair: &[],
            pack_a_rows: None,
            row_major_b_l2_share: 2,
            bstream: &[],
            sweep: None,
            rows: &[
                s::sgemm_f32_1x8_strided_scalar,
                s::sgemm_f32_2x8_strided_scalar,
                s::sgemm_f32_3x8_strided_scalar,
                s::sgemm_f32_4x8_strided_scalar,
            ],
        }
    }

    /// Name of the tile kernel, e.g. `sgemm_f32_14x32_avx512`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Names of the small-M kernels (GEMMs of 5 to 16 rows), empty where
    /// the ISA has none (the strided rows kernels serve them).
    pub fn small_m_names(&self) -> impl Iterator<Item = &'static str> {
        self.bstream.iter().map(|s| s.name)
    }

    /// The small-M kernel for a GEMM of `m` rows with a row-major B, when
    /// it is the one to use (`GEMV_M < m ≤ SMALL_M` and the ISA has one):
    /// the shortest tile that holds all `m` rows, so B is read once from
    /// memory, or else the tallest, run as row groups.
    fn small_m(&self, m: usize) -> Option<BStream> {
        if m <= GEMV_M || m > SMALL_M {
            return None;
        }
        // No tile holds them all: row groups of the tallest, over each B strip.
        self.bstream
            .iter()
            .find(|s| m <= s.mr)
            .or(self.bstream.last())
            .copied()
    }

    /// Name of the GEMV kernel family for a row-major B (the row-sweep
    /// kernels where the ISA has them, else the strided rows kernels).
    pub fn rows_name(&self) -> &'static str {
        self.sweep.map_or(self.rows_name, |s| s.name)
    }

    /// The tile, `(MR, NR)`.
    pub fn tile(&self) -> (usize, usize) {
        (self.mr, self.nr)
    }

    /// The ISA level of these kernels.
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// Calls the strided rows kernel for `rows ∈ 1..=MR`.
    ///
    /// # Safety
    /// The strided rows kernel contract (`lowp_kernels` `sgemm_macros` docs).
    #[allow(clippy::too_many_arguments)]
    unsafe fn call_rows(
        &self,
        rows: usize,
        k: usize,
        a: *const f32,
        rsa: usize,
        csa: usize,
        b: *const f32,
        rsb: usize,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) {
        // SAFETY: forwarded contract; the table only holds kernels of an ISA
        // the CPU has (Kernels::for_isa is only built for available levels).
        unsafe { (self.rows[rows - 1])(k, a, rsa, csa, b, rsb, c, rsc, alpha, beta) }
    }
}

// SAFETY: `tile` and `rows` are the kernels of an available ISA, called with
// the pointers and lengths the driver's contract guarantees.
unsafe impl Microkernel for SgemmKernels {
    type PackedA = f32;
    type PackedB = f32;
    type Acc = f32;
    type Scalar = f32;
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;

    fn mr(&self) -> usize {
        self.mr
    }
    fn nr(&self) -> usize {
        self.nr
    }
    fn k_unit(&self) -> usize {
        1
    }

    unsafe fn tile(
        &self,
        _at: (usize, usize),
        kcp: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) {
        // SAFETY: the driver's contract (Microkernel::tile) is the kernel's.
        unsafe { (self.tile)(kcp, a, b, c, rsc, alpha, beta) }
    }

    unsafe fn tile_rows(
        &self,
        _at: (usize, usize),
        rows: usize,
        kcp: usize,
        a: *const f32,
        b: *const f32,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) -> bool {
        // The rows read from the packed A panel in place: element (i, p) at a[p·MR + i].
        // SAFETY: rows < MR rows of the panel (MR·kcp elements) and of the C
        // tile the driver vouched for; B panel as for `tile`.
        unsafe { self.call_rows(rows, kcp, a, 1, self.mr, b, self.nr, c, rsc, alpha, beta) };
        true
    }

    fn pair_rows(&self, rows: usize) -> bool {
        rows <= self.pair.len()
    }

    unsafe fn tile_rows_pair(
        &self,
        rows: usize,
        kcp: usize,
        a: *const f32,
        b: *const f32,
        b2: *const f32,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) {
        // The rows read from the packed A panel in place, as in `tile_rows`.
        // SAFETY: the driver's contract (Microkernel::tile_rows_pair), and
        // `pair_rows` vouched that `pair[rows - 1]` exists; the kernel
        // belongs to an ISA the CPU has.
        unsafe { (self.pair[rows - 1])(kcp, a, 1, self.mr, b, b2, c, rsc, alpha, beta) }
    }

    unsafe fn tile_pack_b(
        &self,
        _at: (usize, usize),
        kcp: usize,
        a: *const f32,
        b_src: *const f32,
        rsb: usize,
        b_dst: *mut f32,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) -> bool {
        let Some(f) = self.tile_pack_b else {
            return false;
        };
        // SAFETY: the driver's contract (Microkernel::tile_pack_b) is the
        // kernel's; the kernel belongs to an ISA the CPU has.
        unsafe { f(kcp, a, b_src, rsb, b_dst, c, rsc, alpha, beta) };
        true
    }
}

/// Packs one `[p][width]` panel of depth `ks` for `valid` lanes starting at
/// lane `l0`: element (lane l, depth p) is `data[l·s_lane + p·s_depth]`, and
/// lanes `valid..width` are zero. A panels have lanes = rows (`s_lane = rs`),
/// B panels lanes = columns (`s_lane = cs`): one copy with the strides swapped.
#[allow(clippy::too_many_arguments)]
fn pack_panel(
    dst: &mut [f32],
    data: &[f32],
    width: usize,
    valid: usize,
    l0: usize,
    s_lane: usize,
    s_depth: usize,
    ks: &Range<usize>,
) {
    if s_lane == 1 {
        // Each depth step is `valid` contiguous elements.
        for (pp, d) in dst.chunks_exact_mut(width).enumerate() {
            let s = (ks.start + pp) * s_depth + l0;
            d[..valid].copy_from_slice(&data[s..s + valid]);
            d[valid..].fill(0.0);
        }
        return;
    }
    for ll in 0..valid {
        let base = (l0 + ll) * s_lane;
        if s_depth == 1 {
            let line = &data[base + ks.start..base + ks.end];
            for (d, &v) in dst.chunks_exact_mut(width).zip(line) {
                d[ll] = v;
            }
        } else {
            for (pp, d) in dst.chunks_exact_mut(width).enumerate() {
                d[ll] = data[base + (ks.start + pp) * s_depth];
            }
        }
    }
    if valid < width {
        for d in dst.chunks_exact_mut(width) {
            d[valid..].fill(0.0);
        }
    }
}

/// Packs f32 A blocks into `[p][MR]` panels.
struct PackAF32<'a> {
    a: MatRef<'a, f32>,
    /// The level's packer for full panels of a row-major A (its MR rows).
    rows: Option<PackARowsFn>,
    rows_mr: usize,
}

impl<'a> PackAF32<'a> {
    fn new(a: MatRef<'a, f32>, kern: &SgemmKernels) -> PackAF32<'a> {
        PackAF32 {
            a,
            rows: kern.pack_a_rows,
            rows_mr: kern.mr,
        }
    }
}

impl PackA<f32> for PackAF32<'_> {
    fn pack_a(&self, dst: &mut [f32], mr: usize, rows: Range<usize>, ks: Range<usize>) {
        let a = &self.a;
        let (data, rs, cs) = (a.as_slice(), a.row_stride(), a.col_stride());
        let kc = ks.len();
        for (panel, dst) in dst.chunks_exact_mut(mr * kc).enumerate() {
            let i0 = rows.start + panel * mr;
            let valid = mr.min(rows.end - i0);
            let fast = rs != 1 && cs == 1 && valid == mr;
            if let (true, Some(f), true) = (fast, self.rows, mr == self.rows_mr) {
                let start = i0 * rs + ks.start;
                let src = &data[start..start + (mr - 1) * rs + kc];
                // SAFETY: the level's packer (an available ISA); `src` holds
                // the MR rows of kc elements `rs` apart (sliced above), `dst`
                // exactly MR·kc elements; they do not overlap (A is shared).
                unsafe { f(src.as_ptr(), rs, kc, dst.as_mut_ptr()) };
                continue;
            }
            if !(fast && pack_rows_fast(dst, data, i0 * rs + ks.start, rs, kc)) {
                pack_panel(dst, data, mr, valid, i0, rs, cs, &ks);
            }
        }
    }
}

/// Packs `MR` full rows of a row-major A (row `ii` at `data[start + ii·rs..][..kc]`)
/// into one `[p][MR]` panel, for the tiles without a vector packer. Returns
/// `false` (doing nothing) for other `MR`.
fn pack_rows_fast(dst: &mut [f32], data: &[f32], start: usize, rs: usize, kc: usize) -> bool {
    fn go<const MR: usize>(dst: &mut [f32], data: &[f32], start: usize, rs: usize, kc: usize) {
        let rows: [&[f32]; MR] = std::array::from_fn(|ii| &data[start + ii * rs..start + ii * rs + kc]);
        // Walk K in chunks of 8 so each row is read in short contiguous runs
        // and each panel row is written whole.
        let (dst, _) = dst.split_at_mut(MR * kc);
        for (p8, d8) in dst.chunks_mut(8 * MR).enumerate() {
            let p0 = p8 * 8;
            let cols: [&[f32]; MR] = std::array::from_fn(|ii| &rows[ii][p0..(p0 + 8).min(kc)]);
            for (q, d) in d8.chunks_exact_mut(MR).enumerate() {
                for ii in 0..MR {
                    d[ii] = cols[ii][q];
                }
            }
        }
    }
    match dst.len() / kc.max(1) {
        6 => go::<6>(dst, data, start, rs, kc),
        4 => go::<4>(dst, data, start, rs, kc),
        _ => return false,
    }
    true
}

/// Packs f32 B blocks into `[p][NR]` panels.
struct PackBF32<'a>(MatRef<'a, f32>);

impl PackB<f32> for PackBF32<'_> {
    fn pack_b(&self, dst: &mut [f32], nr: usize, ks: Range<usize>, cols: Range<usize>) {
        let b = &self.0;
        let (data, rs, cs) = (b.as_slice(), b.row_stride(), b.col_stride());
        let kc = ks.len();
        if cs == 1 {
            // Row-major B: read each row of the block once, sequentially,
            // dealing its NR-column pieces out to the panels.
            let width = cols.len();
            let npan = width.div_ceil(nr);
            for pp in 0..kc {
                let row = &data[(ks.start + pp) * rs + cols.start..][..width];
                for (panel, piece) in row.chunks(nr).enumerate() {
                    let d = &mut dst[panel * nr * kc + pp * nr..][..nr];
                    d[..piece.len()].copy_from_slice(piece);
                    d[piece.len()..].fill(0.0);
                }
                debug_assert!(npan * nr * kc <= dst.len());
            }
            return;
        }
        for (panel, dst) in dst.chunks_exact_mut(nr * kc).enumerate() {
            let j0 = cols.start + panel * nr;
            let valid = nr.min(cols.end - j0);
            pack_panel(dst, data, nr, valid, j0, cs, rs, &ks);
        }
    }

    fn rows_at(&self, k0: usize, j0: usize) -> Option<(&[f32], usize)> {
        let b = &self.0;
        (b.col_stride() == 1)
            .then(|| {
                b.as_slice()
                    .get(k0 * b.row_stride() + j0..)
                    .map(|s| (s, b.row_stride()))
            })
            .flatten()
    }
}

/// C as the driver's sink: direct tile writes when C's columns are
/// contiguous, else the scratch tile merged with the tile-store kernel.
struct SinkF32 {
    c: *mut f32,
    rsc: usize,
    csc: usize,
    beta: f32,
}

// SAFETY: the driver hands disjoint tiles to different threads; the pointer
// is only dereferenced inside kernels, each on its own tile.
unsafe impl Sync for SinkF32 {}
// SAFETY: as for Sync.
unsafe impl Send for SinkF32 {}

impl SinkF32 {
    fn new(c: &mut MatMut<'_, f32>, beta: f32) -> SinkF32 {
        SinkF32 {
            c: c.as_mut_ptr(),
            rsc: c.row_stride(),
            csc: if c.cols() <= 1 { 1 } else { c.col_stride() },
            beta,
        }
    }

    /// Merges `rows × cols` of `tile` (row stride `ld`) into C at `(i, j)`
    /// with β = `beta` (callers pass 1 after the first K block).
    #[allow(clippy::too_many_arguments)]
    fn merge(&self, tile: &[f32], ld: usize, i: usize, j: usize, rows: usize, cols: usize, beta: f32) {
        // SAFETY: (i, j) and the rows × cols tile are inside C (the driver and
        // the GEMV path only pass in-range tiles), owned by this thread.
        unsafe {
            sgemm_f32_tile_store_scalar(
                rows,
                cols,
                tile,
                ld,
                self.c.wrapping_add(i * self.rsc + j * self.csc),
                self.rsc,
                self.csc,
                beta,
            )
        }
    }
}

// SAFETY: `direct` points at C's element (i, j) with unit column stride, and
// the driver only asks for tiles inside C; tiles are disjoint.
unsafe impl TileSink<f32> for SinkF32 {
    fn direct(&self, i: usize, j: usize) -> Option<(*mut f32, usize)> {
        (self.csc == 1).then(|| (self.c.wrapping_add(i * self.rsc + j), self.rsc))
    }

    fn store(
        &self,
        tile: &mut [f32],
        ld: usize,
        i: usize,
        j: usize,
        rows: usize,
        cols: usize,
        first: bool,
        _last: bool,
    ) {
        self.merge(tile, ld, i, j, rows, cols, if first { self.beta } else { 1.0 });
    }
}

fn check_shapes(a: &MatRef<'_, f32>, b_rows: usize, b_cols: usize, c: &MatMut<'_, f32>) -> Result<()> {
    let (m, k) = (a.rows(), a.cols());
    if b_rows != k || c.rows() != m || c.cols() != b_cols {
        return Err(Error::shape(format!(
            "sgemm: a is {m}x{k}, b is {b_rows}x{b_cols}, c is {}x{}; need a m×k, b k×n, c m×n",
            c.rows(),
            c.cols()
        )));
    }
    Ok(())
}

/// `C ← beta·C` (β = 0 writes zeros without reading C).
fn scale(beta: f32, c: &mut MatMut<'_, f32>) {
    for i in 0..c.rows() {
        for j in 0..c.cols() {
            let x = c.at_mut(i, j);
            *x = if beta == 0.0 { 0.0 } else { beta * *x };
        }
    }
}

/// FP32 GEMM: `C ← alpha·A·B + beta·C`, any row/column strides (transposes
/// are views with swapped strides, [`MatRef::t`]).
///
/// BLAS semantics: with `beta == 0` C is not read (NaN in C does not leak);
/// `k == 0` or `alpha == 0` gives `C ← beta·C` without reading A or B;
/// `m == 0` or `n == 0` does nothing. Results are bit-identical for every
/// thread count. `Err(ShapeMismatch)` when the shapes disagree.
///
/// ```
/// use lowp::{sgemm, Context, MatMut, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// let a = [1.0f32, 2.0, 3.0, 4.0];
/// let b = [5.0f32, 6.0, 7.0, 8.0];
/// let mut c = [0.0f32; 4];
/// sgemm(&ctx, 1.0, MatRef::row_major(&a, 2, 2)?, MatRef::row_major(&b, 2, 2)?, 0.0,
///       MatMut::row_major(&mut c, 2, 2)?)?;
/// assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn sgemm(
    ctx: &Context,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
    mut c: MatMut<'_, f32>,
) -> Result<()> {
    check_shapes(&a, b.rows(), b.cols(), &c)?;
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    let mut log = crate::verbose::Call::start(ctx, "sgemm", m, k, n);
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 || alpha == 0.0 {
        log.path("scale_c", "none");
        scale(beta, &mut c);
        return Ok(());
    }
    // Column-major C: compute Cᵀ = Bᵀ·Aᵀ so the kernels write C's contiguous
    // columns as rows.
    let (a, b, mut c) = if m > 1 && n > 1 && c.col_stride() != 1 && c.row_stride() == 1 {
        (b.t(), a.t(), c.t())
    } else {
        (a, b, c)
    };
    let kern = &ctx.kernels().sgemm;
    if let (Some(scan), true) = (&ctx.kernels().dot.scan_f32_ip, a.rows() <= GEMV_M) {
        if b.row_stride() == 1 && b.col_stride() != 1 && b.cols() > 1 {
            log.path("gemv", scan.name);
            gemv(ctx, Gemv::Dots(scan.f), alpha, a, b, beta, &mut c);
            return Ok(());
        }
    }
    if let (true, Some(sw), true) = (b.is_row_contiguous(), kern.sweep, a.rows() <= GEMV_M) {
        log.path("gemv", sw.name);
        gemv(ctx, Gemv::Sweep(sw), alpha, a, b, beta, &mut c);
        return Ok(());
    }
    if let (true, Some(bs)) = (b.is_row_contiguous(), kern.small_m(a.rows())) {
        log.path("small_m", bs.name);
        gemm_small_m(ctx, kern, bs, alpha, a, b, beta, &mut c);
        return Ok(());
    }
    let share = kern.row_major_b_l2_share;
    if b.is_row_contiguous() && (a.rows() <= SMALL_M || fits_in(ctx, a.rows(), k, b.cols(), share)) {
        log.path(
            if a.rows() <= GEMV_M { "gemv" } else { "unpacked" },
            kern.rows_name,
        );
        gemm_unpacked(ctx, kern, alpha, a, UnpackedB::RowMajor(b), beta, &mut c);
        return Ok(());
    }
    log.path("tiles", kern.name);
    let sink = SinkF32::new(&mut c, beta);
    let pa = PackAF32::new(a, kern);
    let pb = PackBF32(b);
    gemm::gemm(
        ctx,
        kern,
        &Problem {
            m: a.rows(),
            n: b.cols(),
            k,
            a: &pa,
            b: BOperand::Pack(&pb),
            sink: &sink,
            alpha,
            beta,
            kc_at_least: None,
        },
    );
    Ok(())
}

/// FP32 GEMM with a prepacked B ([`PackedB::<f32>::new`](PackedB::new)):
/// `C ← alpha·A·B + beta·C`, same semantics as [`sgemm`].
/// `Err(LayoutMismatch)` when `b` was packed for another kernel (a Context
/// of another ISA level), `Err(ShapeMismatch)` when the shapes disagree.
pub fn sgemm_packed(
    ctx: &Context,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: &PackedB<f32>,
    beta: f32,
    mut c: MatMut<'_, f32>,
) -> Result<()> {
    let kern = &ctx.kernels().sgemm;
    b.check_layout(kern.isa, kern.name, kern.nr, 1)?;
    check_shapes(&a, b.rows(), b.cols(), &c)?;
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    let mut log = crate::verbose::Call::start(ctx, "sgemm_packed", m, k, n);
    if m == 0 || n == 0 {
        return Ok(());
    }
    if k == 0 || alpha == 0.0 {
        log.path("scale_c", "none");
        scale(beta, &mut c);
        return Ok(());
    }
    // Small M, or operands already in cache: no A packing (as `sgemm` does
    // for a row-major B); the packed B is read in its own K blocks.
    if m <= SMALL_M || fits_in_cache(ctx, m, k, n) {
        log.path("unpacked", kern.rows_name);
        gemm_unpacked(ctx, kern, alpha, a, UnpackedB::Packed(b), beta, &mut c);
        return Ok(());
    }
    log.path("tiles", kern.name);
    let sink = SinkF32::new(&mut c, beta);
    let pa = PackAF32::new(a, kern);
    gemm::gemm(
        ctx,
        kern,
        &Problem {
            m,
            n,
            k,
            a: &pa,
            b: BOperand::Prepacked(b),
            sink: &sink,
            alpha,
            beta,
            kc_at_least: None,
        },
    );
    Ok(())
}

impl PackedB<f32> {
    /// Packs a `k × n` f32 B (any strides) for `ctx`'s sgemm kernel, once,
    /// for many [`sgemm_packed`] calls (weights in inference).
    ///
    /// ```
    /// use lowp::{sgemm_packed, Context, MatMut, MatRef, PackedB};
    /// let ctx = Context::builder().threads(1).build()?;
    /// let w = [1.0f32, 0.0, 0.0, 1.0];
    /// let packed = PackedB::<f32>::new(&ctx, MatRef::row_major(&w, 2, 2)?)?;
    /// let x = [3.0f32, 4.0];
    /// let mut y = [0.0f32; 2];
    /// sgemm_packed(&ctx, 1.0, MatRef::row_major(&x, 1, 2)?, &packed, 0.0,
    ///              MatMut::row_major(&mut y, 1, 2)?)?;
    /// assert_eq!(y, [3.0, 4.0]);
    /// # Ok::<(), lowp::Error>(())
    /// ```
    pub fn new(ctx: &Context, b: MatRef<'_, f32>) -> Result<PackedB<f32>> {
        let kern = &ctx.kernels().sgemm;
        // K blocks twice as deep as a per-call pack takes (B micro-panel 4×
        // L1d): a prepacked B costs nothing to pack, so only the halved
        // passes over C and kernel entries count. Zen 4, 1 thread, ms
        // (2× → 4×): 128×4096×1024 9.86 → 9.76, 1024³ 19.46 → 19.02,
        // 16×4096×4096 5.87 → 5.78.
        let blk = Blocking::derive(ctx.cache_sizes(), kern.mr, kern.nr, 1, 4, 4, 4);
        let kc = blk.fit(1, 1, b.rows(), kern.mr, kern.nr, 1).kc;
        PackedB::pack_with(
            b.rows(),
            b.cols(),
            kc.max(1),
            kern.nr,
            1,
            kern.isa,
            kern.name,
            &PackBF32(b),
        )
    }
}

/// Up to this many rows, the GEMV path ([`gemm_unpacked`], B streamed a few
/// rows at a time by the strided rows kernels) serves a GEMM; from here to
/// [`SMALL_M`] rows, with a row-major B, the small-M path ([`gemm_small_m`]).
const GEMV_M: usize = 4;

/// Depth of a K block of the small-M path. Measured on Zen 4, 16×4096×4096
/// (GFLOP/s): kc 32 ≈ 53, 64 ≈ 69, 128 ≈ 86, 256 ≈ 92, 512 ≈ 94, 1024 ≈ 63.
const SMALL_M_KC: usize = 512;

/// The small-M path (`GEMV_M < m ≤ SMALL_M`, row-major B; see
/// [`SgemmKernels::small_m`]): A is packed into `[p][MR]` panels per K
/// block (rows ≥ m zero), and the B-streaming kernel computes all `m` rows of
/// each NR-column strip, reading each element of B once, in place, with the
/// same rows a few strips ahead prefetched into L2, so the memory stream
/// overlaps the FMAs (16×4096×4096 on Zen 4: 73 → 94 GFLOP/s against two
/// 8-row passes of the strided rows kernels; 8×4096×4096: 51 → 83). Where the
/// tile is shorter than `m` (AVX2's 6 rows), row groups of it run over each
/// strip, only the first streaming it from memory. Strips go
/// left to right within a K block, K blocks in order; N is split over the
/// threads, so every element sums its K blocks in the same order for any
/// thread count.
#[allow(clippy::too_many_arguments)]
fn gemm_small_m(
    ctx: &Context,
    kern: &SgemmKernels,
    bs: BStream,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
    c: &mut MatMut<'_, f32>,
) {
    let (m, k, n, nr) = (a.rows(), a.cols(), c.cols(), bs.nr);
    debug_assert!(m <= SMALL_M && b.is_row_contiguous());
    // Row groups of the kernel's MR: one, unless the tile is shorter than M;
    // the first group streams each B strip from memory, the others find it
    // in L1 (hence the shorter K blocks then).
    let groups = m.div_ceil(bs.mr);
    let kc = if groups > 1 { SPLIT_ROWS_KC } else { SMALL_M_KC };
    let sink = SinkF32::new(c, beta);
    // Threads split N in units of the main tile's NR (a multiple of nr).
    let grid = Grid::new(m, n, k, bs.mr, kern.nr, ctx.num_threads());
    let tasks = grid.tasks();
    let pa = PackAF32::new(a, kern);
    let (bdata, rsb) = (b.as_slice(), b.row_stride());
    ctx.run_parallel(tasks, |t| {
        let cols = split(n, tasks, kern.nr, t);
        if cols.is_empty() {
            return;
        }
        let mut abuf = buffers::take::<f32>(buffers::SLOT_A, groups * bs.mr * kc);
        let mut scratch = buffers::take::<f32>(buffers::SLOT_TILE, bs.mr * nr);
        let mut panel = buffers::take::<f32>(buffers::SLOT_B, kc * nr);
        let mut pc = 0;
        while pc < k {
            let kcb = kc.min(k - pc);
            let beta_k = if pc == 0 { beta } else { 1.0 };
            let ablk = &mut abuf[..groups * bs.mr * kcb];
            pa.pack_a(ablk, bs.mr, 0..m, pc..pc + kcb);
            let mut j = cols.start;
            while j < cols.end {
                let cols_t = nr.min(cols.end - j);
                // (B strip, its row stride, the prefetch distance in floats);
                // a last partial strip is copied into a zero-padded panel.
                let (bp, rs, ahead): (&[f32], usize, usize) = if cols_t == nr {
                    (&bdata[pc * rsb + j..], rsb, bs.ahead)
                } else {
                    let dst = &mut panel[..kcb * nr];
                    PackBF32(b).pack_b(dst, nr, pc..pc + kcb, j..j + cols_t);
                    (&panel[..kcb * nr], nr, 0)
                };
                debug_assert!(bp.len() >= (kcb - 1) * rs + nr);
                for g in 0..groups {
                    let (i0, rows) = (g * bs.mr, bs.mr.min(m - g * bs.mr));
                    let ap = ablk[g * bs.mr * kcb..].as_ptr();
                    let ahead = if g == 0 { ahead } else { 0 };
                    if let (true, Some((cp, rsc))) = (cols_t == nr, sink.direct(i0, j)) {
                        // SAFETY: the group's A panel holds MR·kcb packed elements (rows past m zero); B's kcb rows
                        // of nr elements rs apart lie in `bp` (a validated view from (pc, j), or the padded panel);
                        // C's rows × nr tile at (i0, j) is in C and owned by this task (columns `cols`).
                        unsafe { (bs.kernel)(kcb, ap, bp.as_ptr(), rs, ahead, cp, rsc, rows, alpha, beta_k) };
                    } else {
                        let tile = &mut scratch[..bs.mr * nr];
                        let tp = tile.as_mut_ptr();
                        // SAFETY: as above, writing the thread's MR × nr scratch tile.
                        unsafe { (bs.kernel)(kcb, ap, bp.as_ptr(), rs, ahead, tp, nr, rows, alpha, 0.0) };
                        sink.merge(tile, nr, i0, j, rows, cols_t, beta_k);
                    }
                }
                j += cols_t;
            }
            pc += kcb;
        }
    });
}

/// Output columns per row-sweep block (Y: `m` rows of them, 16 to 64 KiB,
/// in L1 or L2 while B's rows stream past). Each B row is read in runs of
/// this many floats: measured on Zen 4, 4×4096×4096: 1024 (one 4 KiB page
/// per run) 23 GFLOP/s, 4096 35, 8192 34.
const SWEEP_COLS: usize = 4096;

/// The frame of the GEMV paths (`m ≤ GEMV_M`): N is split over the threads
/// on NR boundaries, each task's columns go in blocks of at most `block`,
/// `sums(j0, w, out)` writes the raw sums `Σ_p A[i, p]·B[p, j0 + j]` of the
/// block into `out` (`m` rows of `w`, row stride `w`), and then
/// `C ← alpha·out + beta·C`. Each element is summed by one `sums` call, the
/// same way whatever the thread count.
#[allow(clippy::too_many_arguments)]
fn gemv_blocks(
    ctx: &Context,
    alpha: f32,
    beta: f32,
    c: &mut MatMut<'_, f32>,
    k: usize,
    block: usize,
    sums: impl Fn(usize, usize, &mut [f32]) + Sync,
) {
    let (m, n) = (c.rows(), c.cols());
    let kern = &ctx.kernels().sgemm;
    let sink = SinkF32::new(c, beta);
    let tasks = Grid::new(m, n, k, kern.mr, kern.nr, ctx.num_threads()).tasks();
    ctx.run_parallel(tasks, |t| {
        let cols = split(n, tasks, kern.nr, t);
        let mut out = buffers::take::<f32>(buffers::SLOT_TILE, m * block.min(cols.len()));
        let mut j0 = cols.start;
        while j0 < cols.end {
            let w = block.min(cols.end - j0);
            let out = &mut out[..m * w];
            sums(j0, w, out);
            if alpha != 1.0 {
                out.iter_mut().for_each(|v| *v *= alpha);
            }
            sink.merge(out, w, 0, j0, m, w, beta);
            j0 += w;
        }
    });
}

/// One query against many rows: `(q, rows, row_stride, n_rows, d, out)`,
/// `out[r] = Σ_p q[p]·rows[r·row_stride + p]` (the dot family's scan).
type ScanFn = unsafe fn(*const f32, *const f32, usize, usize, usize, *mut f32);

/// How a GEMV (`m ≤ GEMV_M`) reads B.
#[derive(Clone, Copy)]
enum Gemv {
    /// A row-major B: Y (`m` rows of a block of columns, in L1) accumulates
    /// `A[:, p]·B[p, :]` over K in order, [`SWEEP_R`] rows of B per kernel
    /// call, each row read left to right, so B is one sequential stream per
    /// row (measured on Zen 4, loaded machine, 1×4096×4096: 11.7 GFLOP/s
    /// against 10.5 for strips of 32 columns 8 rows deep; 4×4096×4096: 35
    /// against 34.5). N is split on NR boundaries; every element sums K in
    /// order, whatever the thread count.
    Sweep(Sweep),
    /// A column-major B: every element of C is the dot product of a row of A
    /// with a contiguous column of B, so each output row is one scan of A's
    /// row against B's columns (the dot family's `scan_f32_ip`, which reads
    /// each column as one sequential stream). Columns go in blocks that fit
    /// half of L2, so for `m > 1` the other rows reread the block from
    /// cache. A row of A with a column stride is copied first. Each dot is
    /// summed the same way whatever the thread count.
    Dots(ScanFn),
}

/// The GEMV path (`m ≤ GEMV_M`): `A·B` block by block of columns as `how`
/// says, then `C ← alpha·(A·B) + beta·C`, N split over the threads
/// ([`gemv_blocks`]).
fn gemv(
    ctx: &Context,
    how: Gemv,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: MatRef<'_, f32>,
    beta: f32,
    c: &mut MatMut<'_, f32>,
) {
    let (m, k) = (a.rows(), a.cols());
    debug_assert!((1..=GEMV_M).contains(&m));
    let (adata, rsa, csa) = (a.as_slice(), a.row_stride(), a.col_stride());
    match how {
        Gemv::Sweep(sw) => {
            debug_assert!(b.is_row_contiguous());
            let (bdata, rsb) = (b.as_slice(), b.row_stride());
            gemv_blocks(ctx, alpha, beta, c, k, SWEEP_COLS, |j0, w, y| {
                y.fill(0.0);
                let mut p = 0;
                while p < k {
                    let (r, f) = if k - p >= SWEEP_R {
                        (SWEEP_R, sw.deep[m - 1])
                    } else {
                        (1, sw.one[m - 1])
                    };
                    // SAFETY: A's elements (i, p..p+r), i < m, and B's rows p..p+r,
                    // columns j0..j0+w, lie in the validated views; Y holds m rows
                    // of w floats (row stride w), this thread's own.
                    unsafe {
                        f(
                            w,
                            adata[p * csa..].as_ptr(),
                            rsa,
                            csa,
                            bdata[p * rsb + j0..].as_ptr(),
                            rsb,
                            y.as_mut_ptr(),
                            w,
                        )
                    };
                    p += r;
                }
            });
        }
        Gemv::Dots(scan) => {
            debug_assert!(b.row_stride() == 1);
            let block = ((ctx.cache_sizes().l2 / 2) / (4 * k).max(1)).clamp(1, 1024);
            let (bdata, csb) = (b.as_slice(), b.col_stride());
            gemv_blocks(ctx, alpha, beta, c, k, block, |j0, w, out| {
                // A's rows, contiguous (copied when A has a column stride).
                let mut copy = buffers::take::<f32>(buffers::SLOT_A, if csa == 1 { 0 } else { k });
                for (i, o) in out.chunks_exact_mut(w).enumerate() {
                    let q: &[f32] = if csa == 1 {
                        &adata[i * rsa..i * rsa + k]
                    } else {
                        for (p, x) in copy.iter_mut().enumerate() {
                            *x = adata[i * rsa + p * csa];
                        }
                        &copy
                    };
                    // SAFETY: `q` holds k floats; columns j0..j0+w of B are k
                    // contiguous floats each, csb apart, inside the validated view;
                    // `o` holds w floats; the scan belongs to an ISA the CPU has
                    // (the Context's table).
                    unsafe { scan(q.as_ptr(), bdata[j0 * csb..].as_ptr(), csb, w, k, o.as_mut_ptr()) };
                }
            });
        }
    }
}

/// The B of the unpacked path.
enum UnpackedB<'a> {
    /// Unpacked, rows contiguous: read in place, `rsb` apart.
    RowMajor(MatRef<'a, f32>),
    /// Prepacked panels.
    Packed(&'a PackedB<f32>),
}

/// Depth of one pass of the row-major GEMV: this many rows of B are streamed
/// side by side (sequentially, so the hardware prefetchers follow them) across
/// all of the task's columns, while each C strip is loaded and stored once per
/// pass. Measured on Zen 4 for 1×4096×4096: 8 rows ≈ 10.6 GFLOP/s, 4 ≈ 9.2,
/// 16 ≈ 8.1, 128 ≈ 5.1 (long strides across many rows defeat the prefetchers).
const GEMV_KC: usize = 8;

/// Depth of one pass of the row-major unpacked path when the rows take more
/// than one MR chunk (M = MR+1..=16): the first chunk streams the B strip
/// (`kc × NR`, 16 KiB) from memory with software prefetch, the others reread
/// it from L1, so a deeper pass loads and stores C less often at no cost in B
/// traffic. Measured on Zen 4, 16×4096×4096: kc 16 ≈ 54 GFLOP/s, 64 ≈ 66,
/// 128 ≈ 67, 256 ≈ 63 (for one chunk, M ≤ MR, kc 16 stays best: 8 rows at
/// kc 128 drop from 46 to 33).
const SPLIT_ROWS_KC: usize = 128;

/// The unpacked path: `C ← alpha·A·B + beta·C` with the strided rows
/// kernels, for small M (≤ [`SMALL_M`]: GEMV and friends) or operands that
/// already sit in cache. Neither A nor B is packed (only a last partial
/// column strip of a row-major B is copied into a zero-padded panel, so no
/// kernel reads past B). Rows go in chunks of at most MR; for each pass over
/// a few rows of B (`kc`), strips of NR columns are visited left to right so
/// B is read sequentially. N is split over the threads; every element sums
/// its K blocks in the same order for every thread count.
fn gemm_unpacked(
    ctx: &Context,
    kern: &SgemmKernels,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: UnpackedB<'_>,
    beta: f32,
    c: &mut MatMut<'_, f32>,
) {
    let (m, k, n, nr) = (a.rows(), a.cols(), c.cols(), kern.nr);
    let sink = SinkF32::new(c, beta);
    let kc = match &b {
        UnpackedB::RowMajor(_) if fits_in(ctx, m, k, n, kern.row_major_b_l2_share) => k,
        UnpackedB::RowMajor(_) if m <= 4 => GEMV_KC,
        UnpackedB::RowMajor(_) if m <= kern.mr => 2 * GEMV_KC,
        UnpackedB::RowMajor(_) => SPLIT_ROWS_KC,
        UnpackedB::Packed(pb) => pb.kc(),
    };
    let grid = Grid::new(m, n, k, kern.mr, nr, ctx.num_threads());
    let tasks = grid.tasks();
    let (adata, rsa, csa) = (a.as_slice(), a.row_stride(), a.col_stride());
    ctx.run_parallel(tasks, |t| {
        let cols = split(n, tasks, nr, t);
        if cols.is_empty() {
            return;
        }
        let mut scratch = buffers::take::<f32>(buffers::SLOT_TILE, kern.mr * nr);
        let mut panel = buffers::take::<f32>(
            buffers::SLOT_B,
            match &b {
                UnpackedB::RowMajor(_) => kc * nr,
                UnpackedB::Packed(_) => 0,
            },
        );
        let mut pc = 0;
        while pc < k {
            let kcb = kc.min(k - pc);
            let beta_k = if pc == 0 { beta } else { 1.0 };
            let a_blk = &adata[pc * csa..];
            let mut j = cols.start;
            while j < cols.end {
                let cols_t = nr.min(cols.end - j);
                let (bp, rsb): (&[f32], usize) = match &b {
                    UnpackedB::RowMajor(bm) if cols_t == nr => {
                        (&bm.as_slice()[pc * bm.row_stride() + j..], bm.row_stride())
                    }
                    UnpackedB::RowMajor(bm) => {
                        let dst = &mut panel[..kcb * nr];
                        PackBF32(*bm).pack_b(dst, nr, pc..pc + kcb, j..j + cols_t);
                        (&panel[..kcb * nr], nr)
                    }
                    UnpackedB::Packed(pb) => (pb.block(pc, j / nr), nr),
                };
                // Rows in balanced chunks of at most MR; the B strip is read
                // from memory by the first chunk and from L1 by the others.
                let chunks = m.div_ceil(kern.mr);
                for ch in 0..chunks {
                    let (r0, r1) = (m * ch / chunks, m * (ch + 1) / chunks);
                    let mc = r1 - r0;
                    let a_ch = &a_blk[r0 * rsa..];
                    if let (true, Some((cp, rsc))) = (cols_t == nr, sink.direct(r0, j)) {
                        // SAFETY: A's rows r0..r1 and kcb columns from pc, B's kcb
                        // rows and nr columns from (pc, j) (in the view, or the
                        // padded panel), and C's tile (r0..r1) × (j..j+nr) are all
                        // in bounds (validated views); this task owns columns `cols`.
                        unsafe {
                            kern.call_rows(
                                mc,
                                kcb,
                                a_ch.as_ptr(),
                                rsa,
                                csa,
                                bp.as_ptr(),
                                rsb,
                                cp,
                                rsc,
                                alpha,
                                beta_k,
                            )
                        };
                    } else {
                        let tile = &mut scratch[..mc * nr];
                        // SAFETY: as above, writing the thread's mc × nr scratch tile.
                        unsafe {
                            kern.call_rows(
                                mc,
                                kcb,
                                a_ch.as_ptr(),
                                rsa,
                                csa,
                                bp.as_ptr(),
                                rsb,
                                tile.as_mut_ptr(),
                                nr,
                                alpha,
                                0.0,
                            )
                        };
                        sink.merge(tile, nr, r0, j, mc, cols_t, beta_k);
                    }
                }
                j += cols_t;
            }
            pc += kcb;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::CacheSizes;
    use std::sync::Mutex;

    /// A sink the way an INT8 output pipeline uses the driver: no direct
    /// writes, every tile through `store`, and the whole K sum in one tile.
    struct Recording {
        n: usize,
        out: Mutex<Vec<f32>>,
        flags: Mutex<Vec<(bool, bool)>>,
    }

    // SAFETY: `direct` never hands out a pointer.
    unsafe impl TileSink<f32> for Recording {
        fn direct(&self, _i: usize, _j: usize) -> Option<(*mut f32, usize)> {
            None
        }
        fn store(
            &self,
            tile: &mut [f32],
            ld: usize,
            i: usize,
            j: usize,
            rows: usize,
            cols: usize,
            first: bool,
            last: bool,
        ) {
            self.flags.lock().unwrap().push((first, last));
            let mut out = self.out.lock().unwrap();
            for r in 0..rows {
                for c in 0..cols {
                    out[(i + r) * self.n + j + c] += tile[r * ld + c];
                }
            }
        }
    }

    #[test]
    fn driver_with_store_only_sink_and_unsplit_k() {
        let tiny = CacheSizes {
            l1d: 4 << 10,
            l2: 16 << 10,
            l3: 64 << 10,
        };
        let (m, n, k) = (37, 45, 1300);
        let a: Vec<f32> = (0..m * k).map(|x| (x % 7) as f32 - 3.0).collect();
        let b: Vec<f32> = (0..k * n).map(|x| (x % 5) as f32 - 2.0).collect();
        let mut want = vec![0.0f32; m * n];
        crate::reference::sgemm::sgemm(
            1.0,
            MatRef::row_major(&a, m, k).unwrap(),
            MatRef::row_major(&b, k, n).unwrap(),
            0.0,
            MatMut::row_major(&mut want, m, n).unwrap(),
        )
        .unwrap();
        for isa in Isa::available() {
            for (threads, unsplit) in [(1, true), (3, true), (1, false)] {
                let ctx = Context::builder()
                    .max_isa(isa)
                    .threads(threads)
                    .cache_sizes(tiny)
                    .build()
                    .unwrap();
                let sink = Recording {
                    n,
                    out: Mutex::new(vec![0.0; m * n]),
                    flags: Mutex::new(Vec::new()),
                };
                let pa = PackAF32::new(MatRef::row_major(&a, m, k).unwrap(), &ctx.kernels().sgemm);
                let pb = PackBF32(MatRef::row_major(&b, k, n).unwrap());
                gemm::gemm(
                    &ctx,
                    &ctx.kernels().sgemm,
                    &Problem {
                        m,
                        n,
                        k,
                        a: &pa,
                        b: BOperand::Pack(&pb),
                        sink: &sink,
                        alpha: 1.0,
                        beta: 0.0,
                        kc_at_least: unsplit.then_some(usize::MAX),
                    },
                );
                // Small integers: every order of summation is exact.
                assert_eq!(*sink.out.lock().unwrap(), want, "{isa} {threads}t");
                let flags = sink.flags.lock().unwrap();
                if unsplit {
                    assert!(flags.iter().all(|&f| f == (true, true)), "{isa}: K was split");
                } else {
                    // Tiny caches split K = 1300 into several blocks.
                    assert!(flags.contains(&(true, false)) && flags.contains(&(false, true)));
                }
            }
        }
    }
}
