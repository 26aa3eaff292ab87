//! The cases of a float GEMM op (`sgemm`, `gemm_bf16`): row-major A and B
//! of the op's element, f32 C, in two impls, `lowp` (B packed inside every
//! call) and `lowp_packed` (B packed once in the untimed set-up, as
//! weights are), on the shared GEMM shapes.

use super::data::{checked_runner, f32s, gemm_shapes, GEMM_SHAPES};
use crate::bench::case::{Case, CaseOpts, IsaSel, Shape};
use lowp::peak::Work;
use lowp::{AlignedBuffer, Context, Isa, MatMut, MatRef, PackedB};
use std::sync::{Arc, OnceLock};

/// What a float GEMM op plugs into [`cases`].
pub trait FloatGemm: 'static {
    /// Element of A and B.
    type E: lowp::Zeroed + Send + Sync + 'static;
    /// The op's name in the registry.
    const OP: &'static str;
    /// The input element nearest to `x`.
    fn from_f32(x: f32) -> Self::E;
    /// The peak probe `% peak` is against, per ISA level.
    fn peak_for(isa: Isa) -> Option<&'static str>;
    /// Packs B for [`FloatGemm::run_packed`].
    fn pack(ctx: &Context, b: MatRef<'_, Self::E>) -> lowp::Result<PackedB<Self::E>>;
    /// `C = A·B`, B packed inside the call.
    fn run(
        ctx: &Context,
        a: MatRef<'_, Self::E>,
        b: MatRef<'_, Self::E>,
        c: MatMut<'_, f32>,
    ) -> lowp::Result<()>;
    /// `C = A·B` with a prepacked B.
    fn run_packed(
        ctx: &Context,
        a: MatRef<'_, Self::E>,
        b: &PackedB<Self::E>,
        c: MatMut<'_, f32>,
    ) -> lowp::Result<()>;
}

/// A and B of one shape, made once and shared by both impls and every context.
type Inputs<E> = Arc<OnceLock<(Arc<AlignedBuffer<E>>, Arc<AlignedBuffer<E>>)>>;

/// Both impls of `G` on every shape of `opts` (default: the GEMM shapes).
pub fn cases<G: FloatGemm>(opts: &CaseOpts) -> Vec<Case>
where
    PackedB<G::E>: Send,
{
    let mut out = Vec::new();
    for shape in gemm_shapes(opts, GEMM_SHAPES) {
        let inputs: Inputs<G::E> = Arc::new(OnceLock::new());
        for packed in [false, true] {
            out.push(case::<G>(shape.clone(), packed, inputs.clone()));
        }
    }
    out
}

fn case<G: FloatGemm>(shape: Shape, packed: bool, inputs: Inputs<G::E>) -> Case
where
    PackedB<G::E>: Send,
{
    let (m, n, k) = (shape.m, shape.n, shape.k);
    Case {
        op: G::OP.into(),
        impl_name: if packed { "lowp_packed" } else { "lowp" },
        shape,
        label: None,
        isas: IsaSel::Each,
        memory_bound: false,
        is_peak: false,
        peak_for: G::peak_for,
        setup: Box::new(move |ctx| {
            let (a, b) = inputs.get_or_init(|| {
                let buf = |v: Vec<f32>| {
                    Arc::new(AlignedBuffer::from_slice(
                        &v.into_iter().map(G::from_f32).collect::<Vec<_>>(),
                    ))
                };
                (buf(f32s(m * k, 1)), buf(f32s(k * n, 2)))
            });
            let (a, b) = (a.clone(), b.clone());
            let mut c = AlignedBuffer::<f32>::zeroed(m * n);
            let work = Work {
                ops: 2.0 * (m * n * k) as f64,
                bytes: 0.0,
            };
            let ctx = ctx.clone();
            if packed {
                let pb = G::pack(&ctx, MatRef::row_major(&b, k, n)?)?;
                checked_runner(work, move || {
                    let a = MatRef::row_major(&a, m, k)?;
                    G::run_packed(&ctx, a, &pb, MatMut::row_major(&mut c, m, n)?)
                })
            } else {
                checked_runner(work, move || {
                    let (a, b) = (MatRef::row_major(&a, m, k)?, MatRef::row_major(&b, k, n)?);
                    G::run(&ctx, a, b, MatMut::row_major(&mut c, m, n)?)
                })
            }
        }),
    }
}
