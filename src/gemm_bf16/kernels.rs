//! The BF16 GEMM kernel table of one ISA level, and its driver face
//! ([`Microkernel`]).

use crate::gemm::Microkernel;
use crate::isa::Isa;
use half::bf16;

/// Tile kernel: `(k, a_packed, b_packed, c, rsc, rows, alpha, beta)`.
type TileFn = unsafe fn(usize, *const u16, *const u16, *mut f32, usize, usize, f32, f32);
/// f32 → bf16 slice kernel: `(src, dst, n)`.
type ToBf16Fn = unsafe fn(*const f32, *mut u16, usize);
/// bf16 → f32 slice kernel: `(src, dst, n)`.
type ToF32Fn = unsafe fn(*const u16, *mut f32, usize);
/// Pair packer: `(even_row, odd_row, n, dst)`.
pub(crate) type PackPairsFn = unsafe fn(*const u16, *const u16, usize, *mut u32);

/// The BF16 GEMM and conversion kernels of one ISA level (an entry of
/// [`crate::Kernels`]).
#[derive(Clone, Copy, Debug)]
pub struct GemmBf16Kernels {
    isa: Isa,
    name: &'static str,
    mr: usize,
    nr: usize,
    tile: TileFn,
    to_bf16_name: &'static str,
    pub(crate) to_bf16: ToBf16Fn,
    to_f32_name: &'static str,
    pub(crate) to_f32: ToF32Fn,
    pub(crate) pack_pairs: PackPairsFn,
}

/// Fills a [`GemmBf16Kernels`] from kernel paths named after their functions.
macro_rules! table {
    ($isa:expr, $tile:path, $mr:expr, $nr:expr, $to_bf16:path, $to_f32:path, $pairs:path) => {
        GemmBf16Kernels {
            isa: $isa,
            name: last(stringify!($tile)),
            mr: $mr,
            nr: $nr,
            tile: $tile,
            to_bf16_name: last(stringify!($to_bf16)),
            to_bf16: $to_bf16,
            to_f32_name: last(stringify!($to_f32)),
            to_f32: $to_f32,
            pack_pairs: $pairs,
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
                    avx2::convert_f32_to_bf16::convert_f32_to_bf16_avx2,
                    avx2::convert_bf16_to_f32::convert_bf16_to_f32_avx2,
                    avx2::gemm_bf16_pack_pairs::gemm_bf16_pack_pairs_avx2
                ));
            }
            if isa >= Isa::Avx512 {
                v.push(table!(
                    isa,
                    avx512::gemm_bf16_8x32::gemm_bf16_8x32_avx512,
                    8,
                    32,
                    avx512::convert_f32_to_bf16::convert_f32_to_bf16_avx512,
                    avx512::convert_bf16_to_f32::convert_bf16_to_f32_avx512,
                    avx512::gemm_bf16_pack_pairs::gemm_bf16_pack_pairs_avx512
                ));
                if crate::cpu_features().avx512bf16 {
                    v.push(table!(
                        isa,
                        avx512bf16::gemm_bf16_14x32::gemm_bf16_14x32_avx512bf16,
                        14,
                        32,
                        avx512bf16::convert_f32_to_bf16::convert_f32_to_bf16_avx512bf16,
                        avx512::convert_bf16_to_f32::convert_bf16_to_f32_avx512,
                        avx512::gemm_bf16_pack_pairs::gemm_bf16_pack_pairs_avx512
                    ));
                }
            }
        }
        v
    }

    /// Name of the tile kernel, e.g. `gemm_bf16_14x32_avx512bf16`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// `(op, kernel name)` of the GEMM and conversion kernels, for `lowp info`.
    pub fn names(&self) -> [(&'static str, &'static str); 3] {
        [
            ("gemm_bf16", self.name),
            ("convert_f32_to_bf16", self.to_bf16_name),
            ("convert_bf16_to_f32", self.to_f32_name),
        ]
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

// SAFETY: `tile` is a kernel of an available ISA (`usable` only lists
// those), called with the pointers and lengths the driver's contract
// guarantees; `bf16` is `repr(transparent)` over u16.
unsafe impl Microkernel for GemmBf16Kernels {
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
        self.nr
    }
    fn k_unit(&self) -> usize {
        2
    }

    unsafe fn tile(
        &self,
        _at: (usize, usize),
        kcp: usize,
        a: *const bf16,
        b: *const bf16,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) {
        // SAFETY: the driver's contract (Microkernel::tile) is the kernel's.
        unsafe { (self.tile)(kcp, a.cast(), b.cast(), c, rsc, self.mr, alpha, beta) }
    }

    unsafe fn tile_rows(
        &self,
        _at: (usize, usize),
        rows: usize,
        kcp: usize,
        a: *const bf16,
        b: *const bf16,
        c: *mut f32,
        rsc: usize,
        alpha: f32,
        beta: f32,
    ) -> bool {
        // SAFETY: the driver's contract (Microkernel::tile_rows): C holds
        // `rows` rows, the kernel writes only those.
        unsafe { (self.tile)(kcp, a.cast(), b.cast(), c, rsc, rows, alpha, beta) };
        true
    }
}
