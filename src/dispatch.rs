//! The kernel table: one entry per op family, chosen once when a
//! [`crate::Context`] is built so the hot loops pay no detection cost.
//!
//! Each op module exposes `select(isa)` returning its own table of kernel
//! descriptors; this struct gathers them. A kernel whose ISA the CPU lacks is
//! never placed in a table (the `Context` only builds tables for levels that
//! [`crate::Isa::is_available`] accepts).

use crate::Isa;

/// Every kernel one ISA level uses, by op family.
#[derive(Clone, Debug)]
pub struct Kernels {
    /// The level these kernels were chosen for.
    pub isa: Isa,
    /// INT8 GEMM microkernels.
    pub igemm: crate::igemm::IgemmKernels,
    /// Dot products, distances, scans.
    pub dot: crate::dot::DotKernels,
    /// FP32 GEMM kernels.
    pub sgemm: crate::sgemm::SgemmKernels,
    /// Quantize / dequantize / requantize conversions.
    pub quant: crate::quant::QuantKernels,
    /// Depthwise convolution row kernels.
    pub dwconv: crate::conv::DwConvKernels,

    /// Grouped-convolution kernels.
    pub conv: crate::conv::ConvKernels,

    /// BF16 GEMM and f32 ↔ bf16 conversion kernels.
    pub gemm_bf16: crate::gemm_bf16::GemmBf16Kernels,
}

impl Kernels {
    /// The table for `isa`. Callers must have checked `isa.is_available()`.
    pub(crate) fn for_isa(isa: Isa) -> Kernels {
        debug_assert!(isa.is_available());
        Kernels {
            isa,
            igemm: crate::igemm::IgemmKernels::select(isa),
            dot: crate::dot::DotKernels::select(isa),
            sgemm: crate::sgemm::SgemmKernels::select(isa),
            quant: crate::quant::QuantKernels::select(isa),
            dwconv: crate::conv::DwConvKernels::select(isa),
            conv: crate::conv::ConvKernels::select(isa),

            gemm_bf16: crate::gemm_bf16::GemmBf16Kernels::select(isa),
        }
    }

    /// `(op, kernel name)` for every op family, for `lowp info`.
    pub fn names(&self) -> Vec<(&'static str, &'static str)> {
        let mut v = vec![
            ("sgemm", self.sgemm.name()),
            ("sgemm_gemv", self.sgemm.rows_name()),
        ];
        v.extend(self.sgemm.small_m_names().map(|k| ("sgemm_small_m", k)));
        v.extend(self.igemm.names());
        v.extend(self.dot.names());
        v.extend(self.quant.names());
        v.extend(self.dwconv.names());
        v.extend(self.conv.names());

        v.extend(self.gemm_bf16.names());
        v
    }
}
