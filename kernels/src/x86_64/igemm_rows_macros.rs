//! The macro that declares the SIMD INT8 GEMM kernels reading A in place
//! (contract: [`crate::igemm_rows_ukernel`]): the k loop of
//! `igemm_dot_kernel!` with each row's A read from its own row of a
//! row-major matrix instead of from a packed panel, then the partial last
//! k-group from the tail; the same [`DotStep`], corrections and fused
//! outputs ([`TileOut`]).
//!
//! [`DotStep`]: crate::x86_64::igemm_ops::DotStep
//! [`TileOut`]: crate::x86_64::igemm_ops::TileOut

/// Stamps an in-place kernel: `rows: [m => S, …]` and `prefetch_b` as in
/// `igemm_dot_kernel!`, with its s32, streaming, requantizing (`q8`,
/// `q8_fixed`) and dequantizing (`f32`) entries, its
/// [`IgemmRowsUkernelInfo`](crate::igemm_rows_ukernel::IgemmRowsUkernelInfo)
/// (`INFO`) and its test against the igemm scalar twin on the packed rows.
macro_rules! igemm_rows_kernel {
    (
        $(#[$doc:meta])*
        name: $name:ident,
        level: $level:ident,
        step: $Step:ty,
        mr: $mr:literal,
        nr: $nr:literal,
        rows: [$($m:literal => $s:literal),* $(,)?],
        prefetch_b: { ahead: $ahead:literal, min_rows: $pf_rows:literal },
        stream: $sname:ident,
        q8: $qname:ident,
        q8_fixed: $fname:ident,
        f32: $dname:ident $(,)?
    ) => {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        use $crate::igemm_rows_ukernel::IgemmRows;
        use $crate::scalar::igemm_tile_store::{TileCorrection, TileDequant, TileRequant, TileRequantFixed};
        use $crate::x86_64::igemm_ops::{DotStep, I32Vec, Stream, TileOut, S32};

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
        pub const INFO: $crate::igemm_rows_ukernel::IgemmRowsUkernelInfo =
            $crate::igemm_rows_ukernel::IgemmRowsUkernelInfo {
                name: stringify!($name),
                isa: stringify!($level),
                features: with_level!(@list $level),
                mr: MR,
                nr: NR,
                f: $name,
                f_stream: $sname,
                f_q8: $qname,
                f_q8_fixed: $fname,
                f_f32: $dname,
            };

        with_level! { $level:
        /// One tile of `M` rows, `S` accumulator sets, correction kind
        /// `FIX` (0 none, 1 start value only, 2 every term), output `O`.
        #[inline]
        unsafe fn tile<O: TileOut<V, NV>, const M: usize, const S: usize, const FIX: u8>(
            a: &IgemmRows,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
            ep: &O::Ep,
        ) {
            // SAFETY: rows r < m hold 4·groups bytes at `base + r·lda`, the
            // tail (unless null) 4·m bytes, `b` kg·NR·4 bytes, `c` the m × NR
            // tile (or the epilogue's output): the caller's; prefetch
            // addresses use `wrapping_add`, never read.
            unsafe {
                let (mut accs, fix_ptrs) = tile_start!(corr);
                let p: [*const u8; M] = core::array::from_fn(|r| a.base.add(r * a.lda));
                let groups = a.groups;
                // Each set takes U consecutive k-groups per step: a row's
                // pointer then serves U broadcasts (offsets 0, 4, …).
                const U: usize = 2;
                let full = groups / (S * U) * (S * U);
                let mut gb = b;
                let mut g = 0;
                while g < full {
                    for s in 0..S {
                        let gs = gb.add(s * U * NR * 4);
                        if M >= $pf_rows {
                            for line in 0..U * NR * 4 / 64 {
                                _mm_prefetch::<_MM_HINT_T0>(gs.wrapping_add($ahead + 64 * line));
                            }
                        }
                        let bv: [[V; NV]; U] = core::array::from_fn(|u| {
                            core::array::from_fn(|v| V::load(gs.add(u * NR * 4 + v * <V as I32Vec>::BYTES)))
                        });
                        for r in 0..M {
                            let pr = p[r].add(4 * (g + s * U));
                            for u in 0..U {
                                let av = V::bcast(pr.add(4 * u));
                                for v in 0..NV {
                                    accs[s][r][v] = <$Step as DotStep>::dot(accs[s][r][v], av, bv[u][v]);
                                }
                            }
                        }
                    }
                    gb = gb.add(S * U * NR * 4);
                    g += S * U;
                }
                // The groups left over, then the tail, into the first set.
                let tail = !a.tail.is_null();
                while g < groups + usize::from(tail) {
                    let bv: [V; NV] = core::array::from_fn(|v| V::load(gb.add(v * <V as I32Vec>::BYTES)));
                    for r in 0..M {
                        let av = match g < groups {
                            true => V::bcast(p[r].add(4 * g)),
                            false => V::bcast(a.tail.add(4 * r)),
                        };
                        for v in 0..NV {
                            accs[0][r][v] = <$Step as DotStep>::dot(accs[0][r][v], av, bv[v]);
                        }
                    }
                    gb = gb.add(NR * 4);
                    g += 1;
                }
                tile_finish!(accs, fix_ptrs, c, ldc, ep);
            }
        }

        /// Runs the tile instantiation for `m` rows and `corr`'s kind (as
        /// `igemm_dot_kernel!`'s dispatch).
        #[inline]
        unsafe fn dispatch<O: TileOut<V, NV>>(
            m: usize,
            a: &IgemmRows,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
            ep: &O::Ep,
        ) {
            debug_assert!((1..=MR).contains(&m));
            let fix = fix_kind!(corr);
            // SAFETY: the caller's contract is the tile's, with M = m.
            unsafe {
                match (m, fix) {
                    $(
                        ($m, 0) => tile::<O, $m, $s, 0>(a, b, c, ldc, corr, ep),
                        ($m, 1) => tile::<O, $m, $s, 1>(a, b, c, ldc, corr, ep),
                        ($m, _) => tile::<O, $m, $s, 2>(a, b, c, ldc, corr, ep),
                    )*
                    _ => {}
                }
            }
        }

        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// The CPU must support the features this kernel is compiled for
        #[doc = concat!("(`", with_level!(@list $level), "`).")]
        /// `1 <= m <= MR`; rows `r < m` readable for `4·a.groups` bytes at
        /// `a.base + r·a.lda`, `a.tail` (unless null) for `4·m` bytes; `b`
        /// for `kg·NR·4` bytes (`kg` counting the tail); `c` writable for
        /// `m` rows of `NR` i32 at stride `ldc`; with `corr`, its row arrays
        /// readable for `m` rows and its column arrays for `NR` columns (the
        /// terms present).
        pub unsafe fn $name(
            m: usize,
            a: &IgemmRows,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
        ) {
            // SAFETY: the caller's contract is the dispatch's.
            unsafe { dispatch::<S32>(m, a, b, c, ldc, corr, &()) }
        }

        #[doc = concat!("[`", stringify!($name), "`] writing C with streaming stores.")]
        ///
        /// # Safety
        ///
        /// As for the s32 entry; every row of `c` starts on a 64-byte
        /// boundary, and the caller fences (`sfence`) before another thread
        /// reads C.
        pub unsafe fn $sname(
            m: usize,
            a: &IgemmRows,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
        ) {
            // SAFETY: the caller's contract is the dispatch's.
            unsafe { dispatch::<Stream>(m, a, b, c, ldc, corr, &()) }
        }

        #[doc = concat!("[`", stringify!($name), "`] requantizing to u8/s8 in its epilogue.")]
        ///
        /// # Safety
        ///
        /// As for the s32 entry, without `c`; `rq.scale` readable for `NR`
        /// columns, `rq.out + r·rq.rso` writable for `NR` bytes (`r < m`),
        /// `rq.lo ≤ rq.hi` with `rq.zp` between them, all three within u8's
        /// range or all within i8's.
        pub unsafe fn $qname(
            m: usize,
            a: &IgemmRows,
            b: *const i8,
            corr: Option<&TileCorrection>,
            rq: &TileRequant,
        ) {
            use $crate::x86_64::avx512::igemm_store_s32_to_q8::Requant;
            // SAFETY: the caller's contract is the dispatch's; with a fused
            // output, `c` is never written (null is fine).
            unsafe {
                if rq.hi_bytes {
                    dispatch::<Requant<false>>(m, a, b, core::ptr::null_mut(), 0, corr, rq)
                } else {
                    dispatch::<Requant<true>>(m, a, b, core::ptr::null_mut(), 0, corr, rq)
                }
            }
        }

        #[doc = concat!("[`", stringify!($name), "`] with the fixed-point requantizing output in its epilogue.")]
        ///
        /// # Safety
        ///
        /// As for the s32 entry, without `c`; `rq.mult` and `rq.shift`
        /// readable for `NR` columns (no multiplier `i32::MIN`, shifts in
        /// `[-31, 30]`), `rq.out + r·rq.rso` writable for `NR` bytes
        /// (`r < m`), `rq.lo ≤ rq.hi` with `rq.zp` between them, all three
        /// within u8's range or all within i8's.
        pub unsafe fn $fname(
            m: usize,
            a: &IgemmRows,
            b: *const i8,
            corr: Option<&TileCorrection>,
            rq: &TileRequantFixed,
        ) {
            use $crate::x86_64::avx512::igemm_requant_fixed::RequantFixed;
            // SAFETY: as in the requantizing entry.
            unsafe { dispatch::<RequantFixed>(m, a, b, core::ptr::null_mut(), 0, corr, rq) }
        }

        #[doc = concat!("[`", stringify!($name), "`] dequantizing to f32 in its epilogue.")]
        ///
        /// # Safety
        ///
        /// As for the s32 entry, without `c`; `dq.row_scale` readable for
        /// `m` rows, `dq.scale` (and `dq.bias` unless null) for `NR`
        /// columns, `dq.out + r·dq.rso` writable for `NR` elements
        /// (`r < m`), each such row 64-byte aligned with `dq.stream`.
        pub unsafe fn $dname(
            m: usize,
            a: &IgemmRows,
            b: *const i8,
            corr: Option<&TileCorrection>,
            dq: &TileDequant,
        ) {
            use $crate::x86_64::avx512::igemm_store_s32_to_f32::Dequant;
            // SAFETY: as in the requantizing entry.
            unsafe { dispatch::<Dequant>(m, a, b, core::ptr::null_mut(), 0, corr, dq) }
        }
        }

        #[cfg(test)]
        #[test]
        fn matches_igemm_twin_on_packed_rows() {
            $crate::igemm_rows_check::check_rows(&INFO);
        }
    };
}
