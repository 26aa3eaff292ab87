//! `sgemm`: f32 GEMM `C = A·B` (row-major), through [`lowp::sgemm`] (`impl`
//! `lowp`: B packed inside every call) and [`lowp::sgemm_packed`] (`impl`
//! `lowp_packed`: B packed once in the untimed set-up, as weights are).

use super::gemm_case::{cases, FloatGemm};
use crate::bench::case::{peak_fma_f32, CompareRow, OpEntry};
use lowp::{sgemm, sgemm_packed, Context, Isa, MatMut, MatRef, PackedB};

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "sgemm",
    about: "f32 GEMM C = A·B; impls lowp (B packed per call) and lowp_packed (B prepacked)",
    cases: cases::<Sgemm>,
    compare: |_| Vec::<CompareRow>::new(),
};

/// The f32 GEMM.
struct Sgemm;

impl FloatGemm for Sgemm {
    type E = f32;
    const OP: &'static str = "sgemm";
    fn from_f32(x: f32) -> f32 {
        x
    }
    fn peak_for(isa: Isa) -> Option<&'static str> {
        peak_fma_f32(isa)
    }
    fn pack(ctx: &Context, b: MatRef<'_, f32>) -> lowp::Result<PackedB<f32>> {
        PackedB::<f32>::new(ctx, b)
    }
    fn run(ctx: &Context, a: MatRef<'_, f32>, b: MatRef<'_, f32>, c: MatMut<'_, f32>) -> lowp::Result<()> {
        sgemm(ctx, 1.0, a, b, 0.0, c)
    }
    fn run_packed(
        ctx: &Context,
        a: MatRef<'_, f32>,
        b: &PackedB<f32>,
        c: MatMut<'_, f32>,
    ) -> lowp::Result<()> {
        sgemm_packed(ctx, 1.0, a, b, 0.0, c)
    }
}
