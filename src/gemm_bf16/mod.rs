//! BF16 GEMM: `C ← alpha·A·B + beta·C` with A and B in bfloat16 and C in
//! f32, on the shared blocked driver ([`crate::gemm`]), plus the f32 ↔ bf16
//! slice conversions.
//!
//! **The same bits on every ISA.** The sums follow `vdpbf16ps` exactly
//! (the oracle (`gemm_bf16` of the `lowp-reference` crate) spells it out): for each pair
//! of K, the odd product is added first, then the even one, each product
//! exact, each addition rounded to nearest even, subnormal inputs and sums
//! flushed to zero. The AVX512-BF16 kernel runs the instruction; the
//! AVX-512F, AVX2 and scalar kernels widen to f32 and run two flushed FMAs
//! per pair in that order, which gives the same bits (NaN payloads aside).
//! So that no split of K changes a sum, each element of C is one chain
//! over the whole of K (one K block: the driver's `kc_at_least`), and
//! results are bit-identical for every thread count too.
//!
//! Kernels: `gemm_bf16_14x32_avx512bf16` (28 accumulators, one
//! `vdpbf16ps` per vector of 16 column pairs), `gemm_bf16_8x32_avx512`,
//! `gemm_bf16_4x16_avx2`, `gemm_bf16_4x8_scalar`, each computing only the
//! rows of a tile it is given. Operands are packed into pair-interleaved
//! panels ([`pack`]), B pairs along K and A broadcast as 32-bit pairs; the
//! `vdpbf16ps` tile reads a row-major A in place instead where it can
//! ([`kernels::Bf16Tile`]).

mod convert;
pub(crate) mod kernels;
mod pack;
mod stream;

pub use convert::{convert_bf16_to_f32, convert_f32_to_bf16};
pub use kernels::GemmBf16Kernels;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::gemm::f32_operands::SinkF32;
use crate::gemm::{self, BOperand, PackA, PackedB, Problem};
use crate::mat::{MatMut, MatRef};
use crate::sgemm::scale;
use half::bf16;
use kernels::Bf16Tile;
use pack::{Element, InPlaceA, PackABf16, PackBBf16};

/// `Err(ShapeMismatch)` naming the operands unless A is m×k, B k×n, C m×n.
fn check_shapes(op: &str, a: (usize, usize), b: (usize, usize), c: &MatMut<'_, f32>) -> Result<()> {
    let ((m, k), (kb, n)) = (a, b);
    if kb != k || c.rows() != m || c.cols() != n {
        return Err(Error::shape(format!(
            "{op}: a is {m}x{k}, b is {kb}x{n}, c is {}x{}; need a m×k, b k×n, c m×n",
            c.rows(),
            c.cols()
        )));
    }
    Ok(())
}

/// The driver call shared by every entry point: A of any element the
/// packers take, B to pack or prepacked, one K block.
#[allow(clippy::too_many_arguments)]
fn run<T: Element>(
    ctx: &Context,
    kern: &GemmBf16Kernels,
    alpha: f32,
    a: MatRef<'_, T>,
    b: BOperand<'_, bf16>,
    n: usize,
    beta: f32,
    mut c: MatMut<'_, f32>,
) {
    let (m, k) = (a.rows(), a.cols());
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || alpha == 0.0 {
        scale(beta, &mut c);
        return;
    }
    let sink = SinkF32::new(&mut c, beta);
    if let Some((f, _)) = kern.stream {
        if (stream::MIN_ROWS..=stream::MAX_ROWS).contains(&m) {
            let sb = match b {
                BOperand::Prepacked(pb) => stream::StreamB::Packed(pb),
                BOperand::Pack(pb) => stream::StreamB::Pack(pb, n),
            };
            stream::stream(ctx, f, kern.nr(), kern.pack_a_rows, alpha, a, sb, &sink, beta);
            return;
        }
    }
    let tile = Bf16Tile::new(kern, m, T::as_bf16(a), ctx.cache_sizes().l1d);
    let packer = PackABf16(a, kern.pack_a_rows);
    let pa: &dyn PackA<bf16> = if tile.a_in_place() { &InPlaceA } else { &packer };
    gemm::gemm(
        ctx,
        &tile,
        &Problem {
            m,
            n,
            k,
            a: pa,
            b,
            sink: &sink,
            alpha,
            beta,
            // One K block: each element is one `vdpbf16ps` chain.
            kc_at_least: Some(usize::MAX),
        },
    );
}

/// BF16 GEMM: `C ← alpha·A·B + beta·C`, A and B bf16, C f32, any row/column
/// strides, every sum the `vdpbf16ps` one (module docs): the same bits on
/// every ISA level and for every thread count.
///
/// BLAS semantics: with `beta == 0` C is not read; `k == 0` or
/// `alpha == 0` gives `C ← beta·C` without reading A or B. `Err(ShapeMismatch)`
/// when the shapes disagree.
///
/// ```
/// use half::bf16;
/// use lowp::{gemm_bf16, Context, MatMut, MatRef};
/// let ctx = Context::builder().threads(1).build()?;
/// let a = [1.0f32, 2.0, 3.0, 4.0].map(bf16::from_f32);
/// let b = [5.0f32, 6.0, 7.0, 8.0].map(bf16::from_f32);
/// let mut c = [0.0f32; 4];
/// gemm_bf16(&ctx, 1.0, MatRef::row_major(&a, 2, 2)?, MatRef::row_major(&b, 2, 2)?, 0.0,
///           MatMut::row_major(&mut c, 2, 2)?)?;
/// assert_eq!(c, [19.0, 22.0, 43.0, 50.0]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn gemm_bf16(
    ctx: &Context,
    alpha: f32,
    a: MatRef<'_, bf16>,
    b: MatRef<'_, bf16>,
    beta: f32,
    c: MatMut<'_, f32>,
) -> Result<()> {
    gemm_bf16_with(ctx, &ctx.kernels().gemm_bf16, alpha, a, b, beta, c)
}

/// [`gemm_bf16`] on the given kernels (tests run every usable set).
pub(crate) fn gemm_bf16_with(
    ctx: &Context,
    kern: &GemmBf16Kernels,
    alpha: f32,
    a: MatRef<'_, bf16>,
    b: MatRef<'_, bf16>,
    beta: f32,
    c: MatMut<'_, f32>,
) -> Result<()> {
    check_shapes("gemm_bf16", (a.rows(), a.cols()), (b.rows(), b.cols()), &c)?;
    let pb = PackBBf16(b, kern.pack_pairs, kern.pack_b_rows);
    run(ctx, kern, alpha, a, BOperand::Pack(&pb), b.cols(), beta, c);
    Ok(())
}

/// BF16 GEMM with a prepacked B ([`PackedB::<bf16>::new`](PackedB::new) or
/// [`PackedB::<bf16>::from_f32`](PackedB::from_f32)): `C ← alpha·A·B +
/// beta·C`, the same bits as [`gemm_bf16`]. `Err(LayoutMismatch)` when `b`
/// was packed for another kernel, `Err(ShapeMismatch)` when the shapes
/// disagree.
pub fn gemm_bf16_packed(
    ctx: &Context,
    alpha: f32,
    a: MatRef<'_, bf16>,
    b: &PackedB<bf16>,
    beta: f32,
    c: MatMut<'_, f32>,
) -> Result<()> {
    packed(ctx, "gemm_bf16_packed", alpha, a, b, beta, c)
}

/// [`gemm_bf16_packed`] with an f32 A, rounded to bf16 (nearest even, as
/// [`convert_f32_to_bf16`]) while it is packed: f32 activations against
/// bf16 weights packed once. The same bits as converting A first.
///
/// ```
/// use lowp::{gemm_bf16_f32, Context, MatMut, MatRef, PackedB};
/// let ctx = Context::builder().threads(1).build()?;
/// let w = PackedB::from_f32(&ctx, MatRef::row_major(&[1.0f32, 0.0, 0.0, 1.0], 2, 2)?)?;
/// let mut y = [0.0f32; 2];
/// gemm_bf16_f32(&ctx, 1.0, MatRef::row_major(&[3.0f32, 4.0], 1, 2)?, &w, 0.0,
///               MatMut::row_major(&mut y, 1, 2)?)?;
/// assert_eq!(y, [3.0, 4.0]);
/// # Ok::<(), lowp::Error>(())
/// ```
pub fn gemm_bf16_f32(
    ctx: &Context,
    alpha: f32,
    a: MatRef<'_, f32>,
    b: &PackedB<bf16>,
    beta: f32,
    c: MatMut<'_, f32>,
) -> Result<()> {
    packed(ctx, "gemm_bf16_f32", alpha, a, b, beta, c)
}

/// The prepacked entry points, for either element of A.
fn packed<T: Element>(
    ctx: &Context,
    op: &str,
    alpha: f32,
    a: MatRef<'_, T>,
    b: &PackedB<bf16>,
    beta: f32,
    c: MatMut<'_, f32>,
) -> Result<()> {
    let kern = &ctx.kernels().gemm_bf16;
    b.check_layout(kern.isa(), kern.name(), kern.tile().1, 2)?;
    check_shapes(op, (a.rows(), a.cols()), (b.rows(), b.cols()), &c)?;
    run(ctx, kern, alpha, a, BOperand::Prepacked(b), b.cols(), beta, c);
    Ok(())
}

impl PackedB<bf16> {
    /// Packs a `k × n` bf16 B (any strides) for `ctx`'s BF16 GEMM kernel,
    /// once, for many [`gemm_bf16_packed`] / [`gemm_bf16_f32`] calls.
    pub fn new(ctx: &Context, b: MatRef<'_, bf16>) -> Result<PackedB<bf16>> {
        pack_b(&ctx.kernels().gemm_bf16, b)
    }

    /// Packs a `k × n` f32 B, rounded to bf16 as [`convert_f32_to_bf16`]
    /// does, for `ctx`'s BF16 GEMM kernel.
    pub fn from_f32(ctx: &Context, b: MatRef<'_, f32>) -> Result<PackedB<bf16>> {
        pack_b(&ctx.kernels().gemm_bf16, b)
    }
}

/// Packs B over the whole of K (the kernels' one K block).
fn pack_b<T: Element>(kern: &GemmBf16Kernels, b: MatRef<'_, T>) -> Result<PackedB<bf16>> {
    let nr = kern.tile().1;
    let kc = b.rows().next_multiple_of(2).max(2);
    PackedB::pack_with(
        b.rows(),
        b.cols(),
        kc,
        nr,
        2,
        kern.isa(),
        kern.name(),
        &PackBBf16(b, kern.pack_pairs, kern.pack_b_rows),
    )
}

#[cfg(test)]
mod tests;
