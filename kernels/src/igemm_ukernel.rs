//! What every INT8 GEMM microkernel declares about itself
//! ([`IgemmUkernelInfo`]), and the entry-point types of its contract.
//!
//! The contract (all igemm microkernels, scalar and SIMD):
//!
//! ```text
//! unsafe fn(m, kg, a, gs, b, c, ldc, corr)
//! ```
//!
//! * `a`: `m` rows of packed u8 activations (K zero-padded to `4·kg`),
//!   interleaved by k-group: the 4 bytes of row `r`, group `g` are at
//!   `a + g·gs + 4·r` (`gs ≥ 4·m`, the packed panel's height × 4);
//! * `b`: one packed weight panel of `NR` columns: for each k-group `g`
//!   (4 consecutive k), `NR` columns × 4 bytes of s8 (`b[g·NR·4 + j·4 + t]`
//!   is `B[4g + t][j]`);
//! * `c`: the `m × NR` s32 tile, row `r` at `c + r·ldc`, overwritten with
//!   `Σ_k a[r][k]·b[k][j]` (wrapping; kernels that [`saturate`] clamp each
//!   pair of products to s16 as `vpmaddubsw` does), then, with `corr`,
//!   minus the zero-point terms of [`TileCorrection`], applied before the
//!   store, so C is written once, already corrected.
//!
//! `1 ≤ m ≤ MR`. A kernel never allocates and never reads past the `m` rows
//! × `4·kg` bytes of `a` or the `kg·NR·4` bytes of `b`.
//!
//! [`saturate`]: IgemmUkernelInfo::saturates

use crate::scalar::igemm_tile_store::{TileCorrection, TileDequant, TileRequant, TileRequantFixed};

/// `(m, kg, a, gs, b, c, ldc, corr)`: the s32 tile (module docs).
pub type IgemmFn =
    unsafe fn(usize, usize, *const u8, usize, *const i8, *mut i32, usize, Option<&TileCorrection>);

/// `(m, kg, a, gs, b, corr, rq)`: the tile of [`IgemmFn`] requantized to
/// u8/s8 through `rq` in the kernel's epilogue instead of stored as s32.
pub type IgemmQ8Fn =
    unsafe fn(usize, usize, *const u8, usize, *const i8, Option<&TileCorrection>, &TileRequant);

/// `(m, kg, a, gs, b, corr, rq)`: the tile of [`IgemmFn`] requantized to
/// u8/s8 with the fixed-point output stage of `rq` in the kernel's epilogue.
pub type IgemmQ8FixedFn =
    unsafe fn(usize, usize, *const u8, usize, *const i8, Option<&TileCorrection>, &TileRequantFixed);

/// `(m, kg, a, gs, b, corr, dq)`: the tile of [`IgemmFn`] dequantized to
/// f32 through `dq` in the kernel's epilogue instead of stored as s32.
pub type IgemmF32Fn =
    unsafe fn(usize, usize, *const u8, usize, *const i8, Option<&TileCorrection>, &TileDequant);

/// One INT8 GEMM microkernel: its entry points and what it needs.
#[derive(Clone, Copy, Debug)]
pub struct IgemmUkernelInfo {
    /// Function name, XNNPACK style (`igemm_u8s8s32_14x32_avx512vnni`).
    pub name: &'static str,
    /// Its ISA level's name (`"avx512vnni"`; `"scalar"`).
    pub isa: &'static str,
    /// The CPU features it is compiled for (comma-separated, as in
    /// `#[target_feature]`; empty for scalar kernels).
    pub features: &'static str,
    /// Rows of a full tile.
    pub mr: usize,
    /// Columns of a tile (the packed panel width).
    pub nr: usize,
    /// k values per group of the packed layout.
    pub k_unit: usize,
    /// Whether pairs of products saturate to s16 (`vpmaddubsw` chain).
    pub saturates: bool,
    /// The s32 tile.
    pub f: IgemmFn,
    /// The same writing C with streaming stores (rows 64-byte aligned;
    /// fenced by the caller), where the kernel has it.
    pub f_stream: Option<IgemmFn>,
    /// The same requantizing in its epilogue, where the kernel has it.
    pub f_q8: Option<IgemmQ8Fn>,
    /// The same dequantizing in its epilogue, where the kernel has it.
    pub f_f32: Option<IgemmF32Fn>,
    /// The same requantizing with the fixed-point output stage in its
    /// epilogue, where the kernel has it.
    pub f_q8_fixed: Option<IgemmQ8FixedFn>,
}
