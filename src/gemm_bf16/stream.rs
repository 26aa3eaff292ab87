//! Small M against a prepacked B: A packed once as one panel of all its
//! rows, then the level's streaming kernel walks B's packed panels front to
//! back, each panel once for every row (`lowp_kernels`
//! `gemm_bf16_stream_macros` docs). The general driver instead runs tiles
//! of up to `MR` rows per panel: 16 rows are a 14-row and a 2-row tile,
//! and the 2-row one, with four accumulators, waits on `vdpbf16ps`'s
//! latency (`docs/tuning.md`, "BF16 GEMM, small M streaming").

use super::kernels::StreamFn;
use super::pack::{Element, PackABf16};
use crate::context::Context;
use crate::gemm::f32_operands::SinkF32;
use crate::gemm::{buffers, PackA, PackedB, TileSink};
use crate::mat::MatRef;
use half::bf16;

/// Rows the streaming kernels take.
pub(crate) const MAX_ROWS: usize = 16;
/// Fewer rows stay on the driver's tiles: one row ran slower here (its
/// B stream is bound by memory, and the software prefetch only adds to it),
/// 8 and 16 faster (`docs/tuning.md`).
pub(crate) const MIN_ROWS: usize = 8;

/// `C ← alpha·A·B + beta·C` (the sink holds C and β) for `1 ≤ m ≤
/// MAX_ROWS` rows, `k > 0`, `n > 0`, B packed with `nr` columns per panel
/// over one K block; the same bits as the driver's tiles.
#[allow(clippy::too_many_arguments)]
pub(crate) fn stream<T: Element>(
    ctx: &Context,
    f: StreamFn,
    nr: usize,
    alpha: f32,
    a: MatRef<'_, T>,
    b: &PackedB<bf16>,
    sink: &SinkF32,
    beta: f32,
) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    debug_assert!((1..=MAX_ROWS).contains(&m) && k > 0 && n > 0);
    let kcp = k.next_multiple_of(2);
    let mut abuf = buffers::take::<bf16>(buffers::SLOT_A, m * kcp);
    let ap = &mut abuf[..m * kcp];
    PackABf16(a).pack_a(ap, m, 0..m, 0..k);
    let ap: &[bf16] = ap;
    let panels = n.div_ceil(nr);
    let threads = ctx.gemm_threads(m, n, k, 2, 2).clamp(1, panels);
    ctx.run_parallel(threads, |t| {
        let mut tile = buffers::take::<f32>(buffers::SLOT_TILE, MAX_ROWS * nr);
        for p in panels * t / threads..panels * (t + 1) / threads {
            let j = p * nr;
            let cols = nr.min(n - j);
            let bp = b.block(0, p)[..nr * kcp].as_ptr();
            if cols == nr {
                if let Some((c, rsc)) = sink.direct(0, j) {
                    // SAFETY: `ap` holds the m·kcp packed A, `bp` the panel's
                    // NR·kcp; the sink vouches for C's m × NR block at
                    // (0, j), which only this task writes; the kernel is
                    // of an ISA the CPU has (the table lists only those).
                    unsafe { f(kcp, ap.as_ptr().cast(), bp.cast(), c, rsc, m, alpha, beta) };
                    continue;
                }
            }
            let tp = tile.as_mut_ptr();
            // SAFETY: as above, into the m × NR scratch tile (row stride NR).
            unsafe { f(kcp, ap.as_ptr().cast(), bp.cast(), tp, nr, m, alpha, 0.0) };
            sink.merge(&tile, nr, 0, j, m, cols, beta);
        }
    });
}
