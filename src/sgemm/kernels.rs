//! The f32 kernel table of each ISA level ([`SgemmKernels`]) and its
//! [`Microkernel`] face for the shared driver.

use super::{GEMV_M, SMALL_M};
use crate::gemm::f32_operands::{PackAF32, PackARowsFn};
use crate::gemm::Microkernel;
use crate::isa::Isa;
use crate::mat::MatRef;

/// Tile kernel: `(k, a_packed, b_packed, c, rsc, alpha, beta)`.
type TileFn = unsafe fn(usize, *const f32, *const f32, *mut f32, usize, f32, f32);
/// Strided rows kernel: `(k, a, rsa, csa, b, rsb, c, rsc, alpha, beta)`.
type RowsFn = unsafe fn(usize, *const f32, usize, usize, *const f32, usize, *mut f32, usize, f32, f32);

/// Two-panel rows kernel: `(k, a, rsa, csa, b, b2, c, rsc, alpha, beta)`.
pub(super) type PairFn =
    unsafe fn(usize, *const f32, usize, usize, *const f32, *const f32, *mut f32, usize, f32, f32);

/// Tile kernel that packs its B panel: `(k, a_packed, b_src, rsb, b_dst, c, rsc, alpha, beta)`.
type TilePackBFn = unsafe fn(usize, *const f32, *const f32, usize, *mut f32, *mut f32, usize, f32, f32);

/// B-streaming tile kernel: `(k, a_packed, b, rsb, ahead, c, rsc, rows, alpha, beta)`.
type BStreamFn = unsafe fn(usize, *const f32, *const f32, usize, usize, *mut f32, usize, usize, f32, f32);

/// Packs MR rows read through pointers (null: zeros): `(rows, kc, dst)`.
pub(crate) type PackAIndirectFn = unsafe fn(*const *const f32, usize, *mut f32);

/// A C tile's bias and clamp, in place: `(rows, cols, c, rsc, bias, clamp)`.
pub(crate) type BiasClampFn = unsafe fn(usize, usize, *mut f32, usize, Option<&[f32]>, Option<(f32, f32)>);

/// Row-sweep GEMV kernel: `(n, a, rsa, csa, b, rsb, y, rsy)`.
type SweepFn = unsafe fn(usize, *const f32, usize, usize, *const f32, usize, *mut f32, usize);

/// The row-sweep GEMV kernels of an ISA (`M = 1..=4` output rows).
#[derive(Clone, Copy, Debug)]
pub(super) struct Sweep {
    pub(super) name: &'static str,
    /// `deep[m - 1]`: `m` rows, [`SWEEP_R`] rows of B per call.
    pub(super) deep: &'static [SweepFn; 4],
    /// `one[m - 1]`: `m` rows, one row of B per call (K's remainder).
    pub(super) one: &'static [SweepFn; 4],
}

/// Rows of B per row-sweep kernel call.
pub(super) const SWEEP_R: usize = 4;

/// A small-M kernel: a tile of up to `mr` rows that reads B in place.
#[derive(Clone, Copy, Debug)]
pub(super) struct BStream {
    pub(super) name: &'static str,
    /// Rows of its tile (it computes 1..=mr).
    pub(super) mr: usize,
    /// Columns of its tile.
    pub(super) nr: usize,
    /// How far past each B row read to prefetch (floats): a few strips to
    /// the right (1 strip ahead is no better than none).
    pub(super) ahead: usize,
    pub(super) kernel: BStreamFn,
}

/// The f32 GEMM kernels of one ISA level (an entry of [`crate::Kernels`]).
#[derive(Clone, Copy, Debug)]
pub struct SgemmKernels {
    pub(super) isa: Isa,
    pub(super) name: &'static str,
    rows_name: &'static str,
    pub(super) mr: usize,
    pub(super) nr: usize,
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
    pub(super) sweep: Option<Sweep>,
    /// Packs MR full rows of a row-major A into one panel, where the ISA
    /// has such a packer.
    pub(super) pack_a_rows: Option<PackARowsFn>,
    /// Packs MR rows read through pointers (a convolution's A), where the
    /// ISA has such a packer.
    pack_a_indirect: Option<PackAIndirectFn>,
    /// Bias and clamp on a finished C tile (a convolution's output stage).
    pub(crate) bias_clamp: BiasClampFn,
    /// A row-major B is read in place, without packing, when A and B take
    /// at most `L2 / row_major_b_l2_share`. The AVX2 tile reads its 16
    /// columns one line per B row, so power-of-two row strides alias in L1
    /// sooner: its share is smaller.
    pub(super) row_major_b_l2_share: usize,
}

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
                    pack_a_indirect: Some(avx512::sgemm_f32_pack_a_14::sgemm_f32_pack_a_14_indirect_avx512),
                    bias_clamp: avx512::sgemm_f32_tile_bias_clamp::sgemm_f32_tile_bias_clamp_avx512,
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
                    pack_a_indirect: None,
                    bias_clamp:
                        lowp_kernels::scalar::sgemm_f32_tile_bias_clamp::sgemm_f32_tile_bias_clamp_scalar,
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
            pack_a_indirect: None,
            bias_clamp: lowp_kernels::scalar::sgemm_f32_tile_bias_clamp::sgemm_f32_tile_bias_clamp_scalar,
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

    /// A's packer for this level's tile (its vector packer for full panels,
    /// where it has one).
    pub(crate) fn pack_a<'a>(&self, a: MatRef<'a, f32>) -> PackAF32<'a> {
        PackAF32::new(a).with_rows_packer(self.pack_a_rows, self.mr)
    }

    /// The level's packer of MR rows read through pointers, and MR (for a
    /// convolution's gathered rows).
    pub(crate) fn pack_a_indirect(&self) -> Option<(PackAIndirectFn, usize)> {
        self.pack_a_indirect.map(|f| (f, self.mr))
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
    pub(super) fn small_m(&self, m: usize) -> Option<BStream> {
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

    /// The two-panel rows kernel for `rows` rows, where the level has one:
    /// the same bits as two strided rows kernel calls on adjacent packed
    /// panels (its contract: `lowp_kernels` `sgemm_macros` docs).
    pub(super) fn pair(&self, rows: usize) -> Option<PairFn> {
        rows.checked_sub(1).and_then(|i| self.pair.get(i)).copied()
    }

    /// Calls the strided rows kernel for `rows ∈ 1..=MR`.
    ///
    /// # Safety
    /// The strided rows kernel contract (`lowp_kernels` `sgemm_macros` docs).
    #[allow(clippy::too_many_arguments)]
    pub(super) unsafe fn call_rows(
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
