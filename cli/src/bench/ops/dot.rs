//! Pair dot products: `dot_f32` ([`lowp::dot::dot_f32`]) and `dot_s8`
//! ([`lowp::dot::dot_s8`]) at d = 128, 768, 1536 (`--shapes`: K of each
//! entry is d). JSON: `m = n = 1`, `k = d`, plus `dim`.

use super::data::{dot_dims, f32s, s8s};
use crate::bench::case::{peak_fma_f32, peak_u8s8, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use lowp::peak::Work;
use lowp::Context;
use serde_json::json;

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "dot",
    about: "pair dot products dot_f32 and dot_s8 (d = 128, 768, 1536)",
    cases,
    compare: |_| Vec::<CompareRow>::new(),
};

const DIMS: &[usize] = &[128, 768, 1536];

fn cases(opts: &CaseOpts) -> Vec<Case> {
    let dims = dot_dims(opts, DIMS);
    let f = dims.iter().map(|&d| {
        case("dot_f32", d, 4, peak_fma_f32, move |ctx: &Context| {
            let (a, b) = (f32s(d, 5), f32s(d, 6));
            lowp::dot::dot_f32(ctx, &a, &b)?;
            let ctx = ctx.clone();
            Ok(Box::new(move || {
                std::hint::black_box(lowp::dot::dot_f32(&ctx, std::hint::black_box(&a), &b).ok());
            }) as Box<dyn FnMut()>)
        })
    });
    let s = dims.iter().map(|&d| {
        case("dot_s8", d, 1, peak_u8s8, move |ctx: &Context| {
            let (a, b) = (s8s(d, 7), s8s(d, 8));
            lowp::dot::dot_s8(ctx, &a, &b)?;
            let ctx = ctx.clone();
            Ok(Box::new(move || {
                std::hint::black_box(lowp::dot::dot_s8(&ctx, std::hint::black_box(&a), &b).ok());
            }) as Box<dyn FnMut()>)
        })
    });
    f.collect::<Vec<_>>().into_iter().chain(s).collect()
}

/// A dot case of length `d` with `elem` bytes per element; `make` checks
/// one call and returns the timed call.
fn case(
    op: &str,
    d: usize,
    elem: usize,
    peak_for: fn(lowp::Isa) -> Option<&'static str>,
    make: impl Fn(&Context) -> crate::CliResult<Box<dyn FnMut()>> + 'static,
) -> Case {
    let work = Work {
        ops: 2.0 * d as f64,
        bytes: (2 * d * elem) as f64,
    };
    Case {
        op: op.to_string(),
        impl_name: "lowp",
        shape: Shape {
            m: 1,
            n: 1,
            k: d,
            extra: vec![("dim", json!(d))],
        },
        label: Some(format!("d={d}")),
        isas: IsaSel::Each,
        memory_bound: false,
        is_peak: false,
        peak_for,
        setup: Box::new(move |ctx| {
            let mut call = make(ctx)?;
            Ok(Box::new(move || {
                call();
                work
            }))
        }),
    }
}
