//! `gemm_bf16`: BF16 GEMM `C = A·B` (A, B bf16 row-major, C f32), through
//! [`lowp::gemm_bf16`] (`impl` `lowp`: B packed inside every call) and
//! [`lowp::gemm_bf16_packed`] (`impl` `lowp_packed`: B packed once in the
//! untimed set-up, as weights are). `% peak` is against `vdpbf16ps` where
//! the CPU has it (the widening fallbacks run FMAs: against `vfmadd`).

use super::data::{checked_runner, f32s, gemm_shapes, GEMM_SHAPES};
use crate::bench::case::{peak_fma_f32, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use half::bf16;
use lowp::peak::Work;
use lowp::{gemm_bf16, gemm_bf16_packed, AlignedBuffer, Isa, MatMut, MatRef, PackedB};
use std::sync::{Arc, OnceLock};

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "gemm_bf16",
    about: "BF16 GEMM C = A·B (f32 C); impls lowp (B packed per call) and lowp_packed (B prepacked)",
    cases,
    compare: |_| Vec::<CompareRow>::new(),
};

/// `peak_for`: `vdpbf16ps` on the AVX-512 levels of a CPU with AVX512-BF16.
fn peak_bf16(isa: Isa) -> Option<&'static str> {
    if isa >= Isa::Avx512 && lowp::cpu_features().avx512bf16 {
        Some("peak_vdpbf16ps_zmm")
    } else {
        peak_fma_f32(isa)
    }
}

type Inputs = Arc<OnceLock<(Arc<AlignedBuffer<bf16>>, Arc<AlignedBuffer<bf16>>)>>;

fn cases(opts: &CaseOpts) -> Vec<Case> {
    let mut out = Vec::new();
    for shape in gemm_shapes(opts, GEMM_SHAPES) {
        let inputs: Inputs = Arc::new(OnceLock::new());
        for packed in [false, true] {
            out.push(case(shape.clone(), packed, inputs.clone()));
        }
    }
    out
}

fn case(shape: Shape, packed: bool, inputs: Inputs) -> Case {
    let (m, n, k) = (shape.m, shape.n, shape.k);
    Case {
        op: "gemm_bf16".into(),
        impl_name: if packed { "lowp_packed" } else { "lowp" },
        shape,
        label: None,
        isas: IsaSel::Each,
        memory_bound: false,
        is_peak: false,
        peak_for: peak_bf16,
        setup: Box::new(move |ctx| {
            let (a, b) = inputs.get_or_init(|| {
                let bf = |v: Vec<f32>| {
                    Arc::new(AlignedBuffer::from_slice(
                        &v.into_iter().map(bf16::from_f32).collect::<Vec<_>>(),
                    ))
                };
                (bf(f32s(m * k, 1)), bf(f32s(k * n, 2)))
            });
            let (a, b) = (a.clone(), b.clone());
            let mut c = AlignedBuffer::<f32>::zeroed(m * n);
            let work = Work {
                ops: 2.0 * (m * n * k) as f64,
                bytes: 0.0,
            };
            let ctx = ctx.clone();
            if packed {
                let pb = PackedB::<bf16>::new(&ctx, MatRef::row_major(&b, k, n)?)?;
                checked_runner(work, move || {
                    let a = MatRef::row_major(&a, m, k)?;
                    gemm_bf16_packed(&ctx, 1.0, a, &pb, 0.0, MatMut::row_major(&mut c, m, n)?)
                })
            } else {
                checked_runner(work, move || {
                    let (a, b) = (MatRef::row_major(&a, m, k)?, MatRef::row_major(&b, k, n)?);
                    gemm_bf16(&ctx, 1.0, a, b, 0.0, MatMut::row_major(&mut c, m, n)?)
                })
            }
        }),
    }
}
