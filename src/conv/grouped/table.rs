//! The grouped-convolution part of the kernel table: the expansion of the
//! input and the two 16-channel kernels, on the levels that have them.

use crate::Isa;
#[cfg(target_arch = "x86_64")]
use lowp_kernels::x86_64::{avx512, avx512vnni};

/// Expands input pixels into 16-lane vectors: `(src, pixel stride, pixels,
/// lanes, xor, dst, dst entry stride, dst pixel stride)`.
pub(crate) type ExpandFn = unsafe fn(*const u8, usize, usize, &[Lanes], u32, *mut u8, usize, usize);
#[cfg(target_arch = "x86_64")]
pub(crate) use lowp_kernels::x86_64::avx512::gconv_expand_16::GconvLanes as Lanes;
/// Without x86_64 there is no expansion: a stand-in for its lane table.
#[cfg(not(target_arch = "x86_64"))]
#[derive(Clone, Copy, Debug)]
pub(crate) struct Lanes;

/// The INT8 16-channel kernel: `(steps' byte offsets, src, pixel stride,
/// pixels, weights, start values, out, out pixel stride)`.
pub(crate) type GconvI8Fn =
    unsafe fn(&[usize], *const u8, usize, usize, *const i8, *const i32, *mut i32, usize);
/// The INT8 16-channel kernel with the requantizing store: as
/// [`GconvI8Fn`] into bytes, then the 16 scales and `(zp, lo, hi)`.
pub(crate) type GconvQ8Fn = unsafe fn(
    &[usize],
    *const u8,
    usize,
    usize,
    *const i8,
    *const i32,
    *mut u8,
    usize,
    *const f32,
    (i32, i32, i32),
);
/// The f32 16-channel kernel: as [`GconvI8Fn`], then the clamp.
pub(crate) type GconvF32Fn =
    unsafe fn(&[usize], *const u8, usize, usize, *const f32, *const f32, *mut f32, usize, Option<(f32, f32)>);

/// The 3×3 INT8 kernel for 4 channels a group in and out: `(src, row
/// stride, pixel stride, pixels, weights, start values, out, out pixel
/// stride)`.
pub(crate) type G4I8Fn = unsafe fn(*const u8, usize, usize, usize, *const i8, *const i32, *mut i32, usize);
/// [`G4I8Fn`] with the requantizing store, as [`GconvQ8Fn`].
pub(crate) type G4Q8Fn = unsafe fn(
    *const u8,
    usize,
    usize,
    usize,
    *const i8,
    *const i32,
    *mut u8,
    usize,
    *const f32,
    (i32, i32, i32),
);
/// The 3×3 f32 kernel for 4 channels a group: as [`G4I8Fn`], then the clamp.
pub(crate) type G4F32Fn =
    unsafe fn(*const u8, usize, usize, usize, *const f32, *const f32, *mut f32, usize, Option<(f32, f32)>);

/// A kernel and its name (as `lowp info` prints it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Kern<F> {
    pub(crate) f: F,
    pub(crate) name: &'static str,
}

/// The grouped-convolution kernels of one ISA level (AVX-512 levels only;
/// elsewhere a grouped layer runs the general implicit GEMM).
///
/// Built by the [`crate::Context`]; inspect it with [`crate::Kernels::names`].
#[derive(Clone, Debug, Default)]
pub struct ConvKernels {
    pub(crate) expand: Option<Kern<ExpandFn>>,
    pub(crate) f32: Option<Kern<GconvF32Fn>>,
    pub(crate) u8s8: Option<Kern<GconvI8Fn>>,
    pub(crate) u8s8q8: Option<Kern<GconvQ8Fn>>,
    pub(crate) f32_g4: Option<Kern<G4F32Fn>>,
    pub(crate) u8s8_g4: Option<Kern<G4I8Fn>>,
    pub(crate) u8s8q8_g4: Option<Kern<G4Q8Fn>>,
    /// The FP32 indirect (implicit-GEMM) kernel, any group width.
    pub(crate) f32_indirect: Option<&'static lowp_kernels::sconv_ukernel::SconvUkernelInfo>,
    /// Its taller, narrower twin, for output rows of at least its `mr`
    /// pixels (fewer weight loads per FMA).
    pub(crate) f32_indirect_tall: Option<&'static lowp_kernels::sconv_ukernel::SconvUkernelInfo>,
}

/// `kern!(module::fn_name)`: the kernel and its name.
#[cfg(target_arch = "x86_64")]
macro_rules! kern {
    ($($m:ident)::+, $f:ident) => {
        Some(Kern {
            f: $($m::)+$f as _,
            name: stringify!($f),
        })
    };
}

impl ConvKernels {
    /// The table for `isa`. Callers have checked `isa.is_available()`.
    pub(crate) fn select(isa: Isa) -> ConvKernels {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 | Isa::Avx512Vnni => ConvKernels {
                expand: kern!(avx512::gconv_expand_16, gconv_expand_16_avx512),
                f32: kern!(avx512::gconv_f32_16ch, gconv_f32_16ch_avx512),
                u8s8: match isa {
                    Isa::Avx512Vnni => kern!(avx512vnni::gconv_u8s8s32_16ch, gconv_u8s8s32_16ch_avx512vnni),
                    _ => None,
                },
                u8s8q8: match isa {
                    Isa::Avx512Vnni => kern!(avx512vnni::gconv_u8s8q8_16ch, gconv_u8s8q8_16ch_avx512vnni),
                    _ => None,
                },
                f32_g4: kern!(avx512::gconv_f32_3x3g4, gconv_f32_3x3g4_avx512),
                u8s8_g4: match isa {
                    Isa::Avx512Vnni => kern!(avx512vnni::gconv_u8s8s32_3x3g4, gconv_u8s8s32_3x3g4_avx512vnni),
                    _ => None,
                },
                u8s8q8_g4: match isa {
                    Isa::Avx512Vnni => kern!(avx512vnni::gconv_u8s8q8_3x3g4, gconv_u8s8q8_3x3g4_avx512vnni),
                    _ => None,
                },
                f32_indirect: Some(&avx512::sconv_f32_7x64::INFO),
                f32_indirect_tall: Some(&avx512::sconv_f32_14x32::INFO),
            },
            _ => ConvKernels::default(),
        }
    }

    /// `(op, kernel name)` pairs for `lowp info`.
    pub(crate) fn names(&self) -> Vec<(&'static str, &'static str)> {
        let mut v = Vec::new();
        v.extend(self.expand.map(|k| ("conv_grouped_expand", k.name)));
        v.extend(self.f32.map(|k| ("conv_grouped_f32", k.name)));
        v.extend(self.u8s8.map(|k| ("conv_grouped_u8s8s32", k.name)));
        v.extend(self.u8s8q8.map(|k| ("conv_grouped_u8s8q8", k.name)));
        v.extend(self.f32_g4.map(|k| ("conv_grouped_f32_3x3g4", k.name)));
        v.extend(self.u8s8_g4.map(|k| ("conv_grouped_u8s8s32_3x3g4", k.name)));
        v.extend(self.u8s8q8_g4.map(|k| ("conv_grouped_u8s8q8_3x3g4", k.name)));
        v.extend(self.f32_indirect.map(|k| ("conv_f32_indirect", k.name)));
        v.extend(self.f32_indirect_tall.map(|k| ("conv_f32_indirect_tall", k.name)));
        v
    }
}
