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
//! **Packing tile kernel** `sgemm_f32_{MR}x{NR}_packb_{isa}`:
//! `unsafe fn(k, a, b_src, rsb, b_dst, c, rsc, alpha, beta)` computes exactly
//! what the tile kernel computes with `b = b_dst`, but reads B unpacked
//! (element `(p, j)` at `b_src[p·rsb + j]`, e.g. a row-major B) and stores
//! every row it reads into the packed panel (`b_dst[p·NR + j]`), so the
//! driver's first MR panel packs B while computing (as BLIS and oneDNN do)
//! instead of in a separate, latency-bound pass. It also prefetches, into L2,
//! the same rows of the B panel [`PACKB_AHEAD_PANELS`] panels to the right,
//! which the driver reads a few tiles later: the B stream from memory then
//! overlaps the compute of the panels in between (docs/tuning.md).
//!
//! **B-streaming tile kernel** `sgemm_f32_{MR}x{NR}_bstream_{isa}`:
//! `unsafe fn(k, a, b, rsb, ahead, c, rsc, rows, alpha, beta)`: the tile
//! kernel with B's rows `rsb` apart (a row-major B read in place, or half of
//! a wider packed panel), the lines `ahead` floats past each B row read
//! prefetched into L2 (`ahead = 0`: none), and only the first `rows ≤ MR`
//! rows of C written (the packed A panel still holds `MR` rows). With MR =
//! 16 it computes a whole GEMM of up to 16 rows reading each element of B
//! once, straight from memory: the small-M path.
//!
//! The three tile kernels are one body
//! (`sgemm_f32_tile_kernel!(@body …)`), and every kernel shares the
//! epilogue (`sgemm_f32_store_tile!`).
//!
//! The accumulators of a tile live in registers for the whole K loop (one
//! vector of B per column block, A broadcast per row, FMA into `MR × NR/W`
//! independent accumulators).

// The sweep and prefetch items serve the x86-64 kernels only.
#![cfg_attr(not(target_arch = "x86_64"), allow(dead_code, unused_macros))]

/// How many NR-column panels ahead the packing tile kernel prefetches B's
/// rows (into L2): fewer than 2 leaves the B stream exposed, more gains
/// nothing (docs/tuning.md, "Microkernels").
pub const PACKB_AHEAD_PANELS: usize = 4;

/// The shared epilogue: `C ← alpha·acc + beta·C` for the first `$rows` of
/// `$m × $nv` vectors of width `$w` at `c[i·rsc + j·W]` (β = 0: C is not
/// read).
macro_rules! sgemm_f32_store_tile {
    (
        $acc:ident, $c:ident, $rsc:ident, $alpha:ident, $beta:ident;
        m = $m:expr; rows = $rows:expr; nv = $nv:expr; width = $w:expr;
        load = $load:path; store = $store:path;
        splat = $splat:path; fma = $fma:path; mul = $mul:path;
    ) => {
        let va = $splat($alpha);
        let rows: usize = $rows;
        if $beta == 0.0 && $alpha == 1.0 {
            // acc·1 is acc bit for bit (an FMA never yields a signalling
            // NaN): skip the MR·NV multiplies, which take FMA-pipe slots.
            for i in 0..$m {
                for j in 0..$nv {
                    if i < rows {
                        $store($c.add(i * $rsc + j * $w), $acc[i][j]);
                    }
                }
            }
        } else if $beta == 0.0 {
            for i in 0..$m {
                for j in 0..$nv {
                    if i < rows {
                        $store($c.add(i * $rsc + j * $w), $mul($acc[i][j], va));
                    }
                }
            }
        } else if $beta == 1.0 {
            for i in 0..$m {
                for j in 0..$nv {
                    if i < rows {
                        let p = $c.add(i * $rsc + j * $w);
                        $store(p, $fma($acc[i][j], va, $load(p)));
                    }
                }
            }
        } else {
            let vb = $splat($beta);
            for i in 0..$m {
                for j in 0..$nv {
                    if i < rows {
                        let p = $c.add(i * $rsc + j * $w);
                        $store(p, $fma($acc[i][j], va, $mul($load(p), vb)));
                    }
                }
            }
        }
    };
}

/// Stamps an `MR × (NV·W)` tile kernel (`fn …`), packing tile kernel
/// (`packb fn …`) or B-streaming tile kernel (`bstream fn …`); see the
/// module docs for the contracts. All three run the same body.
macro_rules! sgemm_f32_tile_kernel {
    ($(#[$attr:meta])* fn $name:ident; $($p:tt)*) => {
        sgemm_f32_tile_kernel!(@fn $name; $(#[$attr])*
            ///
            /// # Safety
            ///
            /// The contract of the f32 tile kernel (crate `sgemm_macros` docs):
            /// `a` valid for `k·MR` reads, `b` for `k·NR` reads, `c` valid for the
            /// tile's elements `c[i·rsc + j]`, `i < MR`, `j < NR`, and the CPU has
            /// every feature this function is compiled for.
            params (k: usize, a: *const f32, b: *const f32, c: *mut f32, rsc: usize, alpha: f32, beta: f32)
            // B read packed (`rsb = NR`), nothing stored, nothing prefetched.
            body (pack = false, packed_b = true, ahead_panels = 0, ahead = 0, rows = usize::MAX;
                k, a, b, 0, core::ptr::null_mut(), c, rsc, alpha, beta);
            $($p)*);
    };
    ($(#[$attr:meta])* packb fn $name:ident; $($p:tt)*) => {
        sgemm_f32_tile_kernel!(@fn $name; $(#[$attr])*
            ///
            /// # Safety
            ///
            /// The contract of the f32 packing tile kernel (crate `sgemm_macros`
            /// docs): `a` valid for `k·MR` reads, `b_src[p·rsb + j]` readable for
            /// `p < k`, `j < NR`, `b_dst` valid for `k·NR` writes and not
            /// overlapping the other operands, `c` valid for the tile's elements
            /// `c[i·rsc + j]`, `i < MR`, `j < NR`, and the CPU has every feature
            /// this function is compiled for.
            params (k: usize, a: *const f32, b_src: *const f32, rsb: usize, b_dst: *mut f32, c: *mut f32, rsc: usize, alpha: f32, beta: f32)
            body (pack = true, packed_b = false, ahead_panels = $crate::sgemm_macros::PACKB_AHEAD_PANELS,
                ahead = 0, rows = usize::MAX; k, a, b_src, rsb, b_dst, c, rsc, alpha, beta);
            $($p)*);
    };
    ($(#[$attr:meta])* bstream fn $name:ident; $($p:tt)*) => {
        sgemm_f32_tile_kernel!(@fn $name; $(#[$attr])*
            ///
            /// # Safety
            ///
            /// The contract of the f32 B-streaming tile kernel (crate
            /// `sgemm_macros` docs): `a` valid for `k·MR` reads, `b[p·rsb + j]`
            /// readable for `p < k`, `j < NR`, `rows ≤ MR`, `c` valid for the
            /// elements `c[i·rsc + j]`, `i < rows`, `j < NR`, and the CPU has
            /// every feature this function is compiled for.
            params (k: usize, a: *const f32, b: *const f32, rsb: usize, ahead: usize, c: *mut f32, rsc: usize, rows: usize, alpha: f32, beta: f32)
            // Nothing stored to a panel; prefetches never fault.
            body (pack = false, packed_b = false, ahead_panels = 0, ahead = ahead, rows = rows;
                k, a, b, rsb, core::ptr::null_mut(), c, rsc, alpha, beta);
            $($p)*);
    };
    // One kernel: its documentation, its parameters, and the body's
    // arguments (the three kinds differ only there).
    (@fn $name:ident; $(#[$attr:meta])* params ($($arg:ident: $ty:ty),*) body ($($body:tt)*); $($p:tt)*) => {
        $(#[$attr])*
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name($($arg: $ty),*) {
            // SAFETY: the caller upholds this kernel's contract (its `# Safety`
            // section), which is the body's contract for these arguments.
            unsafe { sgemm_f32_tile_kernel!(@body $($body)*; $($p)*) }
        }
    };
    // The body (an unsafe context): B row p at `b[p·rsb..][..NR]` (`rsb =
    // NR` with `packed_b`); with `pack`, each row is also stored at
    // `b_dst[p·NR..]`; the lines `ahead + ahead_panels·NR` floats past each B
    // row read are prefetched into L2 when that is nonzero; only the first
    // `rows` rows of C are written. The caller guarantees what the contract
    // of its kernel says.
    (@body pack = $pack:expr, packed_b = $packed_b:expr, ahead_panels = $ahead_panels:expr,
        ahead = $ahead:expr, rows = $rows:expr;
        $k:ident, $a:ident, $b:ident, $rsb:expr, $b_dst:expr, $c:ident, $rsc:ident, $alpha:ident, $beta:ident;
        mr = $mr:literal; nv = $nv:literal; width = $w:literal;
        vec = $v:ty; zero = $zero:expr;
        load = $load:path; store = $store:path;
        splat = $splat:path; fma = $fma:path; mul = $mul:path;
        prefetch = $pf:path; prefetch_l2 = $pf2:path;
    ) => {{
        const MR: usize = $mr;
        const NV: usize = $nv;
        const W: usize = $w;
        const PACK: bool = $pack;
        /// Floats per cache line.
        const LINE: usize = 16;
        let rsb: usize = if $packed_b { NV * W } else { $rsb };
        let ahead: usize = $ahead + $ahead_panels * NV * W;
        let mut acc: [[$v; NV]; MR] = [[$zero; NV]; MR];
        let mut pa = $a;
        let mut pb = $b;
        let mut pd: *mut f32 = $b_dst;
        // Pull the C tile towards L1 while the K loop runs (its first and
        // last element of each row; a prefetch never faults).
        #[allow(clippy::needless_range_loop)]
        for i in 0..MR {
            $pf($c.wrapping_add(i * $rsc));
            $pf($c.wrapping_add(i * $rsc + NV * W - 1));
        }
        // One step of K: NV vectors of B (stored to the panel when
        // packing), MR broadcasts of A, MR·NV FMAs.
        macro_rules! step {
            ($u:expr) => {
                let mut bv: [$v; NV] = [$zero; NV];
                #[allow(clippy::needless_range_loop)]
                for j in 0..NV {
                    bv[j] = $load(pb.add($u * rsb + j * W));
                    if PACK {
                        $store(pd.add($u * NV * W + j * W), bv[j]);
                    }
                }
                if ahead != 0 {
                    let mut off = 0;
                    while off < NV * W {
                        $pf2(pb.wrapping_add($u * rsb + ahead + off));
                        off += LINE;
                    }
                }
                #[allow(clippy::needless_range_loop)]
                for i in 0..MR {
                    let ai = $splat(*pa.add($u * MR + i));
                    for j in 0..NV {
                        acc[i][j] = $fma(ai, bv[j], acc[i][j]);
                    }
                }
            };
        }
        let mut left = $k;
        while left >= 4 {
            step!(0);
            step!(1);
            step!(2);
            step!(3);
            pa = pa.wrapping_add(4 * MR);
            pb = pb.wrapping_add(4 * rsb);
            pd = pd.wrapping_add(4 * NV * W);
            left -= 4;
        }
        while left > 0 {
            step!(0);
            pa = pa.wrapping_add(MR);
            pb = pb.wrapping_add(rsb);
            pd = pd.wrapping_add(NV * W);
            left -= 1;
        }
        sgemm_f32_store_tile!(acc, $c, $rsc, $alpha, $beta;
            m = MR; rows = ($rows).min(MR); nv = NV; width = W;
            load = $load; store = $store; splat = $splat; fma = $fma; mul = $mul;);
    }};
}
/// `$mac! { attributes fn name; m = M; rest }` for each `name = M` of the
/// list: one kernel per row count, the same attributes and ISA parameters.
macro_rules! sgemm_f32_rows {
    ($mac:ident; $(#[$attr:meta])* fns = [$($name:ident = $m:literal),* $(,)?]; $($p:tt)*) => {
        sgemm_f32_rows!(@each $mac [$(#[$attr])*] [$($p)*] $($name $m)*);
    };
    (@each $mac:ident [$($attr:tt)*] [$($p:tt)*] $name:ident $m:literal $($rest:tt)*) => {
        $mac! { $($attr)* fn $name; m = $m; $($p)* }
        sgemm_f32_rows!(@each $mac [$($attr)*] [$($p)*] $($rest)*);
    };
    (@each $mac:ident $attr:tt $p:tt) => {};
}

/// Stamps an `M × (NV·W)` strided rows kernel (see the module docs), or
/// one per entry of `fns = [name = M, …];`.
macro_rules! sgemm_f32_strided_kernel {
    ($(#[$attr:meta])* fns = $fns:tt; $($p:tt)*) => {
        sgemm_f32_rows!(sgemm_f32_strided_kernel; $(#[$attr])* fns = $fns; $($p)*);
    };
    (
        $(#[$attr:meta])*
        fn $name:ident;
        m = $m:literal; nv = $nv:literal; width = $w:literal;
        vec = $v:ty; zero = $zero:expr;
        load = $load:path; store = $store:path;
        splat = $splat:path; fma = $fma:path; mul = $mul:path;
        prefetch = $pf:path; prefetch_l2 = $pf2:path;
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
            // Fewer rows: B rows this far ahead, into L2.
            const PREFETCH_ROWS_AHEAD_L2: usize = 32;
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
                    // ask for this row's data a few strips ahead; with 1 to
                    // 4 rows (a GEMV over prepacked panels) the panel's rows
                    // 32 ahead into L2 (docs/tuning.md, "Microkernels").
                    if M >= PREFETCH_MIN_ROWS {
                        // Every cache line of the strip (NR floats may span
                        // several), not only its first.
                        let mut off = 0;
                        while off < NV * W {
                            $pf(pb.wrapping_add(PREFETCH_AHEAD + off));
                            off += 16;
                        }
                    } else {
                        let mut off = 0;
                        while off < NV * W {
                            $pf2(pb.wrapping_add(PREFETCH_ROWS_AHEAD_L2 * rsb + off));
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
                sgemm_f32_store_tile!(acc, c, rsc, alpha, beta;
                    m = M; rows = M; nv = NV; width = W;
                    load = $load; store = $store; splat = $splat; fma = $fma; mul = $mul;);
            }
        }
    };
}

/// Stamps an `M × 2·NR` two-panel rows kernel
/// `sgemm_f32_{M}x{2·NR}_pair_{isa}`:
/// `unsafe fn(k, a, rsa, csa, b, b2, c, rsc, alpha, beta)` is the strided
/// rows kernel for two adjacent packed B panels at once (`b` for C's columns
/// `0..NR`, `b2` for `NR..2·NR`, each element `(p, j)` at `[p·NR + j]`): the
/// few rows left under the last full MR panel of an A block get `2·NV`
/// independent accumulators per row instead of `NV`, so one or two rows no
/// longer wait on the FMA latency. Every element is still one FMA chain
/// over `p = 0, 1, …`: the same bits as two strided rows kernel calls.
macro_rules! sgemm_f32_pair_kernel {
    ($(#[$attr:meta])* fns = $fns:tt; $($p:tt)*) => {
        sgemm_f32_rows!(sgemm_f32_pair_kernel; $(#[$attr])* fns = $fns; $($p)*);
    };
    (
        $(#[$attr:meta])*
        fn $name:ident;
        m = $m:literal; nv = $nv:literal; width = $w:literal;
        vec = $v:ty; zero = $zero:expr;
        load = $load:path; store = $store:path;
        splat = $splat:path; fma = $fma:path; mul = $mul:path;
    ) => {
        $(#[$attr])*
        ///
        /// # Safety
        ///
        /// The contract of the f32 two-panel rows kernel (crate
        /// `sgemm_macros` docs): `a[i·rsa + p·csa]` readable for `i < M`,
        /// `p < k`; `b` and `b2` readable for `k·NR` elements each;
        /// `c[i·rsc + j]` valid for `i < M`, `j < 2·NR`; the CPU has this
        /// function's features.
        #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
        pub unsafe fn $name(
            k: usize,
            a: *const f32,
            rsa: usize,
            csa: usize,
            b: *const f32,
            b2: *const f32,
            c: *mut f32,
            rsc: usize,
            alpha: f32,
            beta: f32,
        ) {
            const M: usize = $m;
            const NV: usize = $nv;
            const W: usize = $w;
            let mut acc: [[$v; 2 * $nv]; M] = [[$zero; 2 * $nv]; M];
            let (mut pa, mut pb, mut pb2) = (a, b, b2);
            // SAFETY: the caller guarantees the A rows, both B panels and the
            // C tile described above; every access stays inside them.
            unsafe {
                for _ in 0..k {
                    let mut bv: [$v; 2 * $nv] = [$zero; 2 * $nv];
                    for j in 0..NV {
                        bv[j] = $load(pb.add(j * W));
                        bv[NV + j] = $load(pb2.add(j * W));
                    }
                    for i in 0..M {
                        let ai = $splat(*pa.add(i * rsa));
                        for j in 0..2 * NV {
                            acc[i][j] = $fma(ai, bv[j], acc[i][j]);
                        }
                    }
                    pa = pa.wrapping_add(csa);
                    pb = pb.wrapping_add(NV * W);
                    pb2 = pb2.wrapping_add(NV * W);
                }
                sgemm_f32_store_tile!(acc, c, rsc, alpha, beta;
                    m = M; rows = M; nv = 2 * NV; width = W;
                    load = $load; store = $store; splat = $splat; fma = $fma; mul = $mul;);
            }
        }
    };
}

/// How far ahead (in floats) the row-sweep kernels prefetch each B row
/// into L2: 2 KiB, the best of 0–8 KiB measured (docs/tuning.md).
pub const SWEEP_PREFETCH_AHEAD: usize = 512;

/// Stamps an `M`-row, `R`-deep row-sweep GEMV kernel
/// `sgemm_f32_{M}x{R}_sweep_{isa}`: `unsafe fn(n, a, rsa, csa, b, rsb, y, rsy)`
/// adds `Σ_{r<R} a[i·rsa + r·csa]·b[r·rsb + j]` to `y[i·rsy + j]` for
/// `i < M`, `j < n`, one FMA per product in order `r = 0, 1, …` (so a sweep
/// over K in steps of R sums every element in K order). B's `R` rows are
/// read left to right, each a sequential stream the hardware prefetchers
/// follow, while the `M` output rows stay in L1: GEMV and M ≤ 4 GEMM read a
/// row-major B at the memory's full speed. The hardware prefetchers stop at
/// each 4 KiB page, so every line of each B row is also prefetched into L2
/// [`SWEEP_PREFETCH_AHEAD`] floats ahead. The last `n mod W` columns use
/// masked loads and stores (nothing outside `j < n` is touched).
///
/// `fns = [name = (M, R), …];` stamps one kernel per entry, with the same
/// attributes and ISA parameters (each ISA's file is one invocation).
macro_rules! sgemm_f32_sweep_kernel {
    (
        $(#[$attr:meta])*
        fns = [$($name:ident = ($m:literal, $r:literal)),* $(,)?];
        $($p:tt)*
    ) => {
        sgemm_f32_sweep_kernel!(@each [$(#[$attr])*] [$($p)*] $($name $m $r)*);
    };
    (@each [$($attr:tt)*] [$($p:tt)*] $name:ident $m:literal $r:literal $($rest:tt)*) => {
        sgemm_f32_sweep_kernel! { $($attr)* fn $name; m = $m; r = $r; $($p)* }
        sgemm_f32_sweep_kernel!(@each [$($attr)*] [$($p)*] $($rest)*);
    };
    (@each $attr:tt $p:tt) => {};
    (
        $(#[$attr:meta])*
        fn $name:ident;
        m = $m:literal; r = $r:literal; width = $w:literal;
        vec = $v:ty; zero = $zero:expr;
        load = $load:path; store = $store:path;
        load_tail = $lt:path; store_tail = $st:path;
        splat = $splat:path; fma = $fma:path;
        prefetch = $pf:path; ahead = $ahead:expr;
    ) => {
        $(#[$attr])*
        ///
        /// # Safety
        ///
        /// `a[i·rsa + r·csa]` readable for `i < M`, `r < R`; `b[r·rsb + j]`
        /// readable and `y[i·rsy + j]` readable and writable for `j < n`;
        /// `y` not overlapping `a` or `b`; the CPU has every feature this
        /// function is compiled for.
        #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
        pub unsafe fn $name(
            n: usize,
            a: *const f32,
            rsa: usize,
            csa: usize,
            b: *const f32,
            rsb: usize,
            y: *mut f32,
            rsy: usize,
        ) {
            const M: usize = $m;
            const R: usize = $r;
            const W: usize = $w;
            // SAFETY: the caller guarantees the A elements, the B rows and
            // the Y rows described above; every access stays inside them
            // (the tail is masked to `n - j` lanes).
            unsafe {
                let mut x: [[$v; R]; M] = [[$zero; R]; M];
                for i in 0..M {
                    for r in 0..R {
                        x[i][r] = $splat(*a.add(i * rsa + r * csa));
                    }
                }
                let mut j = 0;
                while j + W <= n {
                    let mut bv: [$v; R] = [$zero; R];
                    for r in 0..R {
                        bv[r] = $load(b.add(r * rsb + j));
                        if j % 16 == 0 {
                            $pf(b.wrapping_add(r * rsb + j + $ahead));
                        }
                    }
                    for i in 0..M {
                        let p = y.add(i * rsy + j);
                        let mut acc = $load(p);
                        for r in 0..R {
                            acc = $fma(x[i][r], bv[r], acc);
                        }
                        $store(p, acc);
                    }
                    j += W;
                }
                if j < n {
                    let left = n - j;
                    let mut bv: [$v; R] = [$zero; R];
                    for r in 0..R {
                        bv[r] = $lt(b.add(r * rsb + j), left);
                    }
                    for i in 0..M {
                        let p = y.add(i * rsy + j);
                        let mut acc = $lt(p, left);
                        for r in 0..R {
                            acc = $fma(x[i][r], bv[r], acc);
                        }
                        $st(p, acc, left);
                    }
                }
            }
        }
    };
}
