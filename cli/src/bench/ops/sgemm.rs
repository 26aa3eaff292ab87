//! `sgemm`: f32 GEMM `C = A·B` (row-major), through [`lowp::sgemm`] (`impl`
//! `lowp`: B packed inside every call) and [`lowp::sgemm_packed`] (`impl`
//! `lowp_packed`: B packed once in the untimed set-up, as weights are).

use super::data::{checked_runner, f32s, gemm_shapes, GEMM_SHAPES};
use crate::bench::case::{peak_fma_f32, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use lowp::peak::Work;
use lowp::{sgemm, sgemm_packed, AlignedBuffer, MatMut, MatRef, PackedB};
use std::sync::{Arc, OnceLock};

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "sgemm",
    about: "f32 GEMM C = A·B; impls lowp (B packed per call) and lowp_packed (B prepacked)",
    cases,
    compare: |_| Vec::<CompareRow>::new(),
};

type Inputs = Arc<OnceLock<(Arc<AlignedBuffer<f32>>, Arc<AlignedBuffer<f32>>)>>;

fn cases(opts: &CaseOpts) -> Vec<Case> {
    let mut out = Vec::new();
    for shape in gemm_shapes(opts, GEMM_SHAPES) {
        // A and B are made once per shape and shared by both impls and every context.
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
        op: "sgemm".into(),
        impl_name: if packed { "lowp_packed" } else { "lowp" },
        shape,
        label: None,
        isas: IsaSel::Each,
        memory_bound: false,
        is_peak: false,
        peak_for: peak_fma_f32,
        setup: Box::new(move |ctx| {
            let (a, b) = inputs.get_or_init(|| {
                let aligned = |v: Vec<f32>| Arc::new(AlignedBuffer::from_slice(&v));
                (aligned(f32s(m * k, 1)), aligned(f32s(k * n, 2)))
            });
            let (a, b) = (a.clone(), b.clone());
            let mut c = AlignedBuffer::<f32>::zeroed(m * n);
            let ops = 2.0 * (m * n * k) as f64;
            let work = Work { ops, bytes: 0.0 };
            let ctx = ctx.clone();
            if packed {
                let pb = PackedB::<f32>::new(&ctx, MatRef::row_major(&b, k, n)?)?;
                checked_runner(work, move || {
                    let a = MatRef::row_major(&a, m, k)?;
                    sgemm_packed(&ctx, 1.0, a, &pb, 0.0, MatMut::row_major(&mut c, m, n)?)
                })
            } else {
                checked_runner(work, move || {
                    let (a, b) = (MatRef::row_major(&a, m, k)?, MatRef::row_major(&b, k, n)?);
                    sgemm(&ctx, 1.0, a, b, 0.0, MatMut::row_major(&mut c, m, n)?)
                })
            }
        }),
    }
}
