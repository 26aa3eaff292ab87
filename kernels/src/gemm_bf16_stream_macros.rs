//! The macro that stamps a BF16 GEMM *streaming* kernel: up to 16 rows of
//! A against one packed B panel over the whole of K, each B line read from
//! memory once.
//!
//! # Contract
//!
//! `unsafe fn(k, a, b, c, rsc, rows, alpha, beta)`: as the tile kernel
//! (crate `gemm_bf16_macros` docs) with `1 ≤ rows ≤ 16`, `a` a packed A
//! panel of `rows` pairs per group (`[q][rows][2]`, subnormals flushed or
//! read as zero by `dp`), `b` one packed B panel of `NR` pairs per group.
//! The sums are the tile kernel's, bit for bit: each element is one chain
//! over K in the same order; only the schedule differs.
//!
//! # Schedule
//!
//! Sixteen rows × 32 columns would take 32 accumulators, all the registers.
//! So the rows go in two groups (8 + 8 for 16) that take turns over chunks
//! of K: the first group's pass brings a chunk of the panel into L1, the
//! second reads it there, and each group's sums wait in memory between its
//! chunks (storing an f32 sum and loading it back changes no bit). Both
//! passes prefetch the next chunk's lines, one per K pair, so B is
//! requested at an even rate.

/// Stamps a streaming BF16 kernel (module docs) from an `ops` module of the
/// tile kernel's shape (`F`, `zero`, `splat_a`, `load_b`, `dp`, `load`,
/// `store`, `splat`, `mul`, `add`); `nv` vectors of `width` column pairs
/// per row; `features` the kernel's target features.
macro_rules! gemm_bf16_stream_kernel {
    (
        $(#[$attr:meta])*
        fn $name:ident;
        features = $feat:literal;
        nv = $nv:literal; width = $w:literal; ops = $($o:ident)::+;
    ) => {
        $(#[$attr])*
        ///
        /// # Safety
        ///
        /// The streaming kernel's contract (crate `gemm_bf16_stream_macros`
        /// docs): `k` even, `1 ≤ rows ≤ 16`, `a` valid for `k·rows` u16
        /// reads, `b` for `k·NR`, `c[i·rsc + j]` valid for `i < rows`,
        /// `j < NR`, and the CPU has every feature this function is
        /// compiled for.
        #[allow(clippy::too_many_arguments)]
        #[target_feature(enable = $feat)]
        pub unsafe fn $name(
            k: usize,
            a: *const u16,
            b: *const u16,
            c: *mut f32,
            rsc: usize,
            rows: usize,
            alpha: f32,
            beta: f32,
        ) {
            use $($o)::+ as o;
            const NV: usize = $nv;
            const W: usize = $w;
            /// B u16 per K pair of the panel.
            const GROUP: usize = NV * 2 * W;
            /// K pairs per chunk: 64 pairs of a 32-column panel are 8 KiB
            /// of B, a quarter of L1.
            const CHUNK: usize = 64;

            /// Pairs `q0..q1` of `G` rows (row `r0 + i` of a panel of
            /// `rows` rows) into `acc`, prefetching `lines` cache lines per
            /// pair from `pf` on. Not inlined: its caller keeps both groups'
            /// sums in memory, so only `G·NV` accumulators are live here.
            #[allow(clippy::too_many_arguments)]
            #[inline(never)]
            #[target_feature(enable = $feat)]
            unsafe fn group<const G: usize>(
                (q0, q1): (usize, usize),
                a: *const u16,
                rows: usize,
                r0: usize,
                b: *const u16,
                acc: &mut [[o::F; NV]; G],
                pf: *const u8,
                lines: usize,
            ) {
                let mut s = *acc;
                // SAFETY: the caller keeps q1 ≤ k/2, r0 + G ≤ rows: every
                // A and B read is inside the panels; prefetches do not
                // access memory (`wrapping_add`: they may point past B).
                unsafe {
                    let mut pa = a.add((q0 * rows + r0) * 2);
                    let mut pb = b.add(q0 * GROUP);
                    let mut pf = pf;
                    for _ in q0..q1 {
                        for l in 0..lines {
                            core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(
                                pf.wrapping_add(64 * l) as *const i8,
                            );
                        }
                        pf = pf.wrapping_add(64 * lines);
                        let mut bv: [o::B; NV] = [o::load_b(pb); NV];
                        for j in 1..NV {
                            bv[j] = o::load_b(pb.add(j * 2 * W));
                        }
                        for i in 0..G {
                            let ai = o::splat_a(pa.add(i * 2) as *const u32);
                            for j in 0..NV {
                                s[i][j] = o::dp(s[i][j], ai, bv[j]);
                            }
                        }
                        pa = pa.add(rows * 2);
                        pb = pb.add(GROUP);
                    }
                }
                *acc = s;
            }

            /// `C ← alpha·S + beta·C` for `G` rows at `c`, as the tile kernel.
            #[inline]
            #[target_feature(enable = $feat)]
            unsafe fn finish<const G: usize>(
                acc: &[[o::F; NV]; G],
                c: *mut f32,
                rsc: usize,
                alpha: f32,
                beta: f32,
            ) {
                // SAFETY: the caller's C rows, NV·W columns each.
                unsafe { gemm_bf16_store_rows!(o, W, acc, c, rsc, alpha, beta) }
            }

            /// Rows split `R0 + R1` (`R1` may be 0: one group).
            #[allow(clippy::too_many_arguments)]
            #[inline]
            #[target_feature(enable = $feat)]
            unsafe fn split<const R0: usize, const R1: usize>(
                k: usize,
                a: *const u16,
                b: *const u16,
                c: *mut f32,
                rsc: usize,
                alpha: f32,
                beta: f32,
            ) {
                let z = o::zero();
                let (mut s0, mut s1) = ([[z; NV]; R0], [[z; NV]; R1]);
                let rows = R0 + R1;
                let pairs = k / 2;
                // One line per pair in each pass; two when one pass reads
                // the whole chunk.
                let lines = GROUP * 2 / 64 / if R1 == 0 { 1 } else { 2 };
                let mut q0 = 0;
                // SAFETY: chunks inside 0..k/2; the caller's contract for
                // A, B and C (rows R0 + R1).
                unsafe {
                    while q0 < pairs {
                        let q1 = pairs.min(q0 + CHUNK);
                        // The next chunk's lines, split between the passes.
                        let next = (b as *const u8).wrapping_add(q1 * GROUP * 2);
                        group::<R0>((q0, q1), a, rows, 0, b, &mut s0, next, lines);
                        if R1 > 0 {
                            let half = next.wrapping_add((q1 - q0) * 64 * lines);
                            group::<R1>((q0, q1), a, rows, R0, b, &mut s1, half, lines);
                        }
                        q0 = q1;
                    }
                    finish::<R0>(&s0, c, rsc, alpha, beta);
                    finish::<R1>(&s1, c.add(R0 * rsc), rsc, alpha, beta);
                }
            }

            // SAFETY: the caller's contract, for `rows` rows.
            unsafe {
                match rows {
                    1 => split::<1, 0>(k, a, b, c, rsc, alpha, beta),
                    2 => split::<2, 0>(k, a, b, c, rsc, alpha, beta),
                    3 => split::<3, 0>(k, a, b, c, rsc, alpha, beta),
                    4 => split::<4, 0>(k, a, b, c, rsc, alpha, beta),
                    5 => split::<5, 0>(k, a, b, c, rsc, alpha, beta),
                    6 => split::<6, 0>(k, a, b, c, rsc, alpha, beta),
                    7 => split::<7, 0>(k, a, b, c, rsc, alpha, beta),
                    8 => split::<8, 0>(k, a, b, c, rsc, alpha, beta),
                    9 => split::<5, 4>(k, a, b, c, rsc, alpha, beta),
                    10 => split::<5, 5>(k, a, b, c, rsc, alpha, beta),
                    11 => split::<6, 5>(k, a, b, c, rsc, alpha, beta),
                    12 => split::<6, 6>(k, a, b, c, rsc, alpha, beta),
                    13 => split::<7, 6>(k, a, b, c, rsc, alpha, beta),
                    14 => split::<7, 7>(k, a, b, c, rsc, alpha, beta),
                    15 => split::<8, 7>(k, a, b, c, rsc, alpha, beta),
                    16 => split::<8, 8>(k, a, b, c, rsc, alpha, beta),
                    _ => {}
                }
            }
        }
    };
}
