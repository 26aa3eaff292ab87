//! The INT8 GEMM kernel table of one ISA level, and the microkernel contract
//! the driver relies on.

use crate::Isa;

/// Signature of every igemm microkernel:
/// `(m, kg, a, gs, b, c, ldc)` computes the `m × NR` s32 tile
/// `c[r·ldc + j] = Σ_g Σ_t a[g·gs + 4r + t] · b[g·NR·4 + 4j + t]`
/// (overwriting `c`), where `a` is `m ≤ MR` rows of u8 interleaved by k-group
/// (K zero-padded to `4·kg`; `gs` = 4 × the packed panel's rows), and `b` is
/// one packed weight panel: `kg` groups × `NR` columns × 4 k of s8.
pub(crate) type UkernelFn = unsafe fn(usize, usize, *const u8, usize, *const i8, *mut i32, usize);

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
}

/// The INT8 GEMM kernels of one ISA level.
#[derive(Clone, Copy, Debug)]
pub struct IgemmKernels {
    /// The level.
    pub isa: Isa,
    /// Width of the packed weight panels at this level.
    pub nr: usize,
    /// Rows per packed activation panel: a multiple of every kernel's MR
    /// at this level; M-blocks start at multiples of it.
    pub a_panel_rows: usize,
    /// The main kernel: `vpdpbusd` on VNNI levels (exact), the
    /// `vpmaddubsw` chain elsewhere (exact only on safe panels).
    pub main: IgemmUkernel,
    /// The exact kernel for panels the chain could saturate on
    /// (`None` on VNNI levels, where `main` is exact).
    pub exact: Option<IgemmUkernel>,
    /// An alternative main kernel (the ymm `vpdpbusd` on AVX-512 VNNI).
    pub alt: Option<IgemmUkernel>,
}

macro_rules! ukr {
    ($path:path, $name:ident, $mr:expr, $nr:expr, $sat:expr) => {
        IgemmUkernel {
            name: stringify!($name),
            mr: $mr,
            nr: $nr,
            saturates: $sat,
            f: {
                use $path as p;
                p::$name
            },
        }
    };
}

impl IgemmKernels {
    /// The table for `isa` (callers have checked `isa.is_available()`).
    pub(crate) fn select(isa: Isa) -> IgemmKernels {
        let scalar = IgemmKernels {
            isa,
            nr: 16,
            a_panel_rows: 8,
            main: ukr!(lowp_kernels::scalar, igemm_u8s8s32_chain_8x16_scalar, 8, 16, true),
            exact: Some(ukr!(
                lowp_kernels::scalar,
                igemm_u8s8s32_8x16_scalar,
                8,
                16,
                false
            )),
            alt: None,
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
                    main: ukr!(k::avx2, igemm_u8s8s32_chain_4x16_avx2, 4, 16, true),
                    exact: Some(ukr!(k::avx2, igemm_u8s8s32_exact_2x16_avx2, 2, 16, false)),
                    alt: None,
                },
                Isa::Avx2Vnni => IgemmKernels {
                    isa,
                    nr: 16,
                    a_panel_rows: 6,
                    main: ukr!(k::avx2vnni, igemm_u8s8s32_6x16_avx2vnni, 6, 16, false),
                    exact: None,
                    alt: None,
                },
                Isa::Avx512 => IgemmKernels {
                    isa,
                    nr: 32,
                    a_panel_rows: 24,
                    main: ukr!(k::avx512, igemm_u8s8s32_chain_8x32_avx512, 8, 32, true),
                    exact: Some(ukr!(k::avx512, igemm_u8s8s32_exact_6x32_avx512, 6, 32, false)),
                    alt: None,
                },
                Isa::Avx512Vnni => IgemmKernels {
                    isa,
                    nr: 32,
                    a_panel_rows: 42,
                    main: ukr!(k::avx512vnni, igemm_u8s8s32_14x32_avx512vnni, 14, 32, false),
                    exact: None,
                    alt: Some(ukr!(
                        k::avx512vnni,
                        igemm_u8s8s32_6x32_avx512vnni_ymm,
                        6,
                        32,
                        false
                    )),
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
        v.extend(self.alt.map(|k| ("igemm_u8s8s32_alt", k.name)));
        v
    }
}
