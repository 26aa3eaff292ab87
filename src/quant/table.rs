//! The quantization part of the kernel table: which conversion kernel each
//! op uses at one ISA level.

use crate::Isa;
use lowp_kernels::q8::Q8Args;

/// f32 → q8 bytes: `(src, dst, n, args)`.
pub(crate) type QuantizeFn = unsafe fn(*const f32, *mut u8, usize, &Q8Args);
/// q8 bytes → f32: `(src, signed, dst, n, args)`.
pub(crate) type DequantizeFn = unsafe fn(*const u8, bool, *mut f32, usize, &Q8Args);
/// s32 (+ bias) → q8 bytes: `(src, bias or null, dst, n, args)`.
pub(crate) type RequantizeFn = unsafe fn(*const i32, *const i32, *mut u8, usize, &Q8Args);

/// A kernel and its name (as `lowp info` prints it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct QKern<F> {
    pub(crate) f: F,
    pub(crate) name: &'static str,
}

/// Every quantize / dequantize / requantize kernel one ISA level uses.
///
/// Built by the [`crate::Context`]; inspect it with [`crate::Kernels::names`].
#[derive(Clone, Debug)]
pub struct QuantKernels {
    pub(crate) quantize: QKern<QuantizeFn>,
    pub(crate) dequantize: QKern<DequantizeFn>,
    pub(crate) requantize: QKern<RequantizeFn>,
}

/// `qkern!(module::path, fn_name)`: the kernel and its name.
macro_rules! qkern {
    ($($m:ident)::+, $f:ident) => {
        QKern { f: lowp_kernels::$($m::)+$f, name: stringify!($f) }
    };
}

impl QuantKernels {
    /// The table for `isa`. Callers have checked `isa.is_available()`.
    pub(crate) fn select(isa: Isa) -> QuantKernels {
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 | Isa::Avx2Vnni => QuantKernels {
                quantize: qkern!(x86_64::avx2::quantize_f32_q8, quantize_f32_q8_avx2),
                dequantize: qkern!(x86_64::avx2::dequantize_q8_f32, dequantize_q8_f32_avx2),
                requantize: qkern!(x86_64::avx2::requantize_s32_q8, requantize_s32_q8_avx2),
            },
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 | Isa::Avx512Vnni => QuantKernels {
                quantize: qkern!(x86_64::avx512::quantize_f32_q8, quantize_f32_q8_avx512),
                dequantize: qkern!(x86_64::avx512::dequantize_q8_f32, dequantize_q8_f32_avx512),
                requantize: qkern!(x86_64::avx512::requantize_s32_q8, requantize_s32_q8_avx512),
            },
            _ => QuantKernels {
                quantize: qkern!(scalar::quantize_f32_q8, quantize_f32_q8_scalar),
                dequantize: qkern!(scalar::dequantize_q8_f32, dequantize_q8_f32_scalar),
                requantize: qkern!(scalar::requantize_s32_q8, requantize_s32_q8_scalar),
            },
        }
    }

    /// `(op, kernel name)` pairs for `lowp info`.
    pub(crate) fn names(&self) -> [(&'static str, &'static str); 3] {
        [
            ("quantize_f32_q8", self.quantize.name),
            ("dequantize_q8_f32", self.dequantize.name),
            ("requantize_s32_q8", self.requantize.name),
        ]
    }
}
