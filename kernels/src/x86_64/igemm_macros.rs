//! Macros that stamp the INT8 GEMM microkernels for each ISA variant.
//!
//! Every igemm microkernel (these and the scalar ones) has one contract:
//!
//! ```text
//! unsafe fn(m, kg, a, gs, b, c, ldc, corr)
//! ```
//!
//! * `a`: `m` rows of packed u8 activations (K zero-padded to `4·kg`),
//!   interleaved by k-group: the 4 bytes of row `r`, group `g` are at
//!   `a + g·gs + 4·r` (`gs ≥ 4·m`, the packed panel's height × 4), so one
//!   tile reads a single stream;
//! * `b`: one packed weight panel of `NR` columns: for each k-group `g`
//!   (4 consecutive k), `NR` columns × 4 bytes of s8 (`b[g·NR·4 + j·4 + t]`
//!   is `B[4g + t][j]`), so one 64-byte load feeds one `vpdpbusd` zmm;
//! * `c`: the `m × NR` s32 tile, row `r` at `c + r·ldc`, overwritten with
//!   `Σ_k a[r][k]·b[k][j]` (wrapping; the chain kernels saturate each pair
//!   of products to s16 as `vpmaddubsw` does), then, with `corr`, minus the
//!   zero-point terms of [`TileCorrection`] (row `r`'s entries at `za + r` /
//!   `rowfix + r`, column `j`'s at `colsum + j` / `zb + j`), applied in
//!   registers before the store, so C is written once, already corrected.
//!
//! `1 ≤ m ≤ MR`. The kernel never allocates and never reads past the
//! `m` rows × `4·kg` bytes of `a` or the `kg·NR·4` bytes of `b`.
//!
//! [`TileCorrection`]: crate::scalar::igemm_tile_store::TileCorrection

/// The doc tail (`# Safety`), `#[target_feature]` and signature every
/// igemm microkernel shares, around its body (parameter names come from
/// the caller so the body can use them).
macro_rules! igemm_ukernel_fn {
    (
        $(#[$doc:meta])*
        $name:ident, $feat:literal,
        ($m:ident, $kg:ident, $a:ident, $gs:ident, $b:ident, $c:ident, $ldc:ident, $corr:ident) $body:block
    ) => {
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// The CPU must support the features this kernel is compiled for
        #[doc = concat!("(`", $feat, "`).")]
        /// `1 <= m <= MR`; `a` must be readable at `a + g·gs + 4·r + t` for
        /// `g < kg`, `r < m`, `t < 4`; `b` for `kg·NR·4` bytes; `c` writable for `m`
        /// rows of `NR` i32 at stride `ldc` (elements); with `corr`, its row
        /// arrays readable for `m` rows and its column arrays for `NR` columns
        /// (the terms present). No alignment needed.
        #[target_feature(enable = $feat)]
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name(
            $m: usize,
            $kg: usize,
            $a: *const u8,
            $gs: usize,
            $b: *const i8,
            $c: *mut i32,
            $ldc: usize,
            $corr: Option<&$crate::scalar::igemm_tile_store::TileCorrection>,
        ) $body
    };
}

/// A kernel entry whose output pipeline is fused into its epilogue: the
/// tile of [`igemm_ukernel_fn!`] (with the same input contract), finished
/// through the epilogue argument `$ep: &$Ep` (a type of
/// `scalar::igemm_tile_store`) instead of stored as s32. Expands inside
/// [`igemm_dot_kernel!`], whose `dispatch::<$out>` it calls with
/// `(rq, dq)` = `$eps`.
macro_rules! igemm_fused_entry_fn {
    (
        $(#[$doc:meta])*
        $name:ident, $feat:literal, $out:ident,
        $ep:ident: $Ep:ident, $eps:expr,
        $(#[$ep_safety:meta])*
        $(hi_bytes: $out_hi_bytes:ident,)?
    ) => {
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// The CPU must support the features this kernel is compiled for
        #[doc = concat!("(`", $feat, "`).")]
        /// `1 <= m <= MR`; `a` must be readable at `a + g·gs + 4·r + t` for
        /// `g < kg`, `r < m`, `t < 4`; `b` for `kg·NR·4` bytes; with `corr`,
        /// its row arrays readable for `m` rows and its column arrays for
        /// `NR` columns (the terms present);
        $(#[$ep_safety])*
        #[target_feature(enable = $feat)]
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name(
            m: usize,
            kg: usize,
            a: *const u8,
            gs: usize,
            b: *const i8,
            corr: Option<&$crate::scalar::igemm_tile_store::TileCorrection>,
            $ep: &$crate::scalar::igemm_tile_store::$Ep,
        ) {
            let (rq, dq) = $eps;
            // A separate instantiation where the epilogue may clamp the
            // bytes: one with both ways inside spills the accumulators.
            $(
                if $ep.hi_bytes {
                    // SAFETY: as below.
                    unsafe {
                        dispatch::<$out_hi_bytes>(m, kg, a, gs, b, core::ptr::null_mut(), 0, corr, rq, dq)
                    }
                    return;
                }
            )?
            // SAFETY: the caller's contract is the dispatch's; with a fused
            // output, `c` is never written (null is fine).
            unsafe { dispatch::<$out>(m, kg, a, gs, b, core::ptr::null_mut(), 0, corr, rq, dq) }
        }
    };
}

/// The pointers of a [`TileCorrection`], absent terms redirected to a
/// zero array (at least as long as a tile's rows and columns), so the
/// correction runs without branches: data-dependent branches between the
/// stores keep LLVM from holding the accumulators in registers.
/// `(colfix, za, colsum, rowfix, zb)`.
///
/// [`TileCorrection`]: crate::scalar::igemm_tile_store::TileCorrection
macro_rules! igemm_fix_ptrs {
    ($fx:expr, $zeros:expr) => {{
        let fx: &$crate::scalar::igemm_tile_store::TileCorrection = $fx;
        let z: *const i32 = $zeros;
        let or_zero = |p: *const i32| if p.is_null() { z } else { p };
        let (za_on, zb_on) = (!fx.za.is_null(), !fx.zb.is_null());
        (
            or_zero(fx.colfix),
            or_zero(fx.za),
            if za_on { fx.colsum } else { z },
            if zb_on { fx.rowfix } else { z },
            or_zero(fx.zb),
        )
    }};
}

/// `v + colfix[col..] − za_r·colsum[col..] − rowfix_r·zb[col..]` (wrapping)
/// for one vector of row `r` starting at column `col`, in registers, with
/// the pointers of [`igemm_fix_ptrs!`]. Must be expanded in an unsafe
/// context whose caller guarantees the correction's arrays at that row and
/// those columns.
macro_rules! igemm_correct {
    ($v:expr, $ptrs:expr, $r:expr, $col:expr;
        set1: $set1:path, loadw: |$p:ident| $loadw:expr, mullo: $mullo:path, sub: $sub:path, add: $add:path) => {{
        let (colfix, za, colsum, rowfix, zb): (*const i32, *const i32, *const i32, *const i32, *const i32) =
            $ptrs;
        let load = |$p: *const i32| $loadw;
        let v = $add($v, load(colfix.add($col)));
        let v = $sub(v, $mullo($set1(*za.add($r)), load(colsum.add($col))));
        $sub(v, $mullo($set1(*rowfix.add($r)), load(zb.add($col))))
    }};
}

/// Stamps a kernel whose inner step is "one broadcast 32-bit A group times
/// one vector of B, added into one accumulator": the `vpdpbusd` kernels
/// (zmm, ymm EVEX, ymm VEX) and the `vpmaddubsw`+`vpmaddwd`+`vpaddd` chains.
///
/// `S` (chosen per `m`) is the number of accumulator sets kept over
/// consecutive k-groups, so small `m` still has enough independent chains
/// to hide the instruction latency.
///
/// Optional `prefetch_next_panel: { min_rows: Q, max_rows: R }`: tiles of
/// `Q` to `R` rows prefetch (into L2) the same k-group of the next packed panel
/// (`kg·NR·4` bytes past `b`; prefetches never fault, so past the last
/// panel is harmless), which is what the driver multiplies next when A is
/// one short panel (a GEMM of up to 16 rows runs 8 + 8 sub-tiles: the
/// second reads B from L2, and its prefetches bring in the next panel while
/// it computes, so memory is read at the average rate, not in bursts).
/// Measured on Zen 4 for the 14×32 VNNI kernel with R = 8: 16×4096×4096
/// 383–407 → 432 GOP/s while another core streams memory, neutral when
/// quiet; 1×4096×4096 116–118 → 121–123. With the packed weights on huge
/// pages a single row is better off without it (1×4096×4096: 139 → 147
/// GOP/s; 4×4096×4096 445 → 458 and 16×4096×4096 459 → 465 keep it), and
/// with A panels as tall as the rows (1–3, not padded to 4) so are 2 and 3
/// rows (2×4096×4096: 274 → 324, 3×4096×4096: 414 → 432), hence Q = 4.
///
/// Optional `prefetch_b: { ahead: BYTES, min_rows: R }`: tiles of at least
/// `R` rows prefetch (into L1) every 64-byte line of the B panel `BYTES`
/// ahead of each k-group they load. Measured on Zen 4 for the 14×32 VNNI
/// kernel: +5% when B streams from L3 through 8-row tiles (M = 16), neutral
/// on large shapes, −20% at 1 row (there the prefetches compete with B's
/// own loads, so such tiles are left out).
macro_rules! igemm_dot_kernel {
    (
        $(#[$doc:meta])*
        name: $name:ident,
        features: $feat:literal,
        mr: $mr:literal,
        nr: $nr:literal,
        vec: $V:ty,
        bytes: $vb:literal,
        zero: $zero:expr,
        load: |$lp:ident| $load:expr,
        bcast: |$bp:ident| $bcast:expr,
        store: |$sp:ident, $sv:ident| $store:expr,
        add: $add:path,
        rows: [$($m:literal => $s:literal),* $(,)?],
        setup: { $($setup:tt)* },
        dot: |$acc:ident, $a:ident, $b:ident| $dot:expr,
        fix: { set1: $set1:path, loadw: |$wp:ident| $loadw:expr, mullo: $mullo:path, sub: $sub:path $(,)? }
        $(, prefetch_b: { ahead: $ahead:literal, min_rows: $pf_rows:literal })?
        $(, prefetch_next_panel: { min_rows: $pn_min:literal, max_rows: $pn_rows:literal })?
        $(, stream: { $(#[$sdoc:meta])* name: $sname:ident, store: |$ssp:ident, $ssv:ident| $sstore:expr $(,)? })?
        $(, requant: { $(#[$qdoc:meta])* name: $qname:ident, rows: $qrows:ident $(,)? })?
        $(, dequant: { $(#[$ddoc:meta])* name: $dname:ident, rows: $drows:ident $(,)? })? $(,)?
    ) => {
        /// Rows of the full tile.
        const MR: usize = $mr;
        /// Columns of the tile (the packed panel width).
        const NR: usize = $nr;
        /// Vectors per tile row.
        const NV: usize = $nr * 4 / $vb;

        /// Regular s32 stores.
        const OUT_S32: u8 = 0;
        /// Streaming s32 stores (line-aligned rows; kernels with `stream`).
        #[allow(dead_code)]
        const OUT_STREAM: u8 = 1;
        /// The fused requantizing epilogue (`rq`; kernels with `requant`),
        /// `hi` applied in f32.
        #[allow(dead_code)]
        const OUT_Q8: u8 = 2;
        /// The same with `hi` applied to the bytes (`rq.hi_bytes`).
        #[allow(dead_code)]
        const OUT_Q8_HI_BYTES: u8 = 4;
        /// The fused dequantizing epilogue (`dq`; kernels with `dequant`).
        #[allow(dead_code)]
        const OUT_F32: u8 = 3;

        /// One tile of `M` rows, `S` accumulator sets, correction kind
        /// `FIX`, output kind `OUT`.
        #[target_feature(enable = $feat)]
        #[inline]
        #[allow(clippy::too_many_arguments)]
        unsafe fn tile<const M: usize, const S: usize, const FIX: u8, const OUT: u8>(
            kg: usize,
            a: *const u8,
            gs: usize,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&$crate::scalar::igemm_tile_store::TileCorrection>,
            rq: Option<&$crate::scalar::igemm_tile_store::TileRequant>,
            dq: Option<&$crate::scalar::igemm_tile_store::TileDequant>,
        ) {
            $($setup)*
            // FIX = 1: only a per-column start value (a uniform zero
            // point's term), which costs nothing in the loop: the first
            // accumulator set starts there instead of at zero.
            let start: [$V; NV] = match corr {
                Some(fx) if FIX == 1 => core::array::from_fn(|v| {
                    // SAFETY: the caller guarantees NR columns of `colfix`.
                    unsafe {
                        let $wp: *const i32 = fx.colfix.add(v * ($vb / 4));
                        $loadw
                    }
                }),
                _ => [$zero; NV],
            };
            let mut accs = [[[$zero; NV]; M]; S];
            accs[0] = [start; M];
            static ZEROS: [i32; 64] = [0; 64];
            let fix_ptrs = corr.filter(|_| FIX == 2).map(|fx| igemm_fix_ptrs!(fx, ZEROS.as_ptr()));
            let full = kg / S * S;
            let mut g = 0;
            // SAFETY: every pointer offset stays inside the m rows × kg
            // groups of `a` and the kg·NR·4 bytes of `b` that the caller
            // guarantees (g < kg, r < M = m, v < NV); prefetch addresses
            // are computed with `wrapping_add` and never dereferenced.
            unsafe {
                while g < full {
                    for s in 0..S {
                        let gb = b.add((g + s) * NR * 4);
                        $(
                            if M >= $pf_rows {
                                for line in 0..NR * 4 / 64 {
                                    _mm_prefetch::<_MM_HINT_T0>(gb.wrapping_add($ahead + 64 * line));
                                }
                            }
                        )?
                        $(
                            if M >= $pn_min && M <= $pn_rows {
                                let next = gb.wrapping_add(kg * NR * 4);
                                for line in 0..NR * 4 / 64 {
                                    _mm_prefetch::<_MM_HINT_T1>(next.wrapping_add(64 * line));
                                }
                            }
                        )?
                        let mut bv = [$zero; NV];
                        for (v, x) in bv.iter_mut().enumerate() {
                            let $lp = gb.add(v * $vb);
                            *x = $load;
                        }
                        for r in 0..M {
                            let $bp = a.add((g + s) * gs + r * 4) as *const i32;
                            let $a: $V = $bcast;
                            for v in 0..NV {
                                let $acc = accs[s][r][v];
                                let $b = bv[v];
                                accs[s][r][v] = $dot;
                            }
                        }
                    }
                    g += S;
                }
                while g < kg {
                    let gb = b.add(g * NR * 4);
                    let mut bv = [$zero; NV];
                    for (v, x) in bv.iter_mut().enumerate() {
                        let $lp = gb.add(v * $vb);
                        *x = $load;
                    }
                    for r in 0..M {
                        let $bp = a.add(g * gs + r * 4) as *const i32;
                        let $a: $V = $bcast;
                        for v in 0..NV {
                            let $acc = accs[0][r][v];
                            let $b = bv[v];
                            accs[0][r][v] = $dot;
                        }
                    }
                    g += 1;
                }
                let mut sums = [[$zero; NV]; M];
                for r in 0..M {
                    for v in 0..NV {
                        let mut sum = accs[0][r][v];
                        for set in accs.iter().skip(1) {
                            let $acc = sum;
                            let $b = set[r][v];
                            sum = $add($acc, $b);
                        }
                        // FIX = 2: every term, in registers, before the store.
                        if let (2, Some(ptrs)) = (FIX, fix_ptrs) {
                            sum = igemm_correct!(sum, ptrs, r, v * ($vb / 4);
                                set1: $set1, loadw: |$wp| $loadw, mullo: $mullo, sub: $sub, add: $add);
                        }
                        let p = c.add(r * ldc + v * ($vb / 4));
                        match OUT {
                            OUT_S32 => {
                                let $sp = p;
                                let $sv = sum;
                                $store;
                            }
                            OUT_STREAM => {
                                $(
                                    let $ssp = p;
                                    let $ssv = sum;
                                    $sstore;
                                )?
                            }
                            _ => sums[r][v] = sum,
                        }
                    }
                }
                $(
                    if let (OUT_Q8, Some(rq)) = (OUT, rq) {
                        $qrows!(sums, rq, M, true);
                    }
                    if let (OUT_Q8_HI_BYTES, Some(rq)) = (OUT, rq) {
                        $qrows!(sums, rq, M, false);
                    }
                )?
                $(
                    if let (OUT_F32, Some(dq)) = (OUT, dq) {
                        $drows!(sums, dq, M);
                    }
                )?
                let _ = (&sums, rq, dq);
            }
        }

        /// Runs the tile instantiation for `m` rows and `corr`'s kind.
        #[target_feature(enable = $feat)]
        #[inline]
        #[allow(clippy::too_many_arguments)]
        unsafe fn dispatch<const OUT: u8>(
            m: usize,
            kg: usize,
            a: *const u8,
            gs: usize,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&$crate::scalar::igemm_tile_store::TileCorrection>,
            rq: Option<&$crate::scalar::igemm_tile_store::TileRequant>,
            dq: Option<&$crate::scalar::igemm_tile_store::TileDequant>,
        ) {
            debug_assert!((1..=MR).contains(&m));
            // One instantiation per row count (small m keeps several
            // accumulator sets over k) and correction kind: none, a start
            // value only, or terms in the epilogue (branches there keep
            // LLVM from holding the accumulators in registers).
            let fix: u8 = match corr {
                None => 0,
                Some(f) if f.za.is_null() && f.zb.is_null() => u8::from(!f.colfix.is_null()),
                Some(_) => 2,
            };
            // SAFETY: the caller's contract is the tile's, with M = m.
            unsafe {
                match (m, fix) {
                    $(
                        ($m, 0) => tile::<$m, $s, 0, OUT>(kg, a, gs, b, c, ldc, corr, rq, dq),
                        ($m, 1) => tile::<$m, $s, 1, OUT>(kg, a, gs, b, c, ldc, corr, rq, dq),
                        ($m, _) => tile::<$m, $s, 2, OUT>(kg, a, gs, b, c, ldc, corr, rq, dq),
                    )*
                    _ => {}
                }
            }
        }

        igemm_ukernel_fn! {
            $(#[$doc])*
            $name, $feat, (m, kg, a, gs, b, c, ldc, corr) {
                // SAFETY: the caller's contract is the dispatch's.
                unsafe { dispatch::<OUT_S32>(m, kg, a, gs, b, c, ldc, corr, None, None) }
            }
        }

        $(
            igemm_ukernel_fn! {
                $(#[$sdoc])*
                ///
                /// Every row of `c` must start on a 64-byte boundary (`c`
                /// and `4·ldc` multiples of 64): C is written with streaming
                /// stores, which the caller fences (`sfence`) before another
                /// thread reads C.
                $sname, $feat, (m, kg, a, gs, b, c, ldc, corr) {
                    // SAFETY: the caller's contract is the dispatch's (the
                    // streaming stores need the line-aligned rows it adds).
                    unsafe { dispatch::<OUT_STREAM>(m, kg, a, gs, b, c, ldc, corr, None, None) }
                }
            }
        )?

        $(
            igemm_fused_entry_fn! {
                $(#[$qdoc])*
                $qname, $feat, OUT_Q8,
                rq: TileRequant, (Some(rq), None),
                /// `rq.scale` readable for `NR` columns, `rq.out + r·rq.rso`
                /// writable for `NR` bytes (`r < m`), `rq.lo ≤ rq.hi` with
                /// `rq.zp` between them, all three within u8's range or all
                /// within i8's.
                hi_bytes: OUT_Q8_HI_BYTES,
            }
        )?

        $(
            igemm_fused_entry_fn! {
                $(#[$ddoc])*
                $dname, $feat, OUT_F32,
                dq: TileDequant, (None, Some(dq)),
                /// `dq.row_scale` readable for `m` rows, `dq.scale` (and
                /// `dq.bias` unless null) for `NR` columns, `dq.out + r·dq.rso`
                /// writable for `NR` elements (`r < m`), each such row 64-byte
                /// aligned with `dq.stream`.
            }
        )?
    };
}

/// Stamps an exact kernel: A zero-extended to s16 (`vpmovzxbw`), B
/// sign-extended to s16 (`vpmovsxbw`), `vpmaddwd` (u8·s8 + u8·s8 always fits
/// s32), `vpaddd`. Each extended B vector holds `HB/4` columns × 4 k; the
/// accumulators keep two partial sums per column (k-pairs 01 and 23) and are
/// folded once, at the store.
macro_rules! igemm_exact_kernel {
    (
        $(#[$doc:meta])*
        name: $name:ident,
        features: $feat:literal,
        mr: $mr:literal,
        nr: $nr:literal,
        vec: $V:ty,
        half_bytes: $hb:literal,
        zero: $zero:expr,
        load_ext: |$lp:ident| $load:expr,
        bcast_ext: |$bp:ident| $bcast:expr,
        madd: $madd:path,
        add: $add:path,
        fold: |$fx:ident, $fy:ident| $fold:expr,
        store: |$sp:ident, $sv:ident| $store:expr,
        fix: { set1: $set1:path, loadw: |$wp:ident| $loadw:expr, mullo: $mullo:path, sub: $sub:path $(,)? },
        rows: [$($m:literal),* $(,)?] $(,)?
    ) => {
        igemm_ukernel_fn! {
            $(#[$doc])*
            $name, $feat, (m, kg, a, gs, b, c, ldc, corr) {
            const MR: usize = $mr;
            const NR: usize = $nr;
            // Extended B vectors per k-group.
            const NE: usize = $nr * 4 / $hb;

            #[target_feature(enable = $feat)]
            #[inline]
            unsafe fn tile<const M: usize, const FIX: bool>(
                kg: usize,
                a: *const u8,
                gs: usize,
                b: *const i8,
                c: *mut i32,
                ldc: usize,
                corr: Option<&$crate::scalar::igemm_tile_store::TileCorrection>,
            ) {
                let mut accs = [[$zero; NE]; M];
                static ZEROS: [i32; 64] = [0; 64];
                let fix_ptrs = corr.filter(|_| FIX).map(|fx| igemm_fix_ptrs!(fx, ZEROS.as_ptr()));
                // SAFETY: every offset stays inside the m rows × kg groups
                // of `a`, the kg·NR·4 bytes of `b` and the m × NR tile of `c`
                // that the caller guarantees.
                unsafe {
                    for g in 0..kg {
                        let gb = b.add(g * NR * 4);
                        let mut bv = [$zero; NE];
                        for (e, x) in bv.iter_mut().enumerate() {
                            let $lp = gb.add(e * $hb);
                            *x = $load;
                        }
                        for r in 0..M {
                            let $bp = a.add(g * gs + r * 4) as *const i32;
                            let av: $V = $bcast;
                            for e in 0..NE {
                                accs[r][e] = $add(accs[r][e], $madd(av, bv[e]));
                            }
                        }
                    }
                    for r in 0..M {
                        for q in 0..NE / 2 {
                            let $fx = accs[r][2 * q];
                            let $fy = accs[r][2 * q + 1];
                            let mut $sv: $V = $fold;
                            if let (true, Some(ptrs)) = (FIX, fix_ptrs) {
                                $sv = igemm_correct!($sv, ptrs, r, q * ($hb / 2);
                                    set1: $set1, loadw: |$wp| $loadw, mullo: $mullo, sub: $sub, add: $add);
                            }
                            let $sp = c.add(r * ldc + q * ($hb / 2));
                            $store;
                        }
                    }
                }
            }

            debug_assert!((1..=MR).contains(&m));
            // SAFETY: the caller's contract is the tile's, with M = m.
            unsafe {
                match (m, corr.is_some()) {
                    $(
                        ($m, false) => tile::<$m, false>(kg, a, gs, b, c, ldc, corr),
                        ($m, true) => tile::<$m, true>(kg, a, gs, b, c, ldc, corr),
                    )*
                    _ => {}
                }
            }
        }}
    };
}
