//! Macros that stamp the f32 GEMM microkernels for one vector ISA.
//!
//! # The f32 microkernel contract (BLIS-like)
//!
//! **Tile kernel** `sgemm_f32_{MR}x{NR}_{isa}`:
//! `unsafe fn(k, a, b, c, rsc, alpha, beta)` computes, for a full `MR × NR`
//! tile, `C ← alpha·A·B + beta·C`, where
//! - `a` is a packed A micro-panel: `k` groups of `MR` consecutive f32
//!   (element `(i, p)` at `a[p·MR + i]`),
//! - `b` is a packed B micro-panel: `k` groups of `NR` consecutive f32
//!   (element `(p, j)` at `b[p·NR + j]`),
//! - `c` points at element `(0, 0)` of the tile, element `(i, j)` at
//!   `c[i·rsc + j]` (unit column stride),
//! - `beta == 0.0` means C is **not read** (NaN or garbage in C does not leak).
//!
//! `k == 0` is allowed (the tile becomes `beta·C`, or zeros when `beta == 0`).
//! The kernel never allocates, never reads or writes outside those elements,
//! and needs no alignment (unaligned loads/stores).
//!
//! **Strided rows kernel** `sgemm_f32_{M}x{NR}_strided_{isa}` (M = 1..MR):
//! `unsafe fn(k, a, rsa, csa, b, rsb, c, rsc, alpha, beta)` is the same for an
//! `M × NR` tile, but reads A with any strides (element `(i, p)` at
//! `a[i·rsa + p·csa]`, so a packed panel, a row-major or a column-major A all
//! work unpacked) and B rows `rsb` apart (element `(p, j)` at `b[p·rsb + j]`:
//! a packed panel with `rsb = NR`, or an unpacked row-major B). This serves
//! small-M GEMM / GEMV (M ≤ 16 without packing A or B) and the short row
//! edges of the blocked GEMM.
//!
//! The accumulators of a tile live in registers for the whole K loop (one
//! vector of B per column block, A broadcast per row, FMA into `MR × NR/W`
//! independent accumulators).

/// Stamps an `MR × (NV·W)` tile kernel (see the module docs for the contract).
macro_rules! sgemm_f32_tile_kernel {
    (
        $(#[$attr:meta])*
        fn $name:ident;
        mr = $mr:literal; nv = $nv:literal; width = $w:literal;
        vec = $v:ty; zero = $zero:expr;
        load = $load:path; store = $store:path;
        splat = $splat:path; fma = $fma:path; mul = $mul:path;
        prefetch = $pf:path;
    ) => {
        $(#[$attr])*
        ///
        /// # Safety
        ///
        /// The contract of the f32 tile kernel (crate `sgemm_macros` docs):
        /// `a` valid for `k·MR` reads, `b` for `k·NR` reads, `c` valid for the
        /// tile's elements `c[i·rsc + j]`, `i < MR`, `j < NR`, and the CPU has
        /// every feature this function is compiled for.
        #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
        pub unsafe fn $name(
            k: usize,
            a: *const f32,
            b: *const f32,
            c: *mut f32,
            rsc: usize,
            alpha: f32,
            beta: f32,
        ) {
            const MR: usize = $mr;
            const NV: usize = $nv;
            const W: usize = $w;
            let mut acc: [[$v; NV]; MR] = [[$zero; NV]; MR];
            let mut pa = a;
            let mut pb = b;
            // SAFETY: the caller guarantees `k·MR` readable f32 at `a`, `k·NR`
            // at `b` and the tile at `c`; every access below stays inside them.
            unsafe {
                // Pull the C tile towards L1 while the K loop runs (its first
                // and last element of each row; a prefetch never faults).
                for i in 0..MR {
                    $pf(c.wrapping_add(i * rsc));
                    $pf(c.wrapping_add(i * rsc + NV * W - 1));
                }
                // One step of K: NV vectors of B, MR broadcasts of A, MR·NV FMAs.
                macro_rules! step {
                    ($u:expr) => {
                        let mut bv: [$v; NV] = [$zero; NV];
                        for j in 0..NV {
                            bv[j] = $load(pb.add($u * NV * W + j * W));
                        }
                        for i in 0..MR {
                            let ai = $splat(*pa.add($u * MR + i));
                            for j in 0..NV {
                                acc[i][j] = $fma(ai, bv[j], acc[i][j]);
                            }
                        }
                    };
                }
                let mut left = k;
                while left >= 4 {
                    step!(0);
                    step!(1);
                    step!(2);
                    step!(3);
                    pa = pa.wrapping_add(4 * MR);
                    pb = pb.wrapping_add(4 * NV * W);
                    left -= 4;
                }
                while left > 0 {
                    step!(0);
                    pa = pa.wrapping_add(MR);
                    pb = pb.wrapping_add(NV * W);
                    left -= 1;
                }
                let va = $splat(alpha);
                if beta == 0.0 {
                    for i in 0..MR {
                        for j in 0..NV {
                            $store(c.add(i * rsc + j * W), $mul(acc[i][j], va));
                        }
                    }
                } else if beta == 1.0 {
                    for i in 0..MR {
                        for j in 0..NV {
                            let p = c.add(i * rsc + j * W);
                            $store(p, $fma(acc[i][j], va, $load(p)));
                        }
                    }
                } else {
                    let vb = $splat(beta);
                    for i in 0..MR {
                        for j in 0..NV {
                            let p = c.add(i * rsc + j * W);
                            $store(p, $fma(acc[i][j], va, $mul($load(p), vb)));
                        }
                    }
                }
            }
        }
    };
}

/// Stamps an `M × (NV·W)` strided rows kernel (see the module docs).
macro_rules! sgemm_f32_strided_kernel {
    (
        $(#[$attr:meta])*
        fn $name:ident;
        m = $m:literal; nv = $nv:literal; width = $w:literal;
        vec = $v:ty; zero = $zero:expr;
        load = $load:path; store = $store:path;
        splat = $splat:path; fma = $fma:path; mul = $mul:path;
        prefetch = $pf:path;
    ) => {
        $(#[$attr])*
        ///
        /// # Safety
        ///
        /// The contract of the f32 strided rows kernel (crate `sgemm_macros`
        /// docs): `a[i·rsa + p·csa]` readable for `i < M`, `p < k`;
        /// `b[p·rsb + j]` readable for `p < k`, `j < NR`; `c[i·rsc + j]`
        /// valid for `i < M`, `j < NR`; the CPU has this function's features.
        #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
        pub unsafe fn $name(
            k: usize,
            a: *const f32,
            rsa: usize,
            csa: usize,
            b: *const f32,
            rsb: usize,
            c: *mut f32,
            rsc: usize,
            alpha: f32,
            beta: f32,
        ) {
            const M: usize = $m;
            const NV: usize = $nv;
            const W: usize = $w;
            const PREFETCH_AHEAD: usize = 4 * NV * W;
            const PREFETCH_MIN_ROWS: usize = 5;
            let mut acc: [[$v; NV]; M] = [[$zero; NV]; M];
            let mut pa = a;
            let mut pb = b;
            // SAFETY: the caller guarantees the strided A rows, the B rows and
            // the C tile described above; every access stays inside them.
            unsafe {
                for _ in 0..k {
                    let mut bv: [$v; NV] = [$zero; NV];
                    for j in 0..NV {
                        bv[j] = $load(pb.add(j * W));
                    }
                    // An unpacked B is read strip by strip along its rows:
                    // ask for this row's data a few strips ahead. (Measured on
                    // Zen 4: +8% for 16×4096×4096, where 16 rows are streamed
                    // at once; −10..20% for 1 to 4 rows, where the hardware
                    // prefetchers alone follow the 8 streams. Prefetching
                    // both lines of a 32-float strip instead of the first:
                    // 8×4096×4096 39 → 49 GFLOP/s, prepacked 16×4096×4096
                    // 58 → 87.)
                    if M >= PREFETCH_MIN_ROWS {
                        // Every cache line of the strip (NR floats may span
                        // several), not only its first.
                        let mut off = 0;
                        while off < NV * W {
                            $pf(pb.wrapping_add(PREFETCH_AHEAD + off));
                            off += 16;
                        }
                    }
                    for i in 0..M {
                        let ai = $splat(*pa.add(i * rsa));
                        for j in 0..NV {
                            acc[i][j] = $fma(ai, bv[j], acc[i][j]);
                        }
                    }
                    pa = pa.wrapping_add(csa);
                    pb = pb.wrapping_add(rsb);
                }
                let va = $splat(alpha);
                if beta == 0.0 {
                    for i in 0..M {
                        for j in 0..NV {
                            $store(c.add(i * rsc + j * W), $mul(acc[i][j], va));
                        }
                    }
                } else if beta == 1.0 {
                    for i in 0..M {
                        for j in 0..NV {
                            let p = c.add(i * rsc + j * W);
                            $store(p, $fma(acc[i][j], va, $load(p)));
                        }
                    }
                } else {
                    let vb = $splat(beta);
                    for i in 0..M {
                        for j in 0..NV {
                            let p = c.add(i * rsc + j * W);
                            $store(p, $fma(acc[i][j], va, $mul($load(p), vb)));
                        }
                    }
                }
            }
        }
    };
}

/// Stamps an `MR × (NV·W)` tile kernel that packs its B micro-panel on the
/// fly: `unsafe fn(k, a, b_src, rsb, b_dst, c, rsc, alpha, beta)` computes
/// exactly what the tile kernel computes with `b = b_dst`, but reads B
/// unpacked (element `(p, j)` at `b_src[p·rsb + j]`, e.g. a row-major B) and
/// stores every row it reads into the packed panel (`b_dst[p·NR + j]`), so
/// the driver's first MR panel packs B while computing (as BLIS and oneDNN
/// do) instead of in a separate, latency-bound pass. Rows of `b_src` a few
/// steps ahead are prefetched (a strided B defeats the hardware prefetchers).
macro_rules! sgemm_f32_tile_packb_kernel {
    (
        $(#[$attr:meta])*
        fn $name:ident;
        mr = $mr:literal; nv = $nv:literal; width = $w:literal;
        vec = $v:ty; zero = $zero:expr;
        load = $load:path; store = $store:path;
        splat = $splat:path; fma = $fma:path; mul = $mul:path;
        prefetch = $pf:path;
    ) => {
        $(#[$attr])*
        ///
        /// # Safety
        ///
        /// `a` valid for `k·MR` reads, `b_src[p·rsb + j]` readable for
        /// `p < k`, `j < NR`, `b_dst` valid for `k·NR` writes and not
        /// overlapping the other operands, `c` valid for the tile's elements
        /// `c[i·rsc + j]`, `i < MR`, `j < NR`, and the CPU has every feature
        /// this function is compiled for.
        #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
        pub unsafe fn $name(
            k: usize,
            a: *const f32,
            b_src: *const f32,
            rsb: usize,
            b_dst: *mut f32,
            c: *mut f32,
            rsc: usize,
            alpha: f32,
            beta: f32,
        ) {
            const MR: usize = $mr;
            const NV: usize = $nv;
            const W: usize = $w;
            /// Rows of B prefetched ahead of the one being read.
            const AHEAD: usize = 8;
            let mut acc: [[$v; NV]; MR] = [[$zero; NV]; MR];
            let mut pa = a;
            let mut ps = b_src;
            let mut pd = b_dst;
            // SAFETY: the caller guarantees `k·MR` readable f32 at `a`, the
            // `k` strided rows at `b_src`, `k·NR` writable at `b_dst` and the
            // tile at `c`; every access below stays inside them (prefetches
            // may point past them, which never faults).
            unsafe {
                for i in 0..MR {
                    $pf(c.wrapping_add(i * rsc));
                    $pf(c.wrapping_add(i * rsc + NV * W - 1));
                }
                for p in 0..AHEAD.min(k) {
                    let mut off = 0;
                    while off < NV * W {
                        $pf(b_src.wrapping_add(p * rsb + off));
                        off += 16;
                    }
                }
                for _ in 0..k {
                    let mut bv: [$v; NV] = [$zero; NV];
                    for j in 0..NV {
                        bv[j] = $load(ps.add(j * W));
                        $store(pd.add(j * W), bv[j]);
                    }
                    let mut off = 0;
                    while off < NV * W {
                        $pf(ps.wrapping_add(AHEAD * rsb + off));
                        off += 16;
                    }
                    for i in 0..MR {
                        let ai = $splat(*pa.add(i));
                        for j in 0..NV {
                            acc[i][j] = $fma(ai, bv[j], acc[i][j]);
                        }
                    }
                    pa = pa.wrapping_add(MR);
                    ps = ps.wrapping_add(rsb);
                    pd = pd.wrapping_add(NV * W);
                }
                let va = $splat(alpha);
                if beta == 0.0 {
                    for i in 0..MR {
                        for j in 0..NV {
                            $store(c.add(i * rsc + j * W), $mul(acc[i][j], va));
                        }
                    }
                } else if beta == 1.0 {
                    for i in 0..MR {
                        for j in 0..NV {
                            let p = c.add(i * rsc + j * W);
                            $store(p, $fma(acc[i][j], va, $load(p)));
                        }
                    }
                } else {
                    let vb = $splat(beta);
                    for i in 0..MR {
                        for j in 0..NV {
                            let p = c.add(i * rsc + j * W);
                            $store(p, $fma(acc[i][j], va, $mul($load(p), vb)));
                        }
                    }
                }
            }
        }
    };
}
