//! `gemm_bf16`: BF16 GEMM `C = A·B` (A, B bf16 row-major, C f32), through
//! [`lowp::gemm_bf16`] (`impl` `lowp`: B packed inside every call) and
//! [`lowp::gemm_bf16_packed`] (`impl` `lowp_packed`: B packed once in the
//! untimed set-up, as weights are). `% peak` is against `vdpbf16ps` where
//! the CPU has it (the widening fallbacks run FMAs: against `vfmadd`).

use super::gemm_case::{cases, FloatGemm};
use crate::bench::case::{peak_fma_f32, CompareRow, OpEntry};
use half::bf16;
use lowp::{gemm_bf16, gemm_bf16_packed, Context, Isa, MatMut, MatRef, PackedB};

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "gemm_bf16",
    about: "BF16 GEMM C = A·B (f32 C); impls lowp (B packed per call) and lowp_packed (B prepacked)",
    cases: cases::<GemmBf16>,
    compare: |_| Vec::<CompareRow>::new(),
};

/// The BF16 GEMM.
struct GemmBf16;

impl FloatGemm for GemmBf16 {
    type E = bf16;
    const OP: &'static str = "gemm_bf16";
    fn from_f32(x: f32) -> bf16 {
        bf16::from_f32(x)
    }
    /// `vdpbf16ps` on the AVX-512 levels of a CPU with AVX512-BF16.
    fn peak_for(isa: Isa) -> Option<&'static str> {
        if isa >= Isa::Avx512 && lowp::cpu_features().avx512bf16 {
            Some("peak_vdpbf16ps_zmm")
        } else {
            peak_fma_f32(isa)
        }
    }
    fn pack(ctx: &Context, b: MatRef<'_, bf16>) -> lowp::Result<PackedB<bf16>> {
        PackedB::<bf16>::new(ctx, b)
    }
    fn run(ctx: &Context, a: MatRef<'_, bf16>, b: MatRef<'_, bf16>, c: MatMut<'_, f32>) -> lowp::Result<()> {
        gemm_bf16(ctx, 1.0, a, b, 0.0, c)
    }
    fn run_packed(
        ctx: &Context,
        a: MatRef<'_, bf16>,
        b: &PackedB<bf16>,
        c: MatMut<'_, f32>,
    ) -> lowp::Result<()> {
        gemm_bf16_packed(ctx, 1.0, a, b, 0.0, c)
    }
}
