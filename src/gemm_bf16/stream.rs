//! Small M: A packed once as one panel of all its rows, then the level's
//! streaming kernel walks B's packed panels front to back, each panel once
//! for every row (`lowp_kernels` `gemm_bf16_stream_macros` docs). The
//! general driver instead runs tiles of up to `MR` rows per panel: 16 rows
//! are a 14-row and a 2-row tile, and the 2-row one, with four
//! accumulators, waits on `vdpbf16ps`'s latency (`docs/tuning.md`, "BF16
//! GEMM, small M streaming"). A B given unpacked is packed here a few
//! panels at a time, just before the kernel reads them (from L2).

use super::kernels::{PackARowsFn, StreamFn};
use super::pack::{Element, PackABf16};
use crate::context::Context;
use crate::gemm::f32_operands::SinkF32;
use crate::gemm::{buffers, PackA, PackB, PackedB, TileSink};
use crate::mat::MatRef;
use half::bf16;

/// Rows the streaming kernels take.
pub(crate) const MAX_ROWS: usize = 16;
/// Fewer rows stay on the driver's tiles: one row ran slower here (its
/// B stream is bound by memory, and the software prefetch only adds to it),
/// 8 and 16 faster (`docs/tuning.md`).
pub(crate) const MIN_ROWS: usize = 8;

/// Where the kernel's B panels come from.
pub(crate) enum StreamB<'a> {
    /// Packed beforehand over one K block.
    Packed(&'a PackedB<bf16>),
    /// Packed here, `PANELS_PER_PACK` panels at a time into the thread's buffer.
    Pack(&'a dyn PackB<bf16>, usize),
}

/// Panels packed at once when B comes unpacked: two (128 KiB at K = 4096,
/// read back from L2) measured faster than one, four or sixteen.
const PANELS_PER_PACK: usize = 2;

/// `C ← alpha·A·B + beta·C` (the sink holds C and β) for `1 ≤ m ≤
/// MAX_ROWS` rows, `k > 0`, `n > 0`, B in panels of `nr` columns over one
/// K block (A packed with `pack_a` where the level has it); the same bits
/// as the driver's tiles.
#[allow(clippy::too_many_arguments)]
pub(crate) fn stream<T: Element>(
    ctx: &Context,
    f: StreamFn,
    nr: usize,
    pack_a: Option<PackARowsFn>,
    alpha: f32,
    a: MatRef<'_, T>,
    b: StreamB<'_>,
    sink: &SinkF32,
    beta: f32,
) {
    let (m, k) = (a.rows(), a.cols());
    let n = match b {
        StreamB::Packed(pb) => pb.cols(),
        StreamB::Pack(_, n) => n,
    };
    debug_assert!((1..=MAX_ROWS).contains(&m) && k > 0 && n > 0);
    let kcp = k.next_multiple_of(2);
    let mut abuf = buffers::take::<bf16>(buffers::SLOT_A, m * kcp);
    let ap = &mut abuf[..m * kcp];
    PackABf16(a, pack_a).pack_a(ap, m, 0..m, 0..k);
    let ap: &[bf16] = ap;
    let panels = n.div_ceil(nr);
    let threads = ctx.gemm_threads(m, n, k, 2, 2).clamp(1, panels);
    let per = match b {
        StreamB::Packed(_) => panels,
        StreamB::Pack(..) => PANELS_PER_PACK,
    };
    ctx.run_parallel(threads, |t| {
        let mut tile = buffers::take::<f32>(buffers::SLOT_TILE, MAX_ROWS * nr);
        // Packing B: the thread's buffer for `per` panels (none prepacked).
        let blen = if matches!(b, StreamB::Pack(..)) {
            per * nr * kcp
        } else {
            0
        };
        let mut bbuf = buffers::take::<bf16>(buffers::SLOT_B, blen);
        let (p0, p1) = (panels * t / threads, panels * (t + 1) / threads);
        for c0 in (p0..p1).step_by(per) {
            let c1 = p1.min(c0 + per);
            let len = (c1 - c0) * nr * kcp;
            // The chunk's panels, one after another (`nr·kcp` each).
            let chunk: &[bf16] = match &b {
                StreamB::Packed(pb) => &pb.block(0, c0)[..len],
                StreamB::Pack(pb, _) => {
                    let buf = &mut bbuf[..len];
                    pb.pack_b(buf, nr, 0..k, c0 * nr..n.min(c1 * nr));
                    buf
                }
            };
            for p in c0..c1 {
                let bp = chunk[(p - c0) * nr * kcp..][..nr * kcp].as_ptr();
                let j = p * nr;
                let cols = nr.min(n - j);
                if cols == nr {
                    if let Some((c, rsc)) = sink.direct(0, j) {
                        // SAFETY: `ap` holds the m·kcp packed A, `bp` the panel's
                        // NR·kcp; the sink vouches for C's m × NR block at (0, j),
                        // only this task's; the table lists only kernels the CPU runs.
                        unsafe { f(kcp, ap.as_ptr().cast(), bp.cast(), c, rsc, m, alpha, beta) };
                        continue;
                    }
                }
                let tp = tile.as_mut_ptr();
                // SAFETY: as above, into the m × NR scratch tile (row stride NR).
                unsafe { f(kcp, ap.as_ptr().cast(), bp.cast(), tp, nr, m, alpha, 0.0) };
                sink.merge(&tile, nr, 0, j, m, cols, beta);
            }
        }
    });
}
