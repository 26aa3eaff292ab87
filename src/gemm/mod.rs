//! # The blocked GEMM driver, shared by every GEMM in lowp (f32 and INT8)
//!
//! One Goto/BLIS loop nest, generic over a microkernel description. An op
//! (sgemm, the INT8 GEMM, a 1×1 convolution) plugs in four things and gets
//! blocking, packing buffers, threading and edge handling for free:
//!
//! | piece | trait / type | who supplies it |
//! |---|---|---|
//! | the microkernel and its tile | [`Microkernel`] | the op (a table entry per ISA) |
//! | packing A into MR-row panels | [`PackA`] | the op (knows A's element type, strides, k-unit layout) |
//! | packing B into NR-column panels, or a prepacked B | [`PackB`] / [`BOperand`] / [`PackedB`] | the op |
//! | what happens to each finished tile (store, β, output pipeline) | [`TileSink`] | the op |
//!
//! The separate, reusable pieces are [`blocking`] (every block size and the
//! loop order, [`blocking::plan`], from the Context's cache sizes and one
//! per-CPU table), [`partition`] (the 2-D thread grid), [`buffers`]
//! (thread-local, 64-byte aligned, reused packing buffers) and [`f32_operands`] (the
//! f32 panel packers and C sink of every f32-output GEMM).
//!
//! ## The loop nest ([`gemm`])
//!
//! ```text
//! grid of tm × tn blocks of C, one task each (partition::Grid), per task:
//!   for jc in block's columns, step NC:          B block  KC × NC  (L3)
//!     for pc in 0..K, step KC:                   first = pc == 0, last = pc + KC >= K
//!       pack B[pc.., jc..] → NR-column panels    (or take the prepacked block)
//!       for ic in block's rows, step MC:         A block  MC × KC  (L2)
//!         pack A[ic.., pc..] → MR-row panels
//!         for each NR panel jr, for each MR panel ir:   micro-tile (B panel in L1)
//!           full tile, sink gives a direct pointer → kernel writes C itself
//!           short rows, direct pointer, kernel accepts tile_rows → same
//!           otherwise → kernel into the scratch tile (β = 0; only the
//!                       tile's rows when it has tile_rows), sink.store()
//! ```
//!
//! When a task's rows fit one A block (`rows ≤ MC`, e.g. M = 128), the order
//! is KC → (pack A once) → NC → (pack B) → tiles instead, and NC is cut so the
//! B block fits half of L2: nothing is packed twice and each packed B block
//! is consumed while hot.
//!
//! **Packing B while computing.** In that order, with k-unit 1, B is not
//! packed in a separate pass: each NR panel is packed by its first tile,
//! when that tile is full, C can be written directly, B can be read in
//! place ([`PackB::rows_at`]) and the kernel has [`Microkernel::tile_pack_b`]
//! (it reads B's rows, stores them into the panel and computes the tile in
//! one pass, prefetching B's rows ahead). Otherwise the panel is packed with
//! [`PackB::pack_b`] right before its first tile. Either way the panel holds
//! the same data, and the tile the same bits. (In the classic order B is
//! still packed in its own pass: packing B is a few percent of the time
//! there; `docs/tuning.md` has the figures.)
//!
//! **Short rows, two panels at a time.** One to three rows left under the
//! last full MR panel of an A block have too few accumulators to hide the
//! FMA latency alone; where the kernel has [`Microkernel::tile_rows_pair`],
//! they are computed for B panels 2q and 2q + 1 in one call, under the odd
//! panel (both are packed by then). Each element is still one FMA chain in
//! K order.
//!
//! K is never split across threads (not even for a small M·N with a large
//! K: threads split M and N only), so every element of C sums in the same
//! order for every thread count: results are bit-identical for 1..n threads.
//!
//! ## Contracts
//!
//! **Packed layouts.** The depth of a K block, `kc`, is padded to `kcp`, a
//! multiple of [`Microkernel::k_unit`] (1 for f32; 4 for INT8, VNNI and
//! the `vpmaddubsw` chain alike). A packed A block is `⌈mc/MR⌉` panels of exactly
//! `MR·kcp` elements each (panel `r` starts at `r·MR·kcp`); a packed B block
//! is `⌈nc/NR⌉` panels of `NR·kcp` elements each. The order *inside* a panel
//! is private to the kernel and its packers (f32: `[p][MR]` and `[p][NR]`;
//! INT8 VNNI: `[p/4][MR][4]` and `[p/4][NR][4]`). Packers must zero-fill
//! rows ≥ the block's rows, columns ≥ its columns, and depth ≥ `kc`, so a
//! kernel may always compute a full tile (a kernel whose `tile_rows` always
//! succeeds never reads A rows past the block's, so its A packer may leave
//! them unwritten). Ops whose prepacked B picks a kernel per column panel
//! say so with [`Microkernel::for_panel`].
//!
//! **Kernel call** ([`Microkernel::tile`]): BLIS-style
//! `tile(kcp, a_panel, b_panel, c, rsc, alpha, beta)` on a full `MR × NR`
//! tile with unit column stride: `C ← alpha·A·B + beta·C`, and
//! `beta == ZERO` must not read C. The driver passes the user's `beta` on
//! the first K block and `ONE` on the following ones when it lets the kernel
//! write C directly; on the scratch path it always passes `ZERO` and leaves
//! β (and everything else) to the sink. INT8 kernels, which have no α/β, use
//! `Scalar = i32` (or `()`-like markers): `alpha` is `ONE`, `beta` is
//! `ZERO` ("overwrite") or `ONE` ("accumulate").
//!
//! **Sink** ([`TileSink`]): `direct(i, j)` may return a pointer to C's
//! element `(i, j)` and C's row stride when the kernel can write the tile
//! there itself (accumulator type = output type, unit column stride). If it
//! returns `None` (output pipeline, strided or narrower output), every tile
//! is computed into a scratch `MR × NR` tile (row stride NR) and handed to
//! `store(tile, ld, i, j, rows, cols, first, last)`; `first` / `last` say
//! whether this tile holds the first / last K block of the sum, so an INT8
//! sink dequantizes or requantizes when `last` (and a sink that needs the
//! whole sum at once can make K one block with [`Problem::kc_at_least`]). Tiles
//! are visited in order of increasing K block for each (i, j), each by one
//! thread; different tiles may be stored concurrently from different threads.
//!
//! **Prepacked B** ([`PackedB`]): packed once with the same [`PackB`] in K
//! blocks of a fixed `kc`; the driver then uses that `kc` and skips B packing.

pub(crate) mod blocking;
pub(crate) mod buffers;
pub(crate) mod f32_operands;
pub(crate) mod huge_pages;
pub(crate) mod packed;
pub(crate) mod partition;
#[cfg(test)]
mod plan_golden;

pub use packed::PackedB;

use crate::buffer::Zeroed;
use crate::context::Context;
use blocking::{round_up, LoopOrder, Plan};
use std::ops::Range;

/// A GEMM microkernel as the driver sees it: its element types, tile and
/// k-unit, and the call itself.
///
/// # Safety
///
/// Implementors promise that [`Microkernel::tile`] and
/// [`Microkernel::tile_rows`] only touch the memory their contracts name,
/// and that their function pointers were selected for an ISA the CPU has.
pub(crate) unsafe trait Microkernel: Sync {
    /// Element of a packed A panel (f32; u8 for INT8).
    type PackedA: Zeroed + Send + Sync + 'static;
    /// Element of a packed B panel (f32; i8 for INT8).
    type PackedB: Zeroed + Send + Sync + 'static;
    /// Element of the accumulated tile (f32; i32 for INT8).
    type Acc: Zeroed + Send + Sync + 'static;
    /// Type of α and β.
    type Scalar: Copy + PartialEq + Send + Sync;
    /// β that means "do not read C" (0).
    const ZERO: Self::Scalar;
    /// α that means "as is", β that means "accumulate" (1).
    const ONE: Self::Scalar;

    /// Rows of a tile.
    fn mr(&self) -> usize;
    /// Columns of a tile.
    fn nr(&self) -> usize;
    /// K is consumed (and padded) in units of this many elements.
    fn k_unit(&self) -> usize;

    /// `C ← alpha·A·B + beta·C` on a full `MR × NR` tile (see the module docs)
    /// whose element (0, 0) is C's element `at` (a kernel that folds per-row
    /// or per-column terms into its tile, as the INT8 zero-point correction,
    /// finds them there; others ignore it).
    ///
    /// # Safety
    ///
    /// `a` is readable for `MR·kcp` elements, `b` for `NR·kcp`, `kcp` a
    /// multiple of the k-unit; `c[i·rsc + j]` is valid for `i < MR`,
    /// `j < NR` and no other thread touches it.
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile(
        &self,
        at: (usize, usize),
        kcp: usize,
        a: *const Self::PackedA,
        b: *const Self::PackedB,
        c: *mut Self::Acc,
        rsc: usize,
        alpha: Self::Scalar,
        beta: Self::Scalar,
    );

    /// Optional: the same for only the first `rows < MR` rows of the tile
    /// (writing only `rows` rows of C). Returns `false`, having done nothing,
    /// when the kernel has no such variant; the driver then uses the scratch
    /// tile.
    ///
    /// # Safety
    ///
    /// As [`Microkernel::tile`], with `c` valid for `rows` rows.
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile_rows(
        &self,
        at: (usize, usize),
        rows: usize,
        kcp: usize,
        a: *const Self::PackedA,
        b: *const Self::PackedB,
        c: *mut Self::Acc,
        rsc: usize,
        alpha: Self::Scalar,
        beta: Self::Scalar,
    ) -> bool {
        let _ = (at, rows, kcp, a, b, c, rsc, alpha, beta);
        false
    }

    /// Optional: whether [`Microkernel::tile_rows_pair`] takes `rows` rows
    /// (`1 ≤ rows < MR`). Default: never.
    fn pair_rows(&self, rows: usize) -> bool {
        let _ = rows;
        false
    }

    /// The first `rows` rows of an A panel times two adjacent B panels
    /// (`b`, then `b2` for the next `NR` columns), into C's `rows × 2·NR`
    /// block at `c`: the same bits as two [`Microkernel::tile_rows`] calls,
    /// with twice the independent accumulators. Only called where
    /// [`Microkernel::pair_rows`] says yes (the default panics).
    ///
    /// # Safety
    ///
    /// As [`Microkernel::tile_rows`], with `b` and `b2` readable for
    /// `NR·kcp` elements each and `c[i·rsc + j]` valid for `i < rows`,
    /// `j < 2·NR`.
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile_rows_pair(
        &self,
        rows: usize,
        kcp: usize,
        a: *const Self::PackedA,
        b: *const Self::PackedB,
        b2: *const Self::PackedB,
        c: *mut Self::Acc,
        rsc: usize,
        alpha: Self::Scalar,
        beta: Self::Scalar,
    ) {
        let _ = (rows, kcp, a, b, b2, c, rsc, alpha, beta);
        unreachable!("tile_rows_pair without pair_rows")
    }

    /// Optional: the kernel to run on B's column panel `panel` (global
    /// index, in units of NR), for ops whose prepacked B chooses a kernel
    /// per panel (INT8: the `vpmaddubsw` chain or the exact s16 path). The
    /// returned kernel must have the same MR, NR, k-unit and packed layouts.
    /// Default: `self` for every panel.
    fn for_panel(&self, panel: usize) -> &Self {
        let _ = panel;
        self
    }

    /// Optional: [`Microkernel::tile`] on a full tile that also packs its B
    /// micro-panel, reading B unpacked (element `(p, j)` at `b_src[p·rsb + j]`)
    /// and writing exactly the panel [`PackB::pack_b`] would write for these
    /// `kcp` rows and `NR` columns to `b_dst`. Only asked for when the k-unit
    /// is 1. Returns `false`, having done nothing, when the kernel has no such
    /// variant (the driver then packs the panel itself).
    ///
    /// # Safety
    ///
    /// As [`Microkernel::tile`], with `b_src[p·rsb + j]` readable for
    /// `p < kcp`, `j < NR`, and `b_dst` writable for `NR·kcp` elements.
    #[allow(clippy::too_many_arguments)]
    unsafe fn tile_pack_b(
        &self,
        at: (usize, usize),
        kcp: usize,
        a: *const Self::PackedA,
        b_src: *const Self::PackedB,
        rsb: usize,
        b_dst: *mut Self::PackedB,
        c: *mut Self::Acc,
        rsc: usize,
        alpha: Self::Scalar,
        beta: Self::Scalar,
    ) -> bool {
        let _ = (at, kcp, a, b_src, rsb, b_dst, c, rsc, alpha, beta);
        false
    }
}

/// Packs blocks of A into MR-row panels (see the module docs for the layout).
pub(crate) trait PackA<P>: Sync {
    /// Packs rows `rows` and depth `ks` of A into `dst`, which holds exactly
    /// `⌈rows.len()/mr⌉·mr·kcp` elements (`kcp` = `ks.len()` rounded up to
    /// the k-unit), zero-filling the padding.
    fn pack_a(&self, dst: &mut [P], mr: usize, rows: Range<usize>, ks: Range<usize>);
}

/// Packs blocks of B into NR-column panels (see the module docs).
pub(crate) trait PackB<P>: Sync {
    /// Packs depth `ks` and columns `cols` of B into `dst`, which holds
    /// exactly `⌈cols.len()/nr⌉·nr·kcp` elements, zero-filling the padding.
    fn pack_b(&self, dst: &mut [P], nr: usize, ks: Range<usize>, cols: Range<usize>);

    /// Optional: B read in place, when it is stored row by row in the packed
    /// element type with unit column stride (f32 row-major): the slice starts
    /// at element `(k0, j0)`, element `(k0 + p, j0 + j)` is at `[p·rs + j]`,
    /// and `rs` is returned alongside. Lets a kernel with
    /// [`Microkernel::tile_pack_b`] pack B while computing. Default: `None`.
    fn rows_at(&self, k0: usize, j0: usize) -> Option<(&[P], usize)> {
        let _ = (k0, j0);
        None
    }
}

/// The B operand of a driver call.
pub(crate) enum BOperand<'a, P> {
    /// Packed block by block during the call.
    Pack(&'a dyn PackB<P>),
    /// Packed beforehand ([`PackedB`]); must match the kernel (checked by the op).
    Prepacked(&'a PackedB<P>),
}

/// Receives finished tiles (see the module docs).
///
/// # Safety
///
/// A pointer returned by [`TileSink::direct`] must be valid for writing the
/// whole tile at `(i, j)` (`MR` rows of `NR` elements, unit column stride,
/// rows `rsc` apart) for every in-range `(i, j)` the driver asks about, and
/// distinct tiles must not overlap. (A sink whose kernel finishes direct
/// tiles in a fused epilogue into an output of another element type, as the
/// INT8 pipelines do, may return that tile's element of the output instead:
/// the driver only hands direct pointers to the kernel.)
pub(crate) unsafe trait TileSink<Acc>: Sync {
    /// Pointer to C's element `(i, j)` and C's row stride, when the kernel may
    /// write this tile (all `NR` columns present) directly.
    fn direct(&self, i: usize, j: usize) -> Option<(*mut Acc, usize)>;

    /// Merges the scratch tile (`rows × cols` valid, row stride `ld`) into
    /// the output at `(i, j)`. The tile is the driver's scratch: the sink
    /// may use it in place (e.g. an INT8 pipeline's zero-point correction).
    #[allow(clippy::too_many_arguments)]
    fn store(
        &self,
        tile: &mut [Acc],
        ld: usize,
        i: usize,
        j: usize,
        rows: usize,
        cols: usize,
        first: bool,
        last: bool,
    );

    /// Called by each task after its last tile (on the task's thread): a
    /// sink that wrote C with streaming stores fences them here.
    fn task_done(&self) {}

    /// Called right after the kernel wrote the last K block of the tile
    /// `rows × cols` at `(i, j)` directly (while it is in L1): a sink with an
    /// f32 epilogue (bias, activation) applies it there. Default: nothing.
    fn finish(&self, i: usize, j: usize, rows: usize, cols: usize) {
        let _ = (i, j, rows, cols);
    }
}

/// One driver call's problem: `C (m×n) ← alpha·A (m×k)·B (k×n) (+ beta·C)`.
pub(crate) struct Problem<'a, K: Microkernel> {
    /// Rows of A and C.
    pub m: usize,
    /// Columns of B and C.
    pub n: usize,
    /// Depth (columns of A, rows of B); must be > 0.
    pub k: usize,
    /// Packs A.
    pub a: &'a dyn PackA<K::PackedA>,
    /// B, to pack or prepacked.
    pub b: BOperand<'a, K::PackedB>,
    /// Receives tiles.
    pub sink: &'a dyn TileSink<K::Acc>,
    /// α, passed to the kernel.
    pub alpha: K::Scalar,
    /// β for the direct path's first K block.
    pub beta: K::Scalar,
    /// Makes KC at least `min(x, K)` (`None`: KC from the caches). A sink
    /// that needs the whole K sum in one tile passes `Some(usize::MAX)`.
    pub kc_at_least: Option<usize>,
}

/// Runs the blocked GEMM over the Context's threads. `m`, `n` > 0; `k` may
/// be 0 (one empty K block: kernels get `kcp = 0`, tiles reach the sink).
pub(crate) fn gemm<K: Microkernel>(ctx: &Context, ukr: &K, p: &Problem<'_, K>) {
    let (mr, nr) = (ukr.mr(), ukr.nr());
    debug_assert!(p.m > 0 && p.n > 0);
    let plan = blocking::plan(
        ctx.cache_sizes(),
        &blocking::Request {
            geometry: blocking::Geometry {
                mr,
                nr,
                k_unit: ukr.k_unit(),
                a_bytes: std::mem::size_of::<K::PackedA>(),
                b_bytes: std::mem::size_of::<K::PackedB>(),
            },
            m: p.m,
            n: p.n,
            k: p.k,
            threads: ctx.gemm_threads(
                p.m,
                p.n,
                p.k,
                std::mem::size_of::<K::PackedA>(),
                std::mem::size_of::<K::PackedB>(),
            ),
            b: match &p.b {
                BOperand::Pack(_) => blocking::BKind::Pack,
                BOperand::Prepacked(pb) => blocking::BKind::Prepacked { kc: pb.kc() },
            },
            kc_at_least: p.kc_at_least,
        },
    );
    let grid = plan.grid;
    ctx.run_parallel(grid.tasks(), |t| {
        let rows = partition::split(p.m, grid.tm, mr, t / grid.tn);
        let cols = partition::split(p.n, grid.tn, nr, t % grid.tn);
        if !rows.is_empty() && !cols.is_empty() {
            run_block(ukr, p, &plan, rows, cols);
        }
        p.sink.task_done();
    });
}

/// The serial loop nest over one block of C.
///
/// When the block's rows fit one A block (`rows ≤ MC`), K is the outer loop:
/// A is packed once per K block and each B block right before its use (so
/// nothing is packed twice). Otherwise the classic order NC → KC → MC. Either
/// way each C element sums its K blocks in increasing order.
fn run_block<K: Microkernel>(
    ukr: &K,
    p: &Problem<'_, K>,
    plan: &Plan,
    rows: Range<usize>,
    cols: Range<usize>,
) {
    let (mr, nr, ku) = (ukr.mr(), ukr.nr(), ukr.k_unit());
    let blk = plan.blocks;
    let kcp_max = round_up(blk.kc, ku);
    let mut abuf = buffers::take::<K::PackedA>(buffers::SLOT_A, round_up(blk.mc, mr) * kcp_max);
    let b_len = match p.b {
        BOperand::Pack(_) => round_up(blk.nc, nr) * kcp_max,
        BOperand::Prepacked(_) => 0,
    };
    let mut bbuf = buffers::take::<K::PackedB>(buffers::SLOT_B, b_len);
    let mut scratch = buffers::take::<K::Acc>(buffers::SLOT_TILE, mr * nr);

    // Packs (or looks up) the B block (pc.., jc..) and returns it.
    let b_block = |bbuf: &mut [K::PackedB], pc: usize, kcb: usize, jc: usize, ncb: usize| -> (usize, usize) {
        let len = ncb.div_ceil(nr) * nr * round_up(kcb, ku);
        if let BOperand::Pack(pb) = p.b {
            pb.pack_b(&mut bbuf[..len], nr, pc..pc + kcb, jc..jc + ncb);
        }
        (0, len)
    };
    // (start, depth) of each K block; K = 0 is one empty block.
    let k_blocks = || {
        let (mut pc, mut done) = (0, false);
        std::iter::from_fn(move || {
            (!done).then(|| {
                let kcb = blk.kc.min(p.k - pc);
                pc += kcb;
                done = pc >= p.k;
                (pc - kcb, kcb)
            })
        })
    };
    let col_blocks = || {
        (cols.start..cols.end)
            .step_by(blk.nc)
            .map(|jc| (jc, blk.nc.min(cols.end - jc)))
    };

    if plan.order(rows.len()) == LoopOrder::OneABlock {
        let (ic, mcb) = (rows.start, rows.len());
        for (pc, kcb) in k_blocks() {
            let kcp = round_up(kcb, ku);
            let alen = mcb.div_ceil(mr) * mr * kcp;
            p.a.pack_a(&mut abuf[..alen], mr, ic..ic + mcb, pc..pc + kcb);
            for (jc, ncb) in col_blocks() {
                let bblock = match p.b {
                    BOperand::Pack(pb) if ku == 1 => {
                        let len = ncb.div_ceil(nr) * nr * kcp;
                        BBlock::Fill(&mut bbuf[..len], pb)
                    }
                    BOperand::Pack(_) => {
                        let (s, e) = b_block(&mut bbuf, pc, kcb, jc, ncb);
                        BBlock::Ready(&bbuf[s..e])
                    }
                    BOperand::Prepacked(pb) => {
                        BBlock::Ready(&pb.block(pc, jc / nr)[..ncb.div_ceil(nr) * nr * kcp])
                    }
                };
                macro_kernel(
                    ukr,
                    p,
                    &abuf[..alen],
                    bblock,
                    &mut scratch,
                    (ic, mcb),
                    (jc, ncb),
                    (pc, kcb),
                );
            }
        }
    } else {
        for (jc, ncb) in col_blocks() {
            for (pc, kcb) in k_blocks() {
                let kcp = round_up(kcb, ku);
                let (s, e) = b_block(&mut bbuf, pc, kcb, jc, ncb);
                let bblock: &[K::PackedB] = match p.b {
                    BOperand::Pack(_) => &bbuf[s..e],
                    BOperand::Prepacked(pb) => &pb.block(pc, jc / nr)[..e - s],
                };
                let mut ic = rows.start;
                while ic < rows.end {
                    let mcb = blk.mc.min(rows.end - ic);
                    let alen = mcb.div_ceil(mr) * mr * kcp;
                    p.a.pack_a(&mut abuf[..alen], mr, ic..ic + mcb, pc..pc + kcb);
                    macro_kernel(
                        ukr,
                        p,
                        &abuf[..alen],
                        BBlock::Ready(bblock),
                        &mut scratch,
                        (ic, mcb),
                        (jc, ncb),
                        (pc, kcb),
                    );
                    ic += mcb;
                }
            }
        }
    }
}

/// The B block of one [`macro_kernel`] call.
enum BBlock<'b, P> {
    /// Packed already.
    Ready(&'b [P]),
    /// To be packed panel by panel into this buffer (k-unit 1 only): by the
    /// first MR panel's kernel when it can ([`Microkernel::tile_pack_b`]),
    /// else by [`PackB::pack_b`] right before the panel's first use.
    Fill(&'b mut [P], &'b dyn PackB<P>),
}

/// All tiles of one packed A block × one packed B block (BLIS's macro-kernel):
/// NR panels outer (the B micro-panel stays in L1), MR panels inner.
#[allow(clippy::too_many_arguments)]
fn macro_kernel<K: Microkernel>(
    ukr: &K,
    p: &Problem<'_, K>,
    ablock: &[K::PackedA],
    mut bblock: BBlock<'_, K::PackedB>,
    scratch: &mut [K::Acc],
    (ic, mcb): (usize, usize),
    (jc, ncb): (usize, usize),
    (pc, kcb): (usize, usize),
) {
    let (mr, nr, ku) = (ukr.mr(), ukr.nr(), ukr.k_unit());
    let kcp = round_up(kcb, ku);
    let first = pc == 0;
    let last = pc + kcb == p.k;
    let beta = if first { p.beta } else { K::ONE };
    let panels = ncb.div_ceil(nr);
    // C's `rows × 2·NR` block at (i, j0) for a two-panel rows kernel: both
    // panels' tiles direct, in one row stride, the second NR columns on.
    let pair_target = |i: usize, j0: usize| match (p.sink.direct(i, j0), p.sink.direct(i, j0 + nr)) {
        (Some((c, rsc)), Some((c2, rsc2))) if rsc2 == rsc && c2 == c.wrapping_add(nr) => Some((c, rsc)),
        _ => None,
    };
    for jr in 0..panels {
        let j = jc + jr * nr;
        let ukr = ukr.for_panel(j / nr);
        let cols_t = nr.min(jc + ncb - j);
        let panel = jr * nr * kcp..(jr + 1) * nr * kcp;
        // The previous panel (empty for the first): the partner of an odd
        // panel's short rows.
        let before = (jr.max(1) - 1) * nr * kcp..panel.start;
        let mut ir0 = 0;
        let (bp, prev): (&[K::PackedB], &[K::PackedB]) = match &mut bblock {
            BBlock::Ready(b) => (&b[panel], &b[before]),
            BBlock::Fill(buf, pb) => {
                let (packed, rest) = buf.split_at_mut(panel.start);
                let dst = &mut rest[..panel.len()];
                if fused_first_tile(ukr, p, *pb, ablock, dst, (ic, mcb), (j, cols_t), (pc, kcb), beta) {
                    if last {
                        p.sink.finish(ic, j, mr, nr);
                    }
                    ir0 = 1;
                } else {
                    pb.pack_b(dst, nr, pc..pc + kcb, j..j + cols_t);
                }
                (dst, &packed[before])
            }
        };
        for ir in ir0..mcb.div_ceil(mr) {
            let ap = &ablock[ir * mr * kcp..(ir + 1) * mr * kcp];
            let i = ic + ir * mr;
            let rows_t = mr.min(ic + mcb - i);
            // A few short rows go with the neighbouring panel, two panels in
            // one call (panels 2q and 2q + 1, when both are full): skipped
            // under the even panel, computed under the odd one, where both
            // are packed.
            if rows_t < mr && cols_t == nr && ukr.pair_rows(rows_t) {
                if jr % 2 == 0 {
                    if jr + 1 < panels && (jr + 2) * nr <= ncb && pair_target(i, j).is_some() {
                        continue;
                    }
                } else if let Some((c, rsc)) = pair_target(i, j - nr) {
                    // SAFETY: ap holds MR·kcp elements, `prev` and bp the
                    // NR·kcp of panels jr − 1 and jr; the sink vouches for
                    // both direct tiles at (i, j − NR) and (i, j), adjacent
                    // in one row stride, owned by this task.
                    unsafe {
                        ukr.tile_rows_pair(
                            rows_t,
                            kcp,
                            ap.as_ptr(),
                            prev.as_ptr(),
                            bp.as_ptr(),
                            c,
                            rsc,
                            p.alpha,
                            beta,
                        )
                    };
                    if last {
                        p.sink.finish(i, j - nr, rows_t, 2 * nr);
                    }
                    continue;
                }
            }
            if cols_t == nr {
                if let Some((c, rsc)) = p.sink.direct(i, j) {
                    if rows_t == mr {
                        // SAFETY: ap/bp hold MR·kcp / NR·kcp elements (sliced
                        // above); the sink vouches for the full tile at (i, j);
                        // this task owns rows i.., columns j.. of C.
                        unsafe { ukr.tile((i, j), kcp, ap.as_ptr(), bp.as_ptr(), c, rsc, p.alpha, beta) };
                        if last {
                            p.sink.finish(i, j, mr, nr);
                        }
                        continue;
                    }
                    // SAFETY: as above, for the tile's `rows_t` rows.
                    if unsafe {
                        ukr.tile_rows(
                            (i, j),
                            rows_t,
                            kcp,
                            ap.as_ptr(),
                            bp.as_ptr(),
                            c,
                            rsc,
                            p.alpha,
                            beta,
                        )
                    } {
                        if last {
                            p.sink.finish(i, j, rows_t, nr);
                        }
                        continue;
                    }
                }
            }
            let tile = &mut scratch[..mr * nr];
            let (a_p, b_p, t_p) = (ap.as_ptr(), bp.as_ptr(), tile.as_mut_ptr());
            // SAFETY: ap/bp as above; the scratch tile holds MR·NR
            // elements with row stride NR and belongs to this thread.
            let done = rows_t < mr
                && unsafe { ukr.tile_rows((i, j), rows_t, kcp, a_p, b_p, t_p, nr, p.alpha, K::ZERO) };
            if !done {
                // SAFETY: as above, for the full tile.
                unsafe { ukr.tile((i, j), kcp, a_p, b_p, t_p, nr, p.alpha, K::ZERO) };
            }
            p.sink.store(tile, nr, i, j, rows_t, cols_t, first, last);
        }
    }
}

/// The first (full, direct) tile of B panel `j` computed by
/// [`Microkernel::tile_pack_b`], which packs the panel into `dst` on the way.
/// Returns `false`, having done nothing, when the tile is not full, C cannot
/// be written directly, B cannot be read in place, or the kernel has no such
/// variant.
#[allow(clippy::too_many_arguments)]
fn fused_first_tile<K: Microkernel>(
    ukr: &K,
    p: &Problem<'_, K>,
    pb: &dyn PackB<K::PackedB>,
    ablock: &[K::PackedA],
    dst: &mut [K::PackedB],
    (ic, mcb): (usize, usize),
    (j, cols_t): (usize, usize),
    (pc, kcb): (usize, usize),
    beta: K::Scalar,
) -> bool {
    let (mr, nr) = (ukr.mr(), ukr.nr());
    if cols_t != nr || mcb < mr || ukr.k_unit() != 1 || dst.len() != nr * kcb {
        return false;
    }
    let (Some((c, rsc)), Some((src, rsb))) = (p.sink.direct(ic, j), pb.rows_at(pc, j)) else {
        return false;
    };
    if src.len() < (kcb - 1) * rsb + nr {
        return false;
    }
    let ap = &ablock[..mr * kcb];
    // SAFETY: ap holds MR·kcb elements; `src` holds the kcb rows of nr
    // elements `rsb` apart (checked above) and `dst` NR·kcb elements; the
    // sink vouches for the full tile at (ic, j), owned by this task.
    unsafe {
        ukr.tile_pack_b(
            (ic, j),
            kcb,
            ap.as_ptr(),
            src.as_ptr(),
            rsb,
            dst.as_mut_ptr(),
            c,
            rsc,
            p.alpha,
            beta,
        )
    }
}
