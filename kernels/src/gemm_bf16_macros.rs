//! Macros that stamp the BF16 GEMM microkernels and the f32 → bf16 / bf16 →
//! f32 slice conversions for one vector ISA.
//!
//! # The BF16 microkernel contract
//!
//! **Tile kernel** `gemm_bf16_{MR}x{NR}_{isa}`:
//! `unsafe fn(k, a, lda, b, c, rsc, rows, alpha, beta)` computes, for the
//! first `1 ≤ rows ≤ MR` rows of an `MR × NR` tile (only those are computed
//! and written), `C ← alpha·S + beta·C`, where `S` is the `vdpbf16ps` sum of A·B:
//! - `k` is even (the depth padded with zeros to whole pairs);
//! - `a` is a packed A micro-panel of raw bf16: `k/2` groups of `rows` pairs,
//!   row `i`'s elements `2q, 2q + 1` at `a[(q·rows + i)·2 ..][..2]`, when
//!   `lda == 0`; else A read in place, row `i`'s elements at
//!   `a[i·lda + 2q ..][..2]` (raw, subnormals not flushed: only for a level
//!   whose `dp` reads subnormal inputs as zero itself, as `vdpbf16ps` does);
//! - `b` is a packed B micro-panel: `k/2` groups of `NR` pairs, column `j`'s
//!   elements `2q, 2q + 1` at `b[(q·NR + j)·2 ..][..2]`;
//! - `S` starts at +0 and takes, for each pair `q` in order, first the odd
//!   product `a₂q₊₁·b₂q₊₁`, then the even one, each product exact and each
//!   addition rounded to nearest even, a subnormal sum flushed to a zero of
//!   its sign (what `vdpbf16ps` does; the packers flush subnormal inputs);
//! - the tile is stored as `fl(alpha·S)` when `beta == 0` (C not read), else
//!   `fl(fl(alpha·S) + fl(beta·C))`: the same two roundings as the scratch
//!   path's separate store, so every path gives the same bits.
//!
//! Every level runs one body; the `ops` module of a level says how a pair of
//! A (a 32-bit word, broadcast) meets a vector of B pairs (`dp`): the BF16
//! level with one `vdpbf16ps`, the others widening to f32 and running two
//! FMAs (odd, then even), each flushed.

/// Stamps an `MR × (NV·W)` BF16 tile kernel (see the module docs): `ops` is
/// a module with `F` (f32 vector of `W` lanes), `A` (a broadcast A pair), `B`
/// (`W` B pairs), `zero`, `splat_a`, `load_b`, `dp`, and the epilogue's
/// `load`, `store`, `splat`, `mul`, `add`; `features` (optional) the
/// kernel's target features.
///
/// The body is generic over the rows it computes, `R ≤ MR`, and the kernel
/// runs the instance for `rows`: a short tile (M = 1, 16 = 14 + 2, the last
/// panel of a block) costs its rows, not MR. Its A panel has `R` pairs per
/// group (the packers lay short panels out that way). With `lda > 0` it
/// reads A in place instead (module docs).
macro_rules! gemm_bf16_tile_kernel {
    (
        $(#[$attr:meta])*
        fn $name:ident;
        $(features = $feat:literal;)?
        mr = $mr:literal; nv = $nv:literal; width = $w:literal; ops = $($o:ident)::+;
    ) => {
        $(#[$attr])*
        ///
        /// # Safety
        ///
        /// The contract of the BF16 tile kernel (crate `gemm_bf16_macros`
        /// docs): `k` even, `1 ≤ rows ≤ MR`, `a` valid for `k·rows` u16 reads
        /// (`lda > 0`: for `k` u16 reads at each `a + i·lda`, `i < rows`),
        /// `b` for `k·NR`, `c[i·rsc + j]` valid for `i < rows`, `j < NR`, and
        /// the CPU has every feature this function is compiled for.
        #[allow(clippy::too_many_arguments)]
        $(#[target_feature(enable = $feat)])?
        pub unsafe fn $name(
            k: usize,
            a: *const u16,
            lda: usize,
            b: *const u16,
            c: *mut f32,
            rsc: usize,
            rows: usize,
            alpha: f32,
            beta: f32,
        ) {
            /// `R` rows of the tile; A in panel groups of `R` pairs, or
            /// (`IN_PLACE`) rows `lda` apart.
            #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
            #[inline]
            $(#[target_feature(enable = $feat)])?
            unsafe fn rows_tile<const R: usize, const IN_PLACE: bool>(
                k: usize,
                a: *const u16,
                lda: usize,
                b: *const u16,
                c: *mut f32,
                rsc: usize,
                alpha: f32,
                beta: f32,
            ) {
                use $($o)::+ as o;
                const NV: usize = $nv;
                const W: usize = $w;
                let z = o::zero();
                let mut acc: [[o::F; NV]; R] = [[z; NV]; R];
                let mut pa = a;
                let mut pb = b;
                let (a_row, a_pair) = if IN_PLACE { (lda, 2) } else { (2, 2 * R) };
                // SAFETY: the caller guarantees the panels (k/2 groups of R
                // and NR pairs) and the C rows; every access stays inside them.
                unsafe {
                    for _ in 0..k / 2 {
                        let mut bv: [o::B; NV] = [o::load_b(pb); NV];
                        for j in 1..NV {
                            bv[j] = o::load_b(pb.add(j * 2 * W));
                        }
                        for i in 0..R {
                            let ai = o::splat_a(pa.add(i * a_row) as *const u32);
                            for j in 0..NV {
                                acc[i][j] = o::dp(acc[i][j], ai, bv[j]);
                            }
                        }
                        pa = pa.add(a_pair);
                        pb = pb.add(NV * 2 * W);
                    }
                    gemm_bf16_store_rows!(o, W, acc, c, rsc, alpha, beta);
                }
            }
            const MR: usize = $mr;
            // SAFETY: the caller's contract, for `rows` rows.
            unsafe {
                if lda == 0 {
                    gemm_bf16_rows_dispatch!(rows, MR, rows_tile, false, (k, a, lda, b, c, rsc, alpha, beta); 1 2 3 4 5 6 7 8 9 10 11 12 13 14)
                } else {
                    gemm_bf16_rows_dispatch!(rows, MR, rows_tile, true, (k, a, lda, b, c, rsc, alpha, beta); 1 2 3 4 5 6 7 8 9 10 11 12 13 14)
                }
            }
        }
    };
}

/// The tile store of the BF16 kernels: `C ← fl(alpha·S)` when `beta == 0`
/// (C not read), else `fl(fl(alpha·S) + fl(beta·C))`, for the rows of
/// vectors `acc` (`ops` `o`, vectors `w` lanes apart) at `c`, rows `rsc`
/// apart. Inside `unsafe`: `c` must hold every row's vectors.
///
/// `alpha == 1`, `beta == 0` stores `S` itself: `fl(1·S) = S` bit for bit
/// (NaN payloads aside, as everywhere here), and the multiplies it skips
/// run on the `vdpbf16ps` ports (28 per 14×32 tile).
macro_rules! gemm_bf16_store_rows {
    ($o:ident, $w:expr, $acc:expr, $c:expr, $rsc:expr, $alpha:expr, $beta:expr) => {{
        if $alpha == 1.0 && $beta == 0.0 {
            for (i, row) in $acc.iter().enumerate() {
                for (j, &v) in row.iter().enumerate() {
                    $o::store($c.add(i * $rsc + j * $w), v);
                }
            }
        } else {
            gemm_bf16_store_rows!(@scaled $o, $w, $acc, $c, $rsc, $alpha, $beta);
        }
    }};
    (@scaled $o:ident, $w:expr, $acc:expr, $c:expr, $rsc:expr, $alpha:expr, $beta:expr) => {{
        let (va, vb) = ($o::splat($alpha), $o::splat($beta));
        for (i, row) in $acc.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                let p = $c.add(i * $rsc + j * $w);
                let s = $o::mul(v, va);
                $o::store(
                    p,
                    if $beta == 0.0 {
                        s
                    } else {
                        $o::add(s, $o::mul($o::load(p), vb))
                    },
                );
            }
        }
    }};
}

/// `f::<R, FLAG>(args)` for `R = rows`, among the listed literals up to
/// `mr` (rows outside them do nothing: the kernel contract excludes them).
macro_rules! gemm_bf16_rows_dispatch {
    ($rows:expr, $mr:expr, $f:ident, $flag:expr, $args:tt; $($r:literal)*) => {
        match $rows {
            $($r if $r <= $mr => $f::<$r, $flag> $args,)*
            _ => {}
        }
    };
}

/// Stamps an f32 → bf16 slice conversion (`f32_to_bf16_rne` per element, in
/// a loop the compiler vectorizes for the function's features).
macro_rules! convert_f32_to_bf16_kernel {
    ($(#[$attr:meta])* fn $name:ident;) => {
        $(#[$attr])*
        ///
        /// `dst[i] = f32_to_bf16_rne(src[i])` for `i < n`: round to nearest
        /// even, subnormals to a zero of their sign, NaNs quieted (as
        /// `vcvtneps2bf16`).
        ///
        /// # Safety
        /// `src` valid for `n` f32 reads, `dst` for `n` u16 writes, and the
        /// CPU has every feature this function is compiled for.
        pub unsafe fn $name(src: *const f32, dst: *mut u16, n: usize) {
            // SAFETY: the caller guarantees both ranges; they are distinct
            // types, so they do not overlap.
            let (s, d) = unsafe { (core::slice::from_raw_parts(src, n), core::slice::from_raw_parts_mut(dst, n)) };
            for (d, &x) in d.iter_mut().zip(s) {
                *d = $crate::scalar::convert_f32_to_bf16::f32_to_bf16_rne(x);
            }
        }
    };
}

/// Stamps a bf16 → f32 slice conversion (exact: the bits moved up 16).
macro_rules! convert_bf16_to_f32_kernel {
    ($(#[$attr:meta])* fn $name:ident;) => {
        $(#[$attr])*
        ///
        /// `dst[i]` = the bf16 `src[i]` as f32 (exact; subnormals kept).
        ///
        /// # Safety
        /// `src` valid for `n` u16 reads, `dst` for `n` f32 writes, and the
        /// CPU has every feature this function is compiled for.
        pub unsafe fn $name(src: *const u16, dst: *mut f32, n: usize) {
            // SAFETY: the caller guarantees both ranges; they are distinct
            // types, so they do not overlap.
            let (s, d) = unsafe { (core::slice::from_raw_parts(src, n), core::slice::from_raw_parts_mut(dst, n)) };
            for (d, &x) in d.iter_mut().zip(s) {
                *d = f32::from_bits(u32::from(x) << 16);
            }
        }
    };
}

/// Stamps a pair packer: `n` columns of two bf16 rows (depths `2q` and
/// `2q + 1`) as `n` 32-bit pairs, subnormals flushed to a zero of their sign
/// (a loop the compiler vectorizes for the function's features).
macro_rules! gemm_bf16_pack_pairs_kernel {
    ($(#[$attr:meta])* fn $name:ident;) => {
        $(#[$attr])*
        ///
        /// `dst[j]` = `flush(even[j]) | flush(odd[j]) << 16` for `j < n`.
        ///
        /// # Safety
        /// `even` and `odd` valid for `n` u16 reads, `dst` for `n` (unaligned)
        /// u32 writes, not overlapping them; the CPU has every feature this
        /// function is compiled for.
        pub unsafe fn $name(even: *const u16, odd: *const u16, n: usize, dst: *mut u32) {
            #[inline(always)]
            fn flush(u: u16) -> u32 {
                u32::from(if u & 0x7f80 == 0 { u & 0x8000 } else { u })
            }
            // SAFETY: the caller guarantees the three ranges.
            let (e, o) = unsafe { (core::slice::from_raw_parts(even, n), core::slice::from_raw_parts(odd, n)) };
            for j in 0..n {
                // SAFETY: j < n.
                unsafe { dst.add(j).write_unaligned(flush(e[j]) | flush(o[j]) << 16) };
            }
        }
    };
}
