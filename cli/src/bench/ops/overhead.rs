//! Fixed costs (issue 21): `fork_join`, a parallel region of one empty task
//! per thread ([`lowp::Context::run_parallel`]), timed back to back; and the
//! per-call cost of tiny problems, `overhead_sgemm` and `overhead_igemm`
//! (u8s8s32, prepacked weights) at 1³, 4³, 16³, 64³, `overhead_dot_f32` and
//! `overhead_dot_s8` at d = 128. Read the time column (µs per call); the
//! GOP/s of a region counts one "op" per task.

use super::data::{checked_runner, f32s, gemm_shapes, s8s};
use super::igemm::{self, Pipeline, Spec};
use crate::bench::case::{
    no_peak, peak_fma_f32, peak_u8s8, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Runner, Shape,
};
use lowp::peak::Work;
use lowp::{sgemm, AlignedBuffer, Isa, MatMut, MatRef};
use std::sync::{Arc, OnceLock};

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "overhead",
    about: "fixed costs: fork_join (empty parallel region), tiny sgemm/igemm (1³..64³), dots at d = 128",
    cases,
    compare: |_| Vec::<CompareRow>::new(),
};

const TINY: &[(usize, usize, usize)] = &[(1, 1, 1), (4, 4, 4), (16, 16, 16), (64, 64, 64)];

fn cases(opts: &CaseOpts) -> Vec<Case> {
    let mut out = vec![fork_join()];
    let shapes = gemm_shapes(opts, TINY);
    out.extend(shapes.iter().cloned().map(tiny_sgemm));
    for shape in shapes {
        let spec = Spec {
            op: "overhead_igemm".into(),
            pipeline: Pipeline::S32,
            isas: IsaSel::Each,
            options: Default::default(),
            peak_for: peak_u8s8,
        };
        out.push(igemm::case(shape, spec, Arc::new(OnceLock::new())));
    }
    out.extend(dots(128));
    out
}

/// One empty task per thread of the context, in one region.
fn fork_join() -> Case {
    Case {
        op: "fork_join".into(),
        impl_name: "lowp",
        shape: Shape::mnk(1, 1, 1),
        label: Some("empty region".into()),
        isas: IsaSel::Once(Isa::best()),
        memory_bound: false,
        is_peak: false,
        peak_for: no_peak,
        setup: Box::new(|ctx| {
            let ctx = ctx.clone();
            let tasks = ctx.num_threads();
            Ok(Box::new(move || {
                ctx.run_parallel(tasks, |i| {
                    std::hint::black_box(i);
                });
                Work {
                    ops: tasks as f64,
                    bytes: 0.0,
                }
            }))
        }),
    }
}

/// `sgemm` with B packed inside the call, as an unprepared caller runs it.
fn tiny_sgemm(shape: Shape) -> Case {
    let (m, n, k) = (shape.m, shape.n, shape.k);
    Case {
        op: "overhead_sgemm".into(),
        impl_name: "lowp",
        shape,
        label: None,
        isas: IsaSel::Each,
        memory_bound: false,
        is_peak: false,
        peak_for: peak_fma_f32,
        setup: Box::new(move |ctx| {
            let a = AlignedBuffer::from_slice(&f32s(m * k, 1));
            let b = AlignedBuffer::from_slice(&f32s(k * n, 2));
            let mut c = AlignedBuffer::<f32>::zeroed(m * n);
            let ctx = ctx.clone();
            let work = Work {
                ops: 2.0 * (m * n * k) as f64,
                bytes: 0.0,
            };
            checked_runner(work, move || {
                let (a, b) = (MatRef::row_major(&a, m, k)?, MatRef::row_major(&b, k, n)?);
                sgemm(&ctx, 1.0, a, b, 0.0, MatMut::row_major(&mut c, m, n)?)
            })
        }),
    }
}

/// `dot_f32` and `dot_s8` of one pair of length `d`.
fn dots(d: usize) -> Vec<Case> {
    let f32_case = dot_case("overhead_dot_f32", d, move |ctx| {
        let (a, b) = (f32s(d, 5), f32s(d, 6));
        let ctx = ctx.clone();
        checked_runner(dot_work(d), move || {
            std::hint::black_box(lowp::dot::dot_f32(&ctx, std::hint::black_box(&a), &b)?);
            Ok(())
        })
    });
    let s8_case = dot_case("overhead_dot_s8", d, move |ctx| {
        let (a, b) = (s8s(d, 7), s8s(d, 8));
        let ctx = ctx.clone();
        checked_runner(dot_work(d), move || {
            std::hint::black_box(lowp::dot::dot_s8(&ctx, std::hint::black_box(&a), &b)?);
            Ok(())
        })
    });
    vec![f32_case, s8_case]
}

fn dot_work(d: usize) -> Work {
    Work {
        ops: 2.0 * d as f64,
        bytes: 0.0,
    }
}

fn dot_case(
    op: &str,
    d: usize,
    setup: impl Fn(&lowp::Context) -> crate::CliResult<Runner> + 'static,
) -> Case {
    Case {
        op: op.into(),
        impl_name: "lowp",
        shape: Shape::mnk(1, 1, d),
        label: Some(format!("d={d}")),
        isas: IsaSel::Each,
        memory_bound: false,
        is_peak: false,
        peak_for: no_peak,
        setup: Box::new(setup),
    }
}
