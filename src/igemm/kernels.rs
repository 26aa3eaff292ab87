//! The INT8 GEMM kernel table of one ISA level, and the microkernel contract
//! the driver relies on.

use super::lhs::{RowScales, RowZeroPoints};
use crate::gemm::Microkernel;
use crate::Isa;
use lowp_kernels::iconv_ukernel::{IconvRows, IconvUkernelInfo};
use lowp_kernels::igemm_rows_ukernel::{IgemmRows, IgemmRowsUkernelInfo};
use lowp_kernels::scalar::igemm_tile_store::{
    igemm_tile_store_scalar, TileCorrection, TileDequant, TileRequant, TileRequantFixed,
};
use lowp_kernels::scalar::requant_fixed_screen_prep::SCREEN_BLOCK;
use std::sync::atomic::{AtomicI32, Ordering};

/// Signature of every igemm microkernel:
/// `(m, kg, a, gs, b, c, ldc, corr)` computes the `m × NR` s32 tile
/// `c[r·ldc + j] = Σ_g Σ_t a[g·gs + 4r + t] · b[g·NR·4 + 4j + t]`
/// (overwriting `c`), minus the zero-point terms of `corr` when given, where
/// `a` is `m ≤ MR` rows of u8 interleaved by k-group (K zero-padded to
/// `4·kg`; `gs` = 4 × the packed panel's rows), and `b` is one packed weight
/// panel: `kg` groups × `NR` columns × 4 k of s8.
pub(crate) type UkernelFn =
    unsafe fn(usize, usize, *const u8, usize, *const i8, *mut i32, usize, Option<&TileCorrection>);

/// The entry of a kernel with the requantizing output fused into its
/// epilogue: `(m, kg, a, gs, b, corr, rq)`, the tile of [`UkernelFn`]
/// written as u8/s8 through `rq` instead of as s32.
pub(crate) type UkernelQ8Fn =
    unsafe fn(usize, usize, *const u8, usize, *const i8, Option<&TileCorrection>, &TileRequant);

/// The entry of a kernel with the fixed-point requantizing output fused into
/// its epilogue: `(m, kg, a, gs, b, corr, rq)`, as [`UkernelQ8Fn`].
pub(crate) type UkernelQ8FixedFn =
    unsafe fn(usize, usize, *const u8, usize, *const i8, Option<&TileCorrection>, &TileRequantFixed);

/// The entry of a kernel with the dequantizing output fused into its
/// epilogue: `(m, kg, a, gs, b, corr, dq)`, the tile of [`UkernelFn`]
/// written as f32 through `dq` instead of as s32.
pub(crate) type UkernelF32Fn =
    unsafe fn(usize, usize, *const u8, usize, *const i8, Option<&TileCorrection>, &TileDequant);

/// One microkernel: its name, tile and entry point.
#[derive(Clone, Copy, Debug)]
pub struct IgemmUkernel {
    /// Function name, XNNPACK style (`igemm_u8s8s32_14x32_avx512vnni`).
    pub name: &'static str,
    /// Rows of a full tile.
    pub mr: usize,
    /// Columns of a tile (= the packed panel width of its level).
    pub nr: usize,
    /// Whether pairs of products saturate to s16 (`vpmaddubsw` chain).
    pub saturates: bool,
    pub(crate) f: UkernelFn,
    /// The same kernel writing C with streaming stores (line-aligned rows;
    /// fenced by the caller), where the level has one.
    pub(crate) f_stream: Option<UkernelFn>,
    /// The same kernel requantizing to 8 bits in its epilogue, where the
    /// level has one.
    pub(crate) f_q8: Option<UkernelQ8Fn>,
    /// The same kernel dequantizing to f32 in its epilogue, where the level
    /// has one.
    pub(crate) f_f32: Option<UkernelF32Fn>,
    /// The same kernel requantizing with the fixed-point output stage in
    /// its epilogue, where the level has one.
    pub(crate) f_q8_fixed: Option<UkernelQ8FixedFn>,
}

/// The INT8 GEMM kernels of one ISA level.
#[derive(Clone, Copy, Debug)]
pub struct IgemmKernels {
    /// The level.
    pub isa: Isa,
    /// Width of the packed weight panels at this level.
    pub nr: usize,
    /// Most rows per packed activation panel (a multiple of every kernel's
    /// MR at this level). A call with fewer rows, or rows that do not
    /// divide evenly, packs panels of `⌈M / ⌈M / a_panel_rows⌉⌉` rows
    /// instead (rounded up to a multiple of 4 within the maximum): a 16-row
    /// call packs one 16-row panel (group stride 64 bytes, run as 8 + 8
    /// sub-tiles), not 16 rows scattered over a 40-row panel.
    pub a_panel_rows: usize,
    /// The main kernel: `vpdpbusd` on VNNI levels (exact), the
    /// `vpmaddubsw` chain elsewhere (exact only on safe panels).
    pub main: IgemmUkernel,
    /// The exact kernel for panels the chain could saturate on
    /// (`None` on VNNI levels, where `main` is exact).
    pub exact: Option<IgemmUkernel>,
    /// An alternative main kernel on the same panels (the ymm `vpdpbusd`
    /// on AVX-512 VNNI): what one-row calls run, and every call with
    /// [`KernelPreference::Ymm`](crate::igemm::KernelPreference::Ymm).
    pub alt: Option<IgemmUkernel>,
    /// The indirect convolution kernel (A read in place through an
    /// indirection buffer, no packed A panel; same packed weight panels),
    /// where the level has one.
    pub iconv: Option<&'static IconvUkernelInfo>,
    /// The kernel reading a row-major u8 A in place (no packed A panel;
    /// same packed weight panels), where the level has one: what small-M
    /// calls run (`docs/tuning.md`, "Small GEMMs").
    pub rows: Option<&'static IgemmRowsUkernelInfo>,
    /// Vectorized output-pipeline stores and A packing, where the level
    /// has them.
    pub(crate) helpers: Helpers,
}

/// `(rows, cols, tile, ld, scale, bias, zp, lo, hi, c, rsc)`: requantizes an
/// s32 tile into 8-bit C (unit column stride); see
/// `lowp_kernels::x86_64::avx512::igemm_store_s32_to_q8`.
pub(crate) type StoreQ8Fn =
    unsafe fn(usize, usize, *const i32, usize, *const f32, *const i32, i32, i32, i32, *mut u8, usize);

/// `(rows, cols, tile, ld, row_scale, scale, bias, lo, hi, c, rsc)`:
/// dequantizes an s32 tile into f32 C (unit column stride); see
/// `lowp_kernels::x86_64::avx512::igemm_store_s32_to_f32`.
pub(crate) type StoreF32Fn =
    unsafe fn(usize, usize, *const i32, usize, *const f32, *const f32, *const f32, f32, f32, *mut f32, usize);

/// `(rows, cols, tile, ld, c, rsc)`: copies an s32 tile into C (unit column
/// stride) with streaming stores; see
/// `lowp_kernels::x86_64::avx512::igemm_store_s32_stream`.
pub(crate) type StoreS32StreamFn = unsafe fn(usize, usize, *const i32, usize, *mut i32, usize);

/// `(src, lda, blocks, xor, dst, gs) -> row sums`: packs 64-byte blocks of
/// 4 activation rows into the panel layout; see
/// `lowp_kernels::x86_64::avx512::igemm_pack_a_4rows`.
pub(crate) type PackA4Fn = unsafe fn(*const u8, usize, usize, u8, *mut u8, usize) -> [u32; 4];

/// The output pipeline's tile stores and the A packer of one level (`None`:
/// the portable loops in `pipeline` and `pack`, bit-identical).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Helpers {
    /// Packs 4 activation rows at a time.
    pub(crate) pack_a4: Option<PackA4Fn>,
    /// s32 → requantized u8/s8.
    pub(crate) q8: Option<StoreQ8Fn>,
    /// s32 → dequantized f32.
    pub(crate) f32: Option<StoreF32Fn>,
    /// s32 → dequantized f32, streaming stores (for a C larger than cache).
    pub(crate) f32_stream: Option<StoreF32Fn>,
    /// s32 copied with streaming stores (for a C larger than cache).
    pub(crate) s32_stream: Option<StoreS32StreamFn>,
}

impl Helpers {
    /// The stores for `isa` (an available level).
    fn select(isa: Isa) -> Helpers {
        #[cfg(target_arch = "x86_64")]
        if isa >= Isa::Avx512 {
            use lowp_kernels::x86_64::avx512 as k;
            return Helpers {
                pack_a4: Some(k::igemm_pack_a_4rows::igemm_pack_a_4rows_avx512),
                q8: Some(k::igemm_store_s32_to_q8::igemm_store_s32_to_q8_avx512),
                f32: Some(k::igemm_store_s32_to_f32::igemm_store_s32_to_f32_avx512::<false>),
                f32_stream: Some(k::igemm_store_s32_to_f32::igemm_store_s32_to_f32_avx512::<true>),
                s32_stream: Some(k::igemm_store_s32_stream::igemm_store_s32_stream_avx512),
            };
        }
        let _ = isa;
        Helpers::default()
    }
}

impl From<&lowp_kernels::igemm_ukernel::IgemmUkernelInfo> for IgemmUkernel {
    /// The table entry of a kernel, from what the kernel declares.
    fn from(k: &lowp_kernels::igemm_ukernel::IgemmUkernelInfo) -> IgemmUkernel {
        IgemmUkernel {
            name: k.name,
            mr: k.mr,
            nr: k.nr,
            saturates: k.saturates,
            f: k.f,
            f_stream: k.f_stream,
            f_q8: k.f_q8,
            f_f32: k.f_f32,
            f_q8_fixed: k.f_q8_fixed,
        }
    }
}

impl IgemmKernels {
    /// The main kernel an `m`-row call runs with weights packed under
    /// `preference`: a single row streams the weights, and the ymm kernel's
    /// 256-bit loads stream them faster (docs/tuning.md, "INT8 GEMM").
    pub(crate) fn main_for(&self, preference: super::KernelPreference, m: usize) -> IgemmUkernel {
        use super::KernelPreference::{Auto, Ymm};
        match (preference, self.alt) {
            (Ymm, Some(alt)) => alt,
            (Auto, Some(alt)) if m == 1 => alt,
            _ => self.main,
        }
    }

    /// The table for `isa` (callers have checked `isa.is_available()`).
    pub(crate) fn select(isa: Isa) -> IgemmKernels {
        let scalar = IgemmKernels {
            isa,
            nr: 16,
            a_panel_rows: 8,
            main: (&lowp_kernels::scalar::igemm_u8s8s32_chain_16::INFO).into(),
            exact: Some((&lowp_kernels::scalar::igemm_u8s8s32_16::INFO).into()),
            alt: None,
            iconv: None,
            rows: None,
            helpers: Helpers::select(isa),
        };
        #[cfg(target_arch = "x86_64")]
        {
            use lowp_kernels::x86_64 as k;
            match isa {
                Isa::Scalar => scalar,
                Isa::Avx2 => IgemmKernels {
                    isa,
                    nr: 16,
                    a_panel_rows: 4,
                    main: (&k::avx2::igemm_u8s8s32_chain_4x16::INFO).into(),
                    exact: Some((&k::avx2::igemm_u8s8s32_exact_2x16::INFO).into()),
                    alt: None,
                    iconv: None,
                    rows: None,
                    helpers: Helpers::select(isa),
                },
                Isa::Avx2Vnni => IgemmKernels {
                    isa,
                    nr: 16,
                    a_panel_rows: 6,
                    main: (&k::avx2vnni::igemm_u8s8s32_6x16::INFO).into(),
                    exact: None,
                    alt: None,
                    iconv: None,
                    rows: None,
                    helpers: Helpers::select(isa),
                },
                Isa::Avx512 => IgemmKernels {
                    isa,
                    nr: 32,
                    a_panel_rows: 24,
                    main: (&k::avx512::igemm_u8s8s32_chain_8x32::INFO).into(),
                    exact: Some((&k::avx512::igemm_u8s8s32_exact_6x32::INFO).into()),
                    alt: None,
                    iconv: None,
                    rows: None,
                    helpers: Helpers::select(isa),
                },
                Isa::Avx512Vnni => IgemmKernels {
                    isa,
                    nr: 32,
                    a_panel_rows: 40,
                    main: (&k::avx512vnni::igemm_u8s8s32_14x32::INFO).into(),
                    exact: None,
                    alt: Some((&k::avx512vnni::igemm_u8s8s32_6x32_ymm::INFO).into()),
                    iconv: Some(&k::avx512vnni::iconv_u8s8s32_14x32::INFO),
                    rows: Some(&k::avx512vnni::igemm_rows_u8s8s32_14x32::INFO),
                    helpers: Helpers::select(isa),
                },
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        scalar
    }

    /// `(op, kernel name)` pairs for `lowp info`.
    pub fn names(&self) -> Vec<(&'static str, &'static str)> {
        let mut v = vec![("igemm_u8s8s32", self.main.name)];
        v.extend(self.exact.map(|k| ("igemm_u8s8s32_exact", k.name)));
        // The alternative kernel is what one-row calls (matrix × vector) run.
        v.extend(self.alt.map(|k| ("igemm_u8s8s32_gemv", k.name)));
        v.extend(self.iconv.map(|k| ("conv_u8s8s32_indirect", k.name)));
        v
    }
}

/// Rows of the sub-tile starting at row `i` of an A panel of `ph` rows whose
/// first `end` rows are valid: the rows are split into `⌈rows/MR⌉` sub-tiles
/// of near-equal height (16 rows run as 8 + 8, not 14 + 2).
pub(crate) fn sub_tile_rows(i: usize, end: usize, mr: usize) -> usize {
    let tiles = end.div_ceil(mr);
    let (base, extra) = (end / tiles, end % tiles);
    // Sub-tile t covers base + (t < extra) rows; find t from the offset of i.
    let t = if i < extra * (base + 1) {
        i / (base + 1)
    } else {
        extra + (i - extra * (base + 1)) / base
    };
    base + usize::from(t < extra)
}

/// The INT8 kernels as the shared driver's [`Microkernel`]: a tile is one
/// whole packed A panel (`a_panel_rows` × NR), run as balanced sub-tiles of
/// the level's kernel; B panels where the chain could saturate run the
/// exact kernel ([`Microkernel::for_panel`]). α and β are i32 markers:
/// α = 1; β = 0 overwrites C, β = 1 adds to it (wrapping).
#[derive(Clone, Copy)]
pub(crate) struct IgemmTile<'a> {
    ukr: IgemmUkernel,
    ph: usize,
    /// Per B panel: `false` → run `exact` instead.
    choice: Option<(&'a [bool], &'a IgemmTile<'a>)>,
    /// The zero-point terms the kernel folds into each tile (`None`: all
    /// zero points are 0).
    corr: Option<&'a Correction<'a>>,
    /// Where tiles the driver hands straight to C go.
    direct: &'a Direct<'a>,
    /// The indirect kernel, A's rows from row 0 and the output row length
    /// sub-tiles do not straddle (0: none): tiles read A through them and
    /// ignore the (unpacked) A panel.
    iconv: Option<(&'a IconvUkernelInfo, IconvRows, usize)>,
    /// The in-place kernel and A's rows from row 0: tiles read A there and
    /// ignore the (unpacked) A panel.
    rows: Option<(&'a IgemmRowsUkernelInfo, IgemmRows)>,
}

/// What the sink offers the driver as a tile's direct destination, and so
/// what the kernel writes for a tile the driver hands it there (every
/// other tile lands in the driver's scratch as s32 sums).
pub(crate) enum Direct<'a> {
    /// No tile is written in place: the sink finishes every scratch tile.
    None,
    /// s32 C (unit column stride, row stride `rs`): the kernel writes the
    /// sums; with `stream`, through its streaming stores where it has them
    /// (C's rows line aligned; the sink fences them).
    S32 { c: *mut i32, rs: usize, stream: bool },
    /// Full-width tiles finished by the kernel's fused epilogue.
    Fused(FusedOut<'a>),
}

// SAFETY: the pointers address C, whose tiles the driver hands to one task
// each.
unsafe impl Sync for Direct<'_> {}

/// What the kernel does with one tile (see [`Direct::target`]).
#[derive(Clone, Copy)]
enum Target<'a> {
    /// s32 sums into C at the driver's pointer; `stream`: streaming stores.
    Direct { stream: bool },
    /// The fused epilogue into the output.
    Fused(&'a FusedOut<'a>),
    /// s32 sums into the driver's scratch tile (the sink finishes them).
    Scratch,
}

impl Direct<'_> {
    /// The pointer and row stride the sink hands the driver for the
    /// full-width tile at C's `(i, j)`: C's own element `(i, j)`. (For a
    /// fused output, whose C is u8 or f32, the kernel writes C's type
    /// there, never s32: the pointer only tells it which tile this is.)
    pub(crate) fn at(&self, i: usize, j: usize) -> Option<(*mut i32, usize)> {
        match self {
            Direct::None => None,
            Direct::S32 { c, rs, .. } => Some((c.wrapping_add(i * rs + j), *rs)),
            Direct::Fused(FusedOut::Q8 { out, rs, .. } | FusedOut::Q8Fixed { out, rs, .. }) => {
                Some((out.wrapping_add(i * rs + j).cast(), *rs))
            }
            Direct::Fused(FusedOut::F32 { out, rs, .. }) => Some((out.wrapping_add(i * rs + j).cast(), *rs)),
        }
    }

    /// The target of the tile at `at` that the driver handed as `c`: the
    /// direct destination when `c` is the pointer [`Direct::at`] gave for
    /// it, else the scratch.
    fn target(&self, (i, j): (usize, usize), c: *mut i32) -> Target<'_> {
        match (self, self.at(i, j)) {
            (Direct::S32 { stream, .. }, Some((d, _))) if d == c => Target::Direct { stream: *stream },
            (Direct::Fused(out), Some((d, _))) if d == c => Target::Fused(out),
            _ => Target::Scratch,
        }
    }
}

/// An output written by the kernel's fused epilogue: C's element (0, 0),
/// its row stride (elements; unit column stride) and the pipeline.
pub(crate) enum FusedOut<'a> {
    /// Requantized u8/s8 (bounds checked against the type by the caller).
    Q8 {
        out: *mut u8,
        rs: usize,
        /// Per output column (N). (An integer bias is in the sums
        /// already: the driver starts the accumulators from it.)
        scale: &'a [f32],
        zp: i32,
        lo: i32,
        hi: i32,
        /// Every scale below 1 in magnitude ([`TileRequant::hi_bytes`]).
        small_scales: bool,
    },
    /// Requantized u8/s8 with the fixed-point output stage (no multiplier
    /// `i32::MIN`, shifts in `[-31, 30]`: checked by the caller).
    Q8Fixed {
        out: *mut u8,
        rs: usize,
        /// Per output column (N) each.
        mult: &'a [i32],
        shift: &'a [i32],
        /// The AVX-512 epilogue's screen constants (`ColFixed::screen`),
        /// if the call has them.
        screen: Option<&'a [u32]>,
        zp: i32,
        lo: i32,
        hi: i32,
    },
    /// Dequantized f32.
    F32 {
        out: *mut f32,
        rs: usize,
        /// Per output row.
        row_scale: RowScales<'a>,
        /// Per output column (N).
        scale: &'a [f32],
        /// Per output column (N), if any.
        bias: Option<&'a [f32]>,
        lo: f32,
        hi: f32,
        /// Streaming stores (C's rows line aligned).
        stream: bool,
    },
}

impl FusedOut<'_> {
    /// Whether `ukr` has the epilogue this output needs.
    pub(crate) fn fits(&self, ukr: &IgemmUkernel) -> bool {
        match self {
            FusedOut::Q8 { .. } => ukr.f_q8.is_some(),
            FusedOut::F32 { .. } => ukr.f_f32.is_some(),
            FusedOut::Q8Fixed { .. } => ukr.f_q8_fixed.is_some(),
        }
    }

    /// The fixed-point epilogue of the `nr` columns from `j0`, rows from
    /// `r0` (a `Q8Fixed` output; panics on the others, and out of range).
    pub(crate) fn requant_fixed_at(&self, r0: usize, j0: usize, nr: usize) -> TileRequantFixed {
        let &FusedOut::Q8Fixed {
            out,
            rs,
            mult,
            shift,
            screen,
            zp,
            lo,
            hi,
        } = self
        else {
            unreachable!("a fixed-point entry for another output")
        };
        // The screen's blocks start at multiples of 16 columns.
        let screen = screen
            .filter(|_| j0.is_multiple_of(16))
            .map(|s| s[j0 / 16 * SCREEN_BLOCK..].as_ptr());
        TileRequantFixed {
            out: out.wrapping_add(r0 * rs + j0),
            rso: rs,
            mult: mult[j0..j0 + nr].as_ptr(),
            shift: shift[j0..j0 + nr].as_ptr(),
            zp,
            lo,
            hi,
            screen: screen.unwrap_or(core::ptr::null()),
        }
    }

    /// The requantizing epilogue of the `nr` columns from `j0`, rows from
    /// `r0` (a `Q8` output; panics on `F32`, and on columns out of range).
    pub(crate) fn requant_at(&self, r0: usize, j0: usize, nr: usize) -> TileRequant {
        let &FusedOut::Q8 {
            out,
            rs,
            scale,
            zp,
            lo,
            hi,
            small_scales,
        } = self
        else {
            unreachable!("a requantizing entry for a dequantized output")
        };
        TileRequant {
            out: out.wrapping_add(r0 * rs + j0),
            rso: rs,
            scale: scale[j0..j0 + nr].as_ptr(),
            zp,
            lo,
            hi,
            hi_bytes: small_scales,
        }
    }

    /// The dequantizing epilogue of rows `r0..r0 + rows` and the `nr`
    /// columns from `j0` (an `F32` output; panics on `Q8`, and out of range).
    pub(crate) fn dequant_at(&self, r0: usize, rows: usize, j0: usize, nr: usize) -> TileDequant {
        let &FusedOut::F32 {
            out,
            rs,
            row_scale,
            scale,
            bias,
            lo,
            hi,
            stream,
        } = self
        else {
            unreachable!("a dequantizing entry for a requantized output")
        };
        TileDequant {
            out: out.wrapping_add(r0 * rs + j0),
            rso: rs,
            row_scale: row_scale.tile(r0, rows).as_ptr(),
            scale: scale[j0..j0 + nr].as_ptr(),
            bias: bias.map_or(std::ptr::null(), |bb| bb[j0..j0 + nr].as_ptr()),
            lo,
            hi,
            stream,
        }
    }
}

/// The zero-point correction of a whole GEMM, which the microkernels apply
/// to each tile before storing it: element `(i, j)` of `Σ a'·b'` becomes
/// `v − za'_i·colsum_j − zb'_j·(rowsum_i − K·za'_i)` (wrapping i32; see the
/// [`crate::igemm`] docs), so C is written once, already corrected.
pub(crate) struct Correction<'a> {
    /// K.
    pub(crate) k: i32,
    /// za'_i. Per row (differing), the kernels take the `za'_i·colsum_j`
    /// term row by row; uniform, it is in `colfix` (or 0).
    pub(crate) za: RowZeroPoints<'a>,
    /// `−za'·colsum_j` per column (padded), plus any per-column start value.
    pub(crate) colfix: Option<&'a [i32]>,
    /// Σ_k a'_ik, per row, filled by the A packer before the row's tiles run.
    pub(crate) rowsum: &'a [AtomicI32],
    /// Σ_k b'_kj, per column, zero-padded to whole panels.
    pub(crate) colsum: &'a [i32],
    /// zb'_j per column (zero-padded to whole panels), when some is nonzero.
    pub(crate) zb: Option<&'a [i32]>,
}

impl<'a> IgemmTile<'a> {
    /// The tile for `ukr` with A panels of `ph` rows, applying `corr`,
    /// writing direct tiles as `direct` says.
    pub(crate) fn new(
        ukr: IgemmUkernel,
        ph: usize,
        corr: Option<&'a Correction<'a>>,
        direct: &'a Direct<'a>,
    ) -> IgemmTile<'a> {
        debug_assert!(ph >= 1 && ph * ukr.nr <= MAX_TILE);
        IgemmTile {
            ukr,
            ph,
            choice: None,
            corr,
            direct,
            iconv: None,
            rows: None,
        }
    }

    /// `self` reading A through `rows` with the indirect kernel `k` (same
    /// panel width), the A panels left unpacked.
    pub(crate) fn with_iconv(self, iconv: Option<(&'a IconvUkernelInfo, IconvRows, usize)>) -> IgemmTile<'a> {
        debug_assert!(iconv.is_none_or(|(k, _, _)| k.nr == self.ukr.nr));
        IgemmTile { iconv, ..self }
    }

    /// `self` reading A in place through `rows` with the kernel `k` (same
    /// panel width), the A panels left unpacked.
    pub(crate) fn with_rows(self, rows: Option<(&'a IgemmRowsUkernelInfo, IgemmRows)>) -> IgemmTile<'a> {
        debug_assert!(rows.is_none_or(|(k, _)| k.nr == self.ukr.nr));
        IgemmTile { rows, ..self }
    }

    /// How many rows [`Microkernel::tile_rows`] takes at once for a tile
    /// the kernel writes in place (`None`: one A panel's): any number with
    /// the in-place or the indirect kernel, unless the weights have a zero point, whose row
    /// terms `sub_tiles` builds for at most [`MAX_TILE_ROWS`] rows.
    pub(crate) fn strip_rows(&self) -> Option<usize> {
        let zb = self.corr.is_some_and(|c| c.zb.is_some());
        ((self.rows.is_some() || self.iconv.is_some()) && self.choice.is_none() && !zb).then_some(usize::MAX)
    }

    /// `self` on panels where `use_main` holds, `exact` elsewhere.
    pub(crate) fn with_exact(self, use_main: &'a [bool], exact: &'a IgemmTile<'a>) -> IgemmTile<'a> {
        IgemmTile {
            choice: Some((use_main, exact)),
            ..self
        }
    }
}

/// Most rows of a tile (A panel rows) of any level.
pub(crate) const MAX_TILE_ROWS: usize = 40;
impl IgemmTile<'_> {
    /// Runs the kernel on rows `0..rows` of the tile at C's `(i0, j0)` as
    /// balanced sub-tiles, into `c` (row stride `ldc`) or the fused output.
    ///
    /// # Safety
    ///
    /// As [`Microkernel::tile_rows`].
    #[allow(clippy::too_many_arguments)]
    unsafe fn sub_tiles(
        &self,
        (i0, j0): (usize, usize),
        rows: usize,
        kcp: usize,
        a: *const u8,
        b: *const i8,
        c: *mut i32,
        ldc: usize,
    ) {
        // Only built when there is a zb term (a zeroed array here costs a
        // memset call per tile).
        let rowfix_buf: [i32; MAX_TILE_ROWS];
        let nr = self.ukr.nr;
        let fix = match self.corr {
            None => None,
            Some(cr) => {
                // The kernel reads NR columns and `rows` rows of these.
                let colsum = &cr.colsum[j0..j0 + nr];
                let zb = cr.zb.map(|zb| &zb[j0..j0 + nr]);
                let rowfix = match zb {
                    Some(_) => {
                        rowfix_buf = std::array::from_fn(|r| match r < rows {
                            true => cr.rowsum[i0 + r]
                                .load(Ordering::Relaxed)
                                .wrapping_sub(cr.k.wrapping_mul(cr.za.at(i0 + r))),
                            false => 0,
                        });
                        rowfix_buf.as_ptr()
                    }
                    None => std::ptr::null(),
                };
                Some(TileCorrection {
                    colfix: cr.colfix.map_or(std::ptr::null(), |f| f[j0..j0 + nr].as_ptr()),
                    za: match cr.za {
                        RowZeroPoints::PerRow(za) => za[i0..i0 + rows].as_ptr(),
                        RowZeroPoints::Uniform(_) => std::ptr::null(),
                    },
                    rowfix,
                    colsum: colsum.as_ptr(),
                    zb: zb.map_or(std::ptr::null(), <[i32]>::as_ptr),
                })
            }
        };
        let target = self.direct.target((i0, j0), c);
        let entry = match target {
            Target::Fused(out @ FusedOut::Q8 { .. }) => {
                Entry::Q8(self.ukr.f_q8.expect("a fused output needs its epilogue"), out)
            }
            Target::Fused(out @ FusedOut::F32 { .. }) => {
                Entry::F32(self.ukr.f_f32.expect("a fused output needs its epilogue"), out)
            }
            Target::Fused(out @ FusedOut::Q8Fixed { .. }) => Entry::Q8Fixed(
                self.ukr.f_q8_fixed.expect("a fused output needs its epilogue"),
                out,
            ),
            Target::Direct { stream: true } => Entry::S32(self.ukr.f_stream.unwrap_or(self.ukr.f)),
            Target::Direct { stream: false } | Target::Scratch => Entry::S32(self.ukr.f),
        };
        if let Some((k, src)) = &self.rows {
            let stream = matches!(target, Target::Direct { stream: true });
            // SAFETY: as `Microkernel::tile_rows`, A read in place through
            // `src` (see `rows_sub_tiles`).
            unsafe {
                super::small_m::rows_sub_tiles(k, src, fix, (entry, stream), (i0, j0), rows, b, c, ldc)
            };
            return;
        }
        if let Some((k, src, row_len)) = self.iconv {
            // SAFETY: as `Microkernel::tile_rows`, A read through `src`
            // (see `iconv_strips::iconv_sub_tiles`).
            unsafe {
                super::iconv_strips::iconv_sub_tiles(
                    k,
                    (&src, row_len),
                    fix,
                    entry,
                    (i0, j0),
                    rows,
                    kcp,
                    b,
                    c,
                    ldc,
                )
            };
            return;
        }
        let mut i = 0;
        while i < rows {
            let mm = sub_tile_rows(i, rows, self.ukr.mr);
            let sub = fix.map(|f| f.from_row(i));
            let (kg, a_i, gs) = (kcp / 4, a.wrapping_add(4 * i), 4 * self.ph);
            // The correction's rows (sliced to `rows` above, here from row i
            // on) and its NR columns (sliced) are readable. Fused outputs:
            // rows i0+i.. (mm of them) × NR columns at j0 are inside C (the
            // sink hands C's own tile only for full-width tiles in range) and
            // this task's alone; `*_at` slice the pipeline's arrays to them;
            // the caller checked a requantize's bounds against the output
            // type, and a streaming C's line-aligned rows.
            // SAFETY: kernels of available levels only; 1 ≤ mm ≤ MR; rows
            // i..i+mm of the A panel (group stride 4·ph) and the B panel are
            // readable (driver contract); `c` holds rows i..i+mm at `ldc`;
            // the streaming entry only for C, whose rows are line aligned.
            unsafe {
                match entry {
                    Entry::S32(f) => f(mm, kg, a_i, gs, b, c.wrapping_add(i * ldc), ldc, sub.as_ref()),
                    Entry::Q8(fq, out) => {
                        fq(mm, kg, a_i, gs, b, sub.as_ref(), &out.requant_at(i0 + i, j0, nr))
                    }
                    Entry::Q8Fixed(fq, out) => fq(
                        mm,
                        kg,
                        a_i,
                        gs,
                        b,
                        sub.as_ref(),
                        &out.requant_fixed_at(i0 + i, j0, nr),
                    ),
                    Entry::F32(ff, out) => ff(
                        mm,
                        kg,
                        a_i,
                        gs,
                        b,
                        sub.as_ref(),
                        &out.dequant_at(i0 + i, mm, j0, nr),
                    ),
                }
            };
            i += mm;
        }
    }
}

/// The kernel entry that writes one tile (see `IgemmTile::sub_tiles`).
#[derive(Clone, Copy)]
pub(crate) enum Entry<'a> {
    /// s32 into the tile's C (plain or streaming).
    S32(UkernelFn),
    /// The requantizing epilogue into the fused output.
    Q8(UkernelQ8Fn, &'a FusedOut<'a>),
    /// The dequantizing epilogue into the fused output.
    F32(UkernelF32Fn, &'a FusedOut<'a>),
    /// The fixed-point requantizing epilogue into the fused output.
    Q8Fixed(UkernelQ8FixedFn, &'a FusedOut<'a>),
}

/// Largest tile (A panel rows × NR) of any level, in i32.
pub(crate) const MAX_TILE: usize = MAX_TILE_ROWS * 32;

// SAFETY: `ukr.f` comes from `IgemmKernels::select` for a level the Context
// checked is available; `tile`/`tile_rows` call it on sub-tiles inside the
// panel and tile the driver vouched for.
unsafe impl Microkernel for IgemmTile<'_> {
    type PackedA = u8;
    type PackedB = i8;
    type Acc = i32;
    type Scalar = i32;
    const ZERO: i32 = 0;
    const ONE: i32 = 1;

    fn mr(&self) -> usize {
        self.ph
    }
    fn nr(&self) -> usize {
        self.ukr.nr
    }
    fn k_unit(&self) -> usize {
        4
    }

    unsafe fn tile(
        &self,
        at: (usize, usize),
        kcp: usize,
        a: *const u8,
        b: *const i8,
        c: *mut i32,
        rsc: usize,
        alpha: i32,
        beta: i32,
    ) {
        // SAFETY: forwarded contract, for all MR rows.
        unsafe { self.tile_rows(at, self.ph, kcp, a, b, c, rsc, alpha, beta) };
    }

    unsafe fn tile_rows(
        &self,
        at: (usize, usize),
        rows: usize,
        kcp: usize,
        a: *const u8,
        b: *const i8,
        c: *mut i32,
        rsc: usize,
        alpha: i32,
        beta: i32,
    ) -> bool {
        debug_assert!(alpha == 1 && (beta == 0 || beta == 1) && kcp.is_multiple_of(4));
        if beta == 0 {
            // SAFETY: forwarded contract.
            unsafe { self.sub_tiles(at, rows, kcp, a, b, c, rsc) };
        } else {
            let nr = self.ukr.nr;
            let mut acc = [0i32; MAX_TILE];
            // SAFETY: as above, into the local `acc` (ph × NR ≤ MAX_TILE).
            unsafe { self.sub_tiles(at, rows, kcp, a, b, acc.as_mut_ptr(), nr) };
            let add = i32::wrapping_add as fn(i32, i32) -> i32;
            // SAFETY: the caller's contract: C holds `rows` rows of NR i32
            // at stride `rsc`, ours alone; `acc` is a local.
            unsafe { igemm_tile_store_scalar(rows, nr, &acc, nr, c, rsc, 1, Some(add)) };
        }
        true
    }

    fn for_panel(&self, panel: usize) -> &Self {
        match self.choice {
            Some((use_main, exact)) if !use_main[panel] => exact,
            _ => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{sub_tile_rows, Direct, IgemmKernels, IgemmTile};
    use crate::gemm::Microkernel;
    use crate::Isa;

    #[test]
    fn beta_one_accumulates_and_short_tiles_write_only_their_rows() {
        for isa in Isa::available() {
            let ks = IgemmKernels::select(isa);
            let (ph, nr, kcp) = (ks.a_panel_rows, ks.nr, 8);
            for ukr in [Some(ks.main), ks.exact, ks.alt].into_iter().flatten() {
                let t = IgemmTile::new(ukr, ph, None, &Direct::None);
                let a: Vec<u8> = (0..ph * kcp).map(|x| (x % 7) as u8).collect();
                let b: Vec<i8> = (0..nr * kcp).map(|x| (x % 5) as i8 - 2).collect();
                let mut c = vec![-1i32; ph * nr];
                // SAFETY: `select` was given an available level; a/b hold one
                // A panel (ph·kcp) and one B panel (nr·kcp); c holds ph × nr.
                unsafe { t.tile((0, 0), kcp, a.as_ptr(), b.as_ptr(), c.as_mut_ptr(), nr, 1, 0) };
                let once = c.clone();
                // SAFETY: as above, for the first ph − 1 rows.
                assert!(unsafe {
                    t.tile_rows(
                        (0, 0),
                        ph - 1,
                        kcp,
                        a.as_ptr(),
                        b.as_ptr(),
                        c.as_mut_ptr(),
                        nr,
                        1,
                        1,
                    )
                });
                for (x, (&v, &w)) in c.iter().zip(&once).enumerate() {
                    assert_eq!(v, if x < (ph - 1) * nr { 2 * w } else { w }, "{isa} {x}");
                }
            }
        }
    }

    fn split(end: usize, mr: usize) -> Vec<usize> {
        let mut v = Vec::new();
        let mut i = 0;
        while i < end {
            let m = sub_tile_rows(i, end, mr);
            assert!(m >= 1 && m <= mr, "{i} {m}");
            v.push(m);
            i += m;
        }
        v
    }

    #[test]
    fn sub_tiles_are_balanced() {
        assert_eq!(split(16, 14), vec![8, 8]);
        assert_eq!(split(1, 14), vec![1]);
        assert_eq!(split(42, 14), vec![14, 14, 14]);
        assert_eq!(split(8, 14), vec![8]);
        assert_eq!(split(29, 8), vec![8, 7, 7, 7]);
        assert_eq!(split(20, 6), vec![5, 5, 5, 5]);
        for mr in 1..15 {
            for end in 1..100 {
                assert_eq!(split(end, mr).iter().sum::<usize>(), end);
            }
        }
    }
}
