//! The two macros that declare the SIMD INT8 GEMM microkernels (contract:
//! [`crate::igemm_ukernel`]). One invocation is one kernel: its
//! `#[target_feature]` entry points, its [`IgemmUkernelInfo`] (`INFO`) and
//! its test against the scalar twin.
//!
//! The body is generic code over [`crate::x86_64::igemm_ops`] (vector
//! operations, the k-group step, the output); a macro only because
//! `#[target_feature]` needs its feature list as a literal.
//!
//! [`IgemmUkernelInfo`]: crate::igemm_ukernel::IgemmUkernelInfo

/// The `# Safety` text, `#[target_feature]` and signature of an s32 entry
/// point, around a call of `tile` through `dispatch` with output `$Out`.
macro_rules! igemm_s32_entry {
    ($(#[$doc:meta])* $name:ident, $level:ident, $Out:ty) => {
        with_level! { $level:
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// The CPU must support the features this kernel is compiled for
        #[doc = concat!("(`", with_level!(@list $level), "`).")]
        /// `1 <= m <= MR`; `a` must be readable at `a + g·gs + 4·r + t` for
        /// `g < kg`, `r < m`, `t < 4`; `b` for `kg·NR·4` bytes; `c` writable for `m`
        /// rows of `NR` i32 at stride `ldc` (elements); with `corr`, its row
        /// arrays readable for `m` rows and its column arrays for `NR` columns
        /// (the terms present). No alignment needed, except for a streaming
        /// entry (see above).
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $name(
            m: usize,
            kg: usize,
            a: *const u8,
            gs: usize,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&$crate::scalar::igemm_tile_store::TileCorrection>,
        ) {
            // SAFETY: the caller's contract is the dispatch's.
            unsafe { dispatch::<$Out>(m, kg, a, gs, b, c, ldc, corr, &()) }
        }
        }
    };
}

/// The parts of a tile function that `igemm_dot_kernel!` and
/// `iconv_dot_kernel!` share, as macros rather than functions: expanded in
/// place, the accumulators stay in registers (shared `#[inline(always)]`
/// functions measured 40% slower, docs/tuning.md). They use the tile's
/// `V`, `NV`, `W`, `M`, `S`, `FIX` and `O`.
///
/// `tile_start!(corr)`: the `S` accumulator sets, the first starting at the
/// correction's per-column start value when `FIX = 1` (a uniform zero
/// point's term, which costs nothing in the loop), and the correction's
/// pointers for `FIX = 2`.
macro_rules! tile_start {
    ($corr:ident) => {{
        let zero = V::zero();
        let start: [V; NV] = match $corr {
            Some(fx) if FIX == 1 => core::array::from_fn(|v| V::load(fx.colfix.add(v * W))),
            _ => [zero; NV],
        };
        let mut accs = [[[zero; NV]; M]; S];
        accs[0] = [start; M];
        static ZEROS: [i32; 64] = [0; 64];
        let fix_ptrs = $corr
            .filter(|_| FIX == 2)
            .map(|fx| $crate::x86_64::igemm_ops::FixPtrs::new(fx, ZEROS.as_ptr()));
        (accs, fix_ptrs)
    }};
}

/// `tile_finish!(accs, fix_ptrs, c, ldc, ep)`: sums the accumulator sets,
/// applies the correction's terms (`FIX = 2`, in registers), then stores
/// each vector at `c + r·ldc` (s32 outputs) or hands the tile to `O`'s
/// fused epilogue.
macro_rules! tile_finish {
    ($accs:ident, $fix_ptrs:ident, $c:ident, $ldc:ident, $ep:ident) => {{
        let mut sums = [[V::zero(); NV]; M];
        for r in 0..M {
            for v in 0..NV {
                let mut sum = $accs[0][r][v];
                for set in $accs.iter().skip(1) {
                    sum = V::add(sum, set[r][v]);
                }
                if let (2, Some(ptrs)) = (FIX, $fix_ptrs) {
                    sum = ptrs.correct(sum, r, v * W);
                }
                if O::FUSED {
                    sums[r][v] = sum;
                } else {
                    O::store($c.add(r * $ldc + v * W), sum);
                }
            }
        }
        if O::FUSED {
            O::finish(sums, $ep);
        }
    }};
}

/// `fix_kind!(corr)`: the `FIX` instantiation for a correction: 0 none, 1
/// a start value only, 2 terms in the epilogue (branches there keep LLVM
/// from holding the accumulators in registers).
macro_rules! fix_kind {
    ($corr:ident) => {
        match $corr {
            None => 0u8,
            Some(f) if f.za.is_null() && f.zb.is_null() => u8::from(!f.colfix.is_null()),
            Some(_) => 2,
        }
    };
}

/// Stamps a kernel whose inner step is "one broadcast 32-bit A group times
/// one vector of B, added into one accumulator" ([`DotStep`]: `vpdpbusd` or
/// the `vpmaddubsw` chain), with optional streaming, requantizing (`q8`),
/// dequantizing (`f32`) and fixed-point requantizing (`q8_fixed`) entries.
///
/// `rows: [m => S, …]`: for each `m`, the number `S` of accumulator sets
/// kept over consecutive k-groups, so small `m` still has enough
/// independent chains to hide the instruction latency.
///
/// `prefetch_b: { ahead: BYTES, min_rows: R }`: tiles of at least `R` rows
/// prefetch (into L1) the B panel `BYTES` ahead of each k-group.
/// `prefetch_next_panel: { min_rows: Q, max_rows: R }`: tiles of `Q` to `R`
/// rows prefetch (into L2) the same k-group of the next packed panel,
/// which the driver runs next (docs/tuning.md, "Microkernels").
///
/// [`DotStep`]: crate::x86_64::igemm_ops::DotStep
macro_rules! igemm_dot_kernel {
    (
        $(#[$doc:meta])*
        name: $name:ident,
        level: $level:ident,
        step: $Step:ty,
        mr: $mr:literal,
        nr: $nr:literal,
        rows: [$($m:literal => $s:literal),* $(,)?]
        $(, prefetch_b: { ahead: $ahead:literal, min_rows: $pf_rows:literal })?
        $(, prefetch_next_panel: { min_rows: $pn_min:literal, max_rows: $pn_rows:literal })?
        $(, stream: $(#[$sdoc:meta])* $sname:ident)?
        $(, q8: $(#[$qdoc:meta])* $qname:ident)?
        $(, f32: $(#[$ddoc:meta])* $dname:ident)?
        $(, q8_fixed: $(#[$fdoc:meta])* $fname:ident)? $(,)?
    ) => {
        #[allow(unused_imports)]
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0, _MM_HINT_T1};
        use $crate::scalar::igemm_tile_store::TileCorrection;
        use $crate::x86_64::igemm_ops::{DotStep, I32Vec, TileOut, S32};

        /// Rows of the full tile.
        const MR: usize = $mr;
        /// Columns of the tile (the packed panel width).
        const NR: usize = $nr;
        /// The accumulator vector.
        type V = <$Step as DotStep>::V;
        /// Lanes per vector.
        const W: usize = <V as I32Vec>::BYTES / 4;
        /// Vectors per tile row.
        const NV: usize = NR / W;

        /// What the kernel declares about itself.
        pub const INFO: $crate::igemm_ukernel::IgemmUkernelInfo = $crate::igemm_ukernel::IgemmUkernelInfo {
            name: stringify!($name),
            isa: stringify!($level),
            features: with_level!(@list $level),
            mr: MR,
            nr: NR,
            k_unit: 4,
            saturates: <$Step as DotStep>::SATURATES,
            f: $name,
            f_stream: igemm_dot_kernel!(@some $($sname)?),
            f_q8: igemm_dot_kernel!(@some $($qname)?),
            f_f32: igemm_dot_kernel!(@some $($dname)?),
            f_q8_fixed: igemm_dot_kernel!(@some $($fname)?),
        };

        with_level! { $level:
        /// One tile of `M` rows, `S` accumulator sets, correction kind
        /// `FIX` (0 none, 1 start value only, 2 every term), output `O`.
        #[inline]
        #[allow(clippy::too_many_arguments)]
        unsafe fn tile<O: TileOut<V, NV>, const M: usize, const S: usize, const FIX: u8>(
            kg: usize,
            a: *const u8,
            gs: usize,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
            ep: &O::Ep,
        ) {
            // SAFETY: offsets stay in the caller's m rows × kg groups of `a`,
            // kg·NR·4 bytes of `b`, m × NR tile of `c` (or the epilogue's
            // output); prefetch addresses use `wrapping_add`, never read.
            unsafe {
                let zero = V::zero();
                let (mut accs, fix_ptrs) = tile_start!(corr);
                let full = kg / S * S;
                let mut g = 0;
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
                        let mut bv = [zero; NV];
                        for (v, x) in bv.iter_mut().enumerate() {
                            *x = V::load(gb.add(v * <V as I32Vec>::BYTES));
                        }
                        for r in 0..M {
                            let av = V::bcast(a.add((g + s) * gs + r * 4));
                            for v in 0..NV {
                                accs[s][r][v] = <$Step as DotStep>::dot(accs[s][r][v], av, bv[v]);
                            }
                        }
                    }
                    g += S;
                }
                // The groups left over, into the first set.
                while g < kg {
                    let gb = b.add(g * NR * 4);
                    let mut bv = [zero; NV];
                    for (v, x) in bv.iter_mut().enumerate() {
                        *x = V::load(gb.add(v * <V as I32Vec>::BYTES));
                    }
                    for r in 0..M {
                        let av = V::bcast(a.add(g * gs + r * 4));
                        for v in 0..NV {
                            accs[0][r][v] = <$Step as DotStep>::dot(accs[0][r][v], av, bv[v]);
                        }
                    }
                    g += 1;
                }
                tile_finish!(accs, fix_ptrs, c, ldc, ep);
            }
        }

        /// Runs the tile instantiation for `m` rows and `corr`'s kind.
        #[inline]
        #[allow(clippy::too_many_arguments)]
        unsafe fn dispatch<O: TileOut<V, NV>>(
            m: usize,
            kg: usize,
            a: *const u8,
            gs: usize,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
            ep: &O::Ep,
        ) {
            debug_assert!((1..=MR).contains(&m));
            // One instantiation per row count (small m keeps several
            // accumulator sets over k) and correction kind: none, a start
            // value only, or terms in the epilogue (branches there keep
            // LLVM from holding the accumulators in registers).
            let fix = fix_kind!(corr);
            // SAFETY: the caller's contract is the tile's, with M = m.
            unsafe {
                match (m, fix) {
                    $(
                        ($m, 0) => tile::<O, $m, $s, 0>(kg, a, gs, b, c, ldc, corr, ep),
                        ($m, 1) => tile::<O, $m, $s, 1>(kg, a, gs, b, c, ldc, corr, ep),
                        ($m, _) => tile::<O, $m, $s, 2>(kg, a, gs, b, c, ldc, corr, ep),
                    )*
                    _ => {}
                }
            }
        }
        }

        igemm_s32_entry!($(#[$doc])* $name, $level, S32);

        $(
            igemm_s32_entry!(
                $(#[$sdoc])*
                ///
                /// Every row of `c` must start on a 64-byte boundary (`c`
                /// and `4·ldc` multiples of 64): C is written with streaming
                /// stores, which the caller fences (`sfence`) before another
                /// thread reads C.
                $sname, $level, $crate::x86_64::igemm_ops::Stream
            );
        )?

        $( with_level! { $level:
            $(#[$qdoc])*
            ///
            /// # Safety
            ///
            /// As for the s32 entry, without `c`; `rq.scale` readable for
            /// `NR` columns, `rq.out + r·rq.rso` writable for `NR` bytes
            /// (`r < m`), `rq.lo ≤ rq.hi` with `rq.zp` between them, all
            /// three within u8's range or all within i8's.
            pub unsafe fn $qname(
                m: usize,
                kg: usize,
                a: *const u8,
                gs: usize,
                b: *const i8,
                corr: Option<&TileCorrection>,
                rq: &$crate::scalar::igemm_tile_store::TileRequant,
            ) {
                // A separate instantiation where the epilogue may clamp the
                // bytes: one with both ways inside spills the accumulators.
                // SAFETY: the caller's contract is the dispatch's; with a
                // fused output, `c` is never written (null is fine).
                unsafe {
                    if rq.hi_bytes {
                        dispatch::<$crate::x86_64::avx512::igemm_store_s32_to_q8::Requant<false>>(m, kg, a, gs, b, core::ptr::null_mut(), 0, corr, rq)
                    } else {
                        dispatch::<$crate::x86_64::avx512::igemm_store_s32_to_q8::Requant<true>>(m, kg, a, gs, b, core::ptr::null_mut(), 0, corr, rq)
                    }
                }
            }
        } )?

        $( with_level! { $level:
            $(#[$ddoc])*
            ///
            /// # Safety
            ///
            /// As for the s32 entry, without `c`; `dq.row_scale` readable for
            /// `m` rows, `dq.scale` (and `dq.bias` unless null) for `NR`
            /// columns, `dq.out + r·dq.rso` writable for `NR` elements
            /// (`r < m`), each such row 64-byte aligned with `dq.stream`.
            pub unsafe fn $dname(
                m: usize,
                kg: usize,
                a: *const u8,
                gs: usize,
                b: *const i8,
                corr: Option<&TileCorrection>,
                dq: &$crate::scalar::igemm_tile_store::TileDequant,
            ) {
                // SAFETY: as in the requantizing entry.
                unsafe { dispatch::<$crate::x86_64::avx512::igemm_store_s32_to_f32::Dequant>(m, kg, a, gs, b, core::ptr::null_mut(), 0, corr, dq) }
            }
        } )?

        $( with_level! { $level:
            $(#[$fdoc])*
            ///
            /// # Safety
            ///
            /// As for the s32 entry, without `c`; `rq.mult` and `rq.shift`
            /// readable for `NR` columns (no multiplier `i32::MIN`, shifts in
            /// `[-31, 30]`), `rq.out + r·rq.rso` writable for `NR` bytes
            /// (`r < m`), `rq.lo ≤ rq.hi` with `rq.zp` between them, all
            /// three within u8's range or all within i8's.
            pub unsafe fn $fname(
                m: usize,
                kg: usize,
                a: *const u8,
                gs: usize,
                b: *const i8,
                corr: Option<&TileCorrection>,
                rq: &$crate::scalar::igemm_tile_store::TileRequantFixed,
            ) {
                // SAFETY: as in the requantizing entry.
                unsafe { dispatch::<$crate::x86_64::avx512::igemm_requant_fixed::RequantFixed>(m, kg, a, gs, b, core::ptr::null_mut(), 0, corr, rq) }
            }
        } )?

        #[cfg(test)]
        #[test]
        fn matches_scalar_twin() {
            $crate::igemm_check::check(&INFO);
        }
    };
    (@some) => { None };
    (@some $f:ident) => { Some($f) };
}

/// Stamps an exact kernel: A zero-extended to s16 (`vpmovzxbw`), B
/// sign-extended to s16 (`vpmovsxbw`), `vpmaddwd` (u8·s8 + u8·s8 always fits
/// s32), `vpaddd`. Each extended B vector holds `HB/4` columns × 4 k; the
/// accumulators keep two partial sums per column (k-pairs 01 and 23) and are
/// folded once, at the store (`fold`).
macro_rules! igemm_exact_kernel {
    (
        $(#[$doc:meta])*
        name: $name:ident,
        level: $level:ident,
        vec: $V:ty,
        mr: $mr:literal,
        nr: $nr:literal,
        half_bytes: $hb:literal,
        load_ext: |$lp:ident| $load:expr,
        bcast_ext: |$bp:ident| $bcast:expr,
        madd: $madd:path,
        fold: |$fx:ident, $fy:ident| $fold:expr,
        rows: [$($m:literal),* $(,)?] $(,)?
    ) => {
        use $crate::scalar::igemm_tile_store::TileCorrection;
        use $crate::x86_64::igemm_ops::{FixPtrs, I32Vec, TileOut};

        /// Rows of the full tile.
        const MR: usize = $mr;
        /// Columns of the tile (the packed panel width).
        const NR: usize = $nr;
        /// Extended B vectors per k-group.
        const NE: usize = $nr * 4 / $hb;

        /// What the kernel declares about itself.
        pub const INFO: $crate::igemm_ukernel::IgemmUkernelInfo = $crate::igemm_ukernel::IgemmUkernelInfo {
            name: stringify!($name),
            isa: stringify!($level),
            features: with_level!(@list $level),
            mr: MR,
            nr: NR,
            k_unit: 4,
            saturates: false,
            f: $name,
            f_stream: None,
            f_q8: None,
            f_f32: None,
            f_q8_fixed: None,
        };

        with_level! { $level:
        /// One tile of `M` rows, with the correction or without.
        #[inline]
        unsafe fn tile<O: TileOut<$V, { NE / 2 }>, const M: usize, const FIX: bool>(
            kg: usize,
            a: *const u8,
            gs: usize,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
        ) {
            // SAFETY: every offset stays inside the m rows × kg groups
            // of `a`, the kg·NR·4 bytes of `b` and the m × NR tile of `c`
            // that the caller guarantees.
            unsafe {
                let zero = <$V as I32Vec>::zero();
                let mut accs = [[zero; NE]; M];
                static ZEROS: [i32; 64] = [0; 64];
                let fix_ptrs = corr.filter(|_| FIX).map(|fx| FixPtrs::new(fx, ZEROS.as_ptr()));
                for g in 0..kg {
                    let gb = b.add(g * NR * 4);
                    let mut bv = [zero; NE];
                    for (e, x) in bv.iter_mut().enumerate() {
                        let $lp = gb.add(e * $hb);
                        *x = $load;
                    }
                    for r in 0..M {
                        let $bp = a.add(g * gs + r * 4) as *const i32;
                        let av: $V = $bcast;
                        for e in 0..NE {
                            accs[r][e] = <$V as I32Vec>::add(accs[r][e], $madd(av, bv[e]));
                        }
                    }
                }
                for r in 0..M {
                    for q in 0..NE / 2 {
                        let $fx = accs[r][2 * q];
                        let $fy = accs[r][2 * q + 1];
                        let mut sum: $V = $fold;
                        if let (true, Some(ptrs)) = (FIX, fix_ptrs) {
                            sum = ptrs.correct(sum, r, q * ($hb / 2));
                        }
                        O::store(c.add(r * ldc + q * ($hb / 2)), sum);
                    }
                }
            }
        }
        }

        with_level! { $level:
        /// Runs the tile instantiation for `m` rows, with `corr` or without
        /// (the exact kernels have the s32 entry only: `O` is `S32`).
        #[inline]
        #[allow(clippy::too_many_arguments)]
        unsafe fn dispatch<O: TileOut<$V, { NE / 2 }>>(
            m: usize,
            kg: usize,
            a: *const u8,
            gs: usize,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
            _ep: &(),
        ) {
            debug_assert!((1..=MR).contains(&m));
            // SAFETY: the caller's contract is the tile's, with M = m.
            unsafe {
                match (m, corr.is_some()) {
                    $(
                        ($m, false) => tile::<O, $m, false>(kg, a, gs, b, c, ldc, corr),
                        ($m, true) => tile::<O, $m, true>(kg, a, gs, b, c, ldc, corr),
                    )*
                    _ => {}
                }
            }
        }
        }

        igemm_s32_entry!($(#[$doc])* $name, $level, $crate::x86_64::igemm_ops::S32);

        #[cfg(test)]
        #[test]
        fn matches_scalar_twin() {
            $crate::igemm_check::check(&INFO);
        }
    };
}
