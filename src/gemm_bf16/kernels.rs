//! The BF16 GEMM kernel table of one ISA level, and its driver face
//! ([`Bf16Tile`], a [`Microkernel`]).

use crate::gemm::Microkernel;
use crate::isa::Isa;
use crate::mat::MatRef;
use half::bf16;

/// Tile kernel: `(k, a, lda, b_packed, c, rsc, rows, alpha, beta)` (A
/// packed when `lda == 0`, else read in place).
type TileFn = unsafe fn(usize, *const u16, usize, *const u16, *mut f32, usize, usize, f32, f32);
/// f32 → bf16 slice kernel: `(src, dst, n)`.
type ToBf16Fn = unsafe fn(*const f32, *mut u16, usize);
/// bf16 → f32 slice kernel: `(src, dst, n)`.
type ToF32Fn = unsafe fn(*const u16, *mut f32, usize);
/// Streaming kernel: `(k, a_packed, b_panel, c, rsc, rows, alpha, beta)`.
pub(crate) type StreamFn = unsafe fn(usize, *const u16, *const u16, *mut f32, usize, usize, f32, f32);
/// Pair packer: `(even_row, odd_row, n, dst)`.
pub(crate) type PackPairsFn = unsafe fn(*const u16, *const u16, usize, *mut u32);
/// Row-pair packer into 32-column panels: `(even_row, odd_row, n, dst,
/// panel_stride, prefetch_even, prefetch_odd)`.
pub(crate) type PackBRowsFn =
    unsafe fn(*const u16, *const u16, usize, *mut u32, usize, *const u16, *const u16);
/// A panel packer for up to 16 row-major A rows: `(a, lda, rows, pairs, dst)`.
pub(crate) type PackARowsFn = unsafe fn(*const u16, usize, usize, usize, *mut u32);

/// The BF16 GEMM and conversion kernels of one ISA level (an entry of
/// [`crate::Kernels`]).
#[derive(Clone, Copy, Debug)]
pub struct GemmBf16Kernels {
    isa: Isa,
    name: &'static str,
    mr: usize,
    nr: usize,
    tile: TileFn,
    /// The tile may read A in place (its `dp` reads subnormals as zero).
    a_in_place: bool,
    to_bf16_name: &'static str,
    pub(crate) to_bf16: ToBf16Fn,
    to_f32_name: &'static str,
    pub(crate) to_f32: ToF32Fn,
    pub(crate) pack_pairs: PackPairsFn,
    /// A row-major bf16 B's pairs of rows packed into all the 32-column
    /// panels of a block at once (`nr == 32` levels that have one).
    pub(crate) pack_b_rows: Option<PackBRowsFn>,
    /// Row-major bf16 A panels of up to 16 rows packed a 16-pair block at a
    /// time (levels that have one).
    pub(crate) pack_a_rows: Option<PackARowsFn>,
    /// Small M against a prepacked B, one B panel at a time, and its name
    /// (`stream`).
    pub(crate) stream: Option<(StreamFn, &'static str)>,
}

/// Fills a [`GemmBf16Kernels`] from kernel paths named after their functions.
macro_rules! table {
    ($isa:expr, $tile:path, $mr:expr, $nr:expr, $in_place:expr, $to_bf16:path, $to_f32:path, $pairs:path) => {
        GemmBf16Kernels {
            isa: $isa,
            name: last(stringify!($tile)),
            mr: $mr,
            nr: $nr,
            tile: $tile,
            a_in_place: $in_place,
            to_bf16_name: last(stringify!($to_bf16)),
            to_bf16: $to_bf16,
            to_f32_name: last(stringify!($to_f32)),
            to_f32: $to_f32,
            pack_pairs: $pairs,
            pack_b_rows: None,
            pack_a_rows: None,
            stream: None,
        }
    };
}

/// The last segment of a stringified path (`a :: b :: name` → `name`).
const fn last(path: &'static str) -> &'static str {
    let b = path.as_bytes();
    let mut i = b.len();
    while i > 0 && b[i - 1] != b' ' && b[i - 1] != b':' {
        i -= 1;
    }
    let (_, tail) = path.split_at(i);
    tail
}

impl GemmBf16Kernels {
    /// The kernels for `isa` (which the CPU must have): `vdpbf16ps` on the
    /// AVX-512 levels when the CPU has AVX512-BF16, else the level's own.
    pub(crate) fn select(isa: Isa) -> GemmBf16Kernels {
        *Self::usable(isa)
            .last()
            .expect("the scalar kernels are always usable")
    }

    /// Every kernel set usable at `isa`, by preference (the last is
    /// [`GemmBf16Kernels::select`]'s): the widening fallbacks of `isa` and
    /// the levels below it, then `vdpbf16ps` where the CPU has it. Tests run
    /// them all.
    pub(crate) fn usable(isa: Isa) -> Vec<GemmBf16Kernels> {
        use lowp_kernels::scalar as s;
        let mut v = vec![table!(
            Isa::Scalar,
            s::gemm_bf16_4x8::gemm_bf16_4x8_scalar,
            4,
            8,
            false,
            s::convert_f32_to_bf16::convert_f32_to_bf16_scalar,
            s::convert_bf16_to_f32::convert_bf16_to_f32_scalar,
            s::gemm_bf16_pack_pairs::gemm_bf16_pack_pairs_scalar
        )];
        #[cfg(target_arch = "x86_64")]
        {
            use lowp_kernels::x86_64::{avx2, avx512, avx512bf16};
            if isa >= Isa::Avx2 {
                v.push(table!(
                    isa,
                    avx2::gemm_bf16_4x16::gemm_bf16_4x16_avx2,
                    4,
                    16,
                    false,
                    avx2::convert_f32_to_bf16::convert_f32_to_bf16_avx2,
                    avx2::convert_bf16_to_f32::convert_bf16_to_f32_avx2,
                    avx2::gemm_bf16_pack_pairs::gemm_bf16_pack_pairs_avx2
                ));
            }
            if isa >= Isa::Avx512 {
                let pack_b_rows: Option<PackBRowsFn> =
                    Some(avx512::gemm_bf16_pack_b_rows::gemm_bf16_pack_b_rows_avx512);
                let pack_a_rows: Option<PackARowsFn> =
                    Some(avx512::gemm_bf16_pack_a_rows::gemm_bf16_pack_a_rows_avx512);
                v.push(GemmBf16Kernels {
                    pack_b_rows,
                    pack_a_rows,
                    ..table!(
                        isa,
                        avx512::gemm_bf16_8x32::gemm_bf16_8x32_avx512,
                        8,
                        32,
                        false,
                        avx512::convert_f32_to_bf16::convert_f32_to_bf16_avx512,
                        avx512::convert_bf16_to_f32::convert_bf16_to_f32_avx512,
                        avx512::gemm_bf16_pack_pairs::gemm_bf16_pack_pairs_avx512
                    )
                });
                if crate::cpu_features().avx512bf16 {
                    use avx512bf16::gemm_bf16_stream_16x32::gemm_bf16_stream_16x32_avx512bf16 as stream;
                    v.push(GemmBf16Kernels {
                        stream: Some((stream, "gemm_bf16_stream_16x32_avx512bf16")),
                        pack_b_rows,
                        pack_a_rows,
                        ..table!(
                            isa,
                            avx512bf16::gemm_bf16_14x32::gemm_bf16_14x32_avx512bf16,
                            14,
                            32,
                            true,
                            avx512bf16::convert_f32_to_bf16::convert_f32_to_bf16_avx512bf16,
                            avx512::convert_bf16_to_f32::convert_bf16_to_f32_avx512,
                            avx512::gemm_bf16_pack_pairs::gemm_bf16_pack_pairs_avx512
                        )
                    });
                }
            }
        }
        v
    }

    /// Name of the tile kernel, e.g. `gemm_bf16_14x32_avx512bf16`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `(op, kernel name)` of the GEMM and conversion kernels, for `lowp info`
    /// (`gemm_bf16_small_m`: the streaming kernel for small M with B
    /// prepacked, where the level has one).
    pub fn names(&self) -> Vec<(&'static str, &'static str)> {
        let mut v = vec![
            ("gemm_bf16", self.name),
            ("convert_f32_to_bf16", self.to_bf16_name),
            ("convert_bf16_to_f32", self.to_f32_name),
        ];
        v.extend(self.stream.map(|(_, name)| ("gemm_bf16_small_m", name)));
        v
    }

    /// Columns of a B panel (the tile's `NR`).
    pub(crate) fn nr(&self) -> usize {
        self.nr
    }

    /// The tile, `(MR, NR)`.
    pub fn tile(&self) -> (usize, usize) {
        (self.mr, self.nr)
    }

    /// The ISA level these kernels were chosen for.
    pub fn isa(&self) -> Isa {
        self.isa
    }
}

/// The driver face of a kernel set: its tile kernel, on packed A panels
/// or, where the kernel reads A in place, on the rows of a row-major A
/// (even K, one K block: no packing, no padding read) whose `MR` rows span
/// at most L1 ([`Bf16Tile::new`]) (rows further apart, 8 KiB at K = 4096,
/// fall into one L1 set and evict each other: slower than packing; 2 KiB
/// apart at K = 1024 they share two sets, seven lines each, and still pay).
///
/// With A in place its rows per tile are the kernel's `MR` spread evenly
/// over M ([`balanced_mr`]): 128 rows go as 9 × 13 + 11, not 9 × 14 + 2,
/// whose 2-row tile has too few accumulators for `vdpbf16ps`'s latency.
pub(crate) struct Bf16Tile<'a> {
    kern: &'a GemmBf16Kernels,
    /// Rows of a full tile (`≤ kern.mr`).
    mr: usize,
    /// A's elements from `(0, 0)` and its row stride, when read in place.
    a: Option<(&'a [bf16], usize)>,
}

impl<'a> Bf16Tile<'a> {
    /// The tile of `kern` for `m` rows, reading A in place when `a`
    /// (row-major, even K, `MR` rows within L1: see above) is given and the
    /// kernel can (`docs/tuning.md`, "BF16 GEMM" and "BF16 GEMM, A in place
    /// at K = 1024").
    pub(crate) fn new(
        kern: &'a GemmBf16Kernels,
        m: usize,
        a: Option<MatRef<'a, bf16>>,
        l1d: usize,
    ) -> Bf16Tile<'a> {
        let close = |a: &MatRef<'_, bf16>| a.row_stride() * 2 * kern.mr <= l1d;
        let a = a
            .filter(|a| kern.a_in_place && a.col_stride() == 1 && a.cols() % 2 == 0 && close(a))
            .map(|a| (a.as_slice(), a.row_stride()));
        // Packed A keeps MR rows: spread rows measured slower there
        // (`docs/tuning.md`, "BF16 GEMM, spread tile rows").
        let mr = if a.is_some() {
            balanced_mr(m, kern.mr)
        } else {
            kern.mr
        };
        Bf16Tile { kern, mr, a }
    }

    /// Whether A is read in place (the driver's A packing is skipped).
    pub(crate) fn a_in_place(&self) -> bool {
        self.a.is_some()
    }
}

/// Rows per tile for `m` rows on a kernel of `mr` rows: as many tiles as
/// `mr` needs, the rows spread evenly over them (the kernels take any row
/// count up to their `mr`).
pub(crate) fn balanced_mr(m: usize, mr: usize) -> usize {
    let tiles = m.div_ceil(mr).max(1);
    m.div_ceil(tiles).max(1)
}

// SAFETY: `tile` is a kernel of an available ISA (`usable` only lists
// those), called with the pointers and lengths the driver's contract
// guarantees; `bf16` is `repr(transparent)` over u16.
unsafe impl Microkernel for Bf16Tile<'_> {
    type PackedA = bf16;
    type PackedB = bf16;
    type Acc = f32;
    type Scalar = f32;
    const ZERO: f32 = 0.0;
    const ONE: f32 = 1.0;

    fn mr(&self) -> usize {
        self.mr
    }
    fn nr(&self) -> usize {
        self.kern.nr
    }
    fn k_unit(&self) -> usize {
        2
    }

    unsafe fn tile(
        &self,
        at: (usize, usize),
        kcp: usize,
        a: *const bf16,
        b: *const bf16,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) {
        // SAFETY: the driver's contract (Microkernel::tile) is tile_rows'
        // for all MR rows.
        unsafe { self.tile_rows(at, self.mr, kcp, a, b, c, rsc, alpha, beta) };
    }

    unsafe fn tile_rows(
        &self,
        at: (usize, usize),
        rows: usize,
        kcp: usize,
        a: *const bf16,
        b: *const bf16,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) -> bool {
        let (a, lda) = match self.a {
            Some((data, lda)) => (data[at.0 * lda..].as_ptr(), lda),
            None => (a, 0),
        };
        // In place, rows `at.0..at.0 + rows` of A (C's rows are A's) hold
        // `kcp` elements each within `data` (one K block, K even).
        // SAFETY: the driver's contract (Microkernel::tile_rows), the kernel
        // writes only `rows` rows of C; A as above; bf16 is a transparent u16.
        unsafe { (self.kern.tile)(kcp, a.cast(), lda, b.cast(), c, rsc, rows, alpha, beta) };
        true
    }
}
