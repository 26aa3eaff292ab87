//! What the INT8 kernels that read A in place share: the in-place GEMM
//! kernel (`igemm_rows_kernel!`, a tile's rows at a stride) and the
//! indirect conv kernel (`iconv_dot_kernel!`, its rows through an
//! indirection buffer) differ only in their `tile` function, which takes
//! the A operand as `&$A`; the frame around it — the tile's constants, the
//! dispatch over `m` and the correction kind, and the entry points with
//! their fused outputs — is stamped here once.

/// Stamps the frame of an in-place kernel around the `tile` function its
/// caller declares beside it (`tile::<O, M, S, FIX>(a: &$A, b, c, ldc,
/// corr, ep)`):
/// - `MR`, `NR`, `V` (the accumulator vector of `step`), `W` (its lanes)
///   and `NV` (vectors per tile row), and the imports, which `tile` uses;
/// - `dispatch`, running `tile` for `m` rows with the `rows: [m => S, …]`
///   accumulator sets, as `igemm_dot_kernel!`'s dispatch;
/// - the entries: s32 (`s32`, documented by the caller's docs and, under
///   `# Safety`, by `a_contract`), streaming s32 (`stream`, optional),
///   requantizing (`q8`, `q8_fixed`) and dequantizing (`f32`), each with
///   the caller's docs.
macro_rules! in_place_kernel_frame {
    (
        level: $level:ident,
        step: $Step:ty,
        mr: $mr:literal,
        nr: $nr:literal,
        operand: $A:ty,
        rows: [$($m:literal => $s:literal),* $(,)?],
        a_contract: { $(#[$adoc:meta])* },
        s32: $(#[$doc:meta])* $name:ident,
        $(stream: $(#[$sdoc:meta])* $sname:ident,)?
        q8: $(#[$qdoc:meta])* $qname:ident,
        q8_fixed: $(#[$fdoc:meta])* $fname:ident,
        f32: $(#[$ddoc:meta])* $dname:ident $(,)?
    ) => {
        use core::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        use $crate::scalar::igemm_tile_store::TileCorrection;
        use $crate::x86_64::igemm_ops::{DotStep, I32Vec, TileOut};

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

        with_level! { $level:
        /// Runs the tile instantiation for `m` rows and `corr`'s kind (as
        /// `igemm_dot_kernel!`'s dispatch).
        #[inline]
        unsafe fn dispatch<O: TileOut<V, NV>>(
            m: usize,
            a: &$A,
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
        $(#[$adoc])*
        pub unsafe fn $name(
            m: usize,
            a: &$A,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
        ) {
            use $crate::x86_64::igemm_ops::S32;
            // SAFETY: the caller's contract is the dispatch's.
            unsafe { dispatch::<S32>(m, a, b, c, ldc, corr, &()) }
        }

        $(
        $(#[$sdoc])*
        ///
        /// # Safety
        ///
        /// As for the s32 entry; every row of `c` starts on a 64-byte
        /// boundary, and the caller fences (`sfence`) before another thread
        /// reads C.
        pub unsafe fn $sname(
            m: usize,
            a: &$A,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
        ) {
            use $crate::x86_64::igemm_ops::Stream;
            // SAFETY: the caller's contract is the dispatch's.
            unsafe { dispatch::<Stream>(m, a, b, c, ldc, corr, &()) }
        }
        )?

        $(#[$qdoc])*
        ///
        /// # Safety
        ///
        /// As for the s32 entry, without `c`; `rq.scale` readable for `NR`
        /// columns, `rq.out + r·rq.rso` writable for `NR` bytes (`r < m`),
        /// `rq.lo ≤ rq.hi` with `rq.zp` between them, all three within u8's
        /// range or all within i8's.
        pub unsafe fn $qname(
            m: usize,
            a: &$A,
            b: *const i8,
            corr: Option<&TileCorrection>,
            rq: &$crate::scalar::igemm_tile_store::TileRequant,
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

        $(#[$fdoc])*
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
            a: &$A,
            b: *const i8,
            corr: Option<&TileCorrection>,
            rq: &$crate::scalar::igemm_tile_store::TileRequantFixed,
        ) {
            use $crate::x86_64::avx512::igemm_requant_fixed::RequantFixed;
            // SAFETY: as in the requantizing entry.
            unsafe { dispatch::<RequantFixed>(m, a, b, core::ptr::null_mut(), 0, corr, rq) }
        }

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
            a: &$A,
            b: *const i8,
            corr: Option<&TileCorrection>,
            dq: &$crate::scalar::igemm_tile_store::TileDequant,
        ) {
            use $crate::x86_64::avx512::igemm_store_s32_to_f32::Dequant;
            // SAFETY: as in the requantizing entry.
            unsafe { dispatch::<Dequant>(m, a, b, core::ptr::null_mut(), 0, corr, dq) }
        }
        }
    };
}

/// Stamps the strip entries of an in-place kernel (`tiles` tiles of `m`
/// rows in one call, [`IgemmRowsStrip`](crate::igemm_rows_ukernel::IgemmRowsStrip),
/// [`IconvStrip`](crate::iconv_ukernel::IconvStrip)) beside its frame:
/// `strip`, expanding the tile's body macro `body` (`body!(Step, ahead,
/// pf_rows, a, b, c, ldc, corr, ep)`) in its loop over the tiles;
/// `strip_dispatch`, one `strip` instantiation per `rows: [m => S, …]`
/// (other heights: a tile call each); and the public entries, each named
/// after the tile entry it strips (`s32: tile => strip`, …; `stream`
/// optional).
macro_rules! in_place_strip_frame {
    (
        level: $level:ident,
        step: $Step:ty,
        prefetch_b: { ahead: $ahead:literal, min_rows: $pf_rows:literal },
        operand: $A:ty,
        body: $body:ident,
        rows: [$($sm:literal => $ss:literal),* $(,)?],
        s32: $name:ident => $strip:ident,
        $(stream: $sname:ident => $strip_s:ident,)?
        q8: $qname:ident => $strip_q:ident,
        q8_fixed: $fname:ident => $strip_f:ident,
        f32: $dname:ident => $strip_d:ident $(,)?
    ) => {
        use $crate::x86_64::in_place_strip::SubTileEp;

        with_level! { $level:
        /// `tiles` tiles of `M` rows, tile `t` on rows `t·M..` (one
        /// `sub_tiles` strip): the tile's body inlined in the loop, so one
        /// set-up per strip and no call between tiles.
        #[inline]
        unsafe fn strip<E: SubTileEp, O: TileOut<V, NV, Ep = E>, const M: usize, const S: usize, const FIX: u8>(
            tiles: usize,
            a: &$A,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
            ep: &E,
        ) {
            for t in 0..tiles {
                let r = t * M;
                let at = a.from_row(r);
                let (at, ct, ep_t) = (&at, corr.map(|f| f.from_row(r)), ep.down(r));
                let (corr_t, ep_t, c_t) = (ct.as_ref(), &ep_t, c.wrapping_add(r * ldc));
                // SAFETY: as in `tile`, for rows r..r + M of the strip (the
                // caller's).
                $body!($Step, $ahead, $pf_rows, at, b, c_t, ldc, corr_t, ep_t)
            }
        }

        /// Runs `tiles` tiles of `m` rows: one `strip` instantiation for
        /// `m` in the strip rows, else a tile call each.
        #[inline]
        #[allow(clippy::too_many_arguments)]
        unsafe fn strip_dispatch<E: SubTileEp, O: TileOut<V, NV, Ep = E>>(
            tiles: usize,
            m: usize,
            a: &$A,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
            ep: &E,
        ) {
            let fix = fix_kind!(corr);
            // SAFETY: the caller's contract is the strip's.
            unsafe {
                match (m, fix) {
                    $(
                        ($sm, 0) => strip::<E, O, $sm, $ss, 0>(tiles, a, b, c, ldc, corr, ep),
                        ($sm, 1) => strip::<E, O, $sm, $ss, 1>(tiles, a, b, c, ldc, corr, ep),
                        ($sm, _) => strip::<E, O, $sm, $ss, 2>(tiles, a, b, c, ldc, corr, ep),
                    )*
                    _ => {
                        for t in 0..tiles {
                            let r = t * m;
                            let at = a.from_row(r);
                            let ct = corr.map(|f| f.from_row(r));
                            dispatch::<O>(m, &at, b, c.wrapping_add(r * ldc), ldc, ct.as_ref(), &ep.down(r));
                        }
                    }
                }
            }
        }
        }

        with_level! { $level:
        #[doc = concat!("[`", stringify!($name), "`] over a strip of `tiles` tiles of `m` rows, one under the other.")]
        ///
        /// # Safety
        ///
        #[doc = concat!("As for [`", stringify!($name), "`], for all `tiles·m` rows.")]
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $strip(
            tiles: usize,
            m: usize,
            a: &$A,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
        ) {
            use $crate::x86_64::igemm_ops::S32;
            // SAFETY: the caller's contract is the strip's.
            unsafe { strip_dispatch::<_, S32>(tiles, m, a, b, c, ldc, corr, &()) }
        }

        $(
        #[doc = concat!("[`", stringify!($sname), "`] over a strip.")]
        ///
        /// # Safety
        ///
        #[doc = concat!("As for [`", stringify!($sname), "`], for all `tiles·m` rows.")]
        #[allow(clippy::too_many_arguments)]
        pub unsafe fn $strip_s(
            tiles: usize,
            m: usize,
            a: &$A,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
        ) {
            use $crate::x86_64::igemm_ops::Stream;
            // SAFETY: the caller's contract is the strip's.
            unsafe { strip_dispatch::<_, Stream>(tiles, m, a, b, c, ldc, corr, &()) }
        }
        )?

        #[doc = concat!("[`", stringify!($qname), "`] over a strip.")]
        ///
        /// # Safety
        ///
        #[doc = concat!("As for [`", stringify!($qname), "`], for all `tiles·m` rows.")]
        pub unsafe fn $strip_q(
            tiles: usize,
            m: usize,
            a: &$A,
            b: *const i8,
            corr: Option<&TileCorrection>,
            rq: &$crate::scalar::igemm_tile_store::TileRequant,
        ) {
            use $crate::x86_64::avx512::igemm_store_s32_to_q8::Requant;
            let c = core::ptr::null_mut();
            // SAFETY: the caller's contract is the strip's; with a fused
            // output, `c` is never written.
            unsafe {
                if rq.hi_bytes {
                    strip_dispatch::<_, Requant<false>>(tiles, m, a, b, c, 0, corr, rq)
                } else {
                    strip_dispatch::<_, Requant<true>>(tiles, m, a, b, c, 0, corr, rq)
                }
            }
        }

        #[doc = concat!("[`", stringify!($fname), "`] over a strip.")]
        ///
        /// # Safety
        ///
        #[doc = concat!("As for [`", stringify!($fname), "`], for all `tiles·m` rows.")]
        pub unsafe fn $strip_f(
            tiles: usize,
            m: usize,
            a: &$A,
            b: *const i8,
            corr: Option<&TileCorrection>,
            rq: &$crate::scalar::igemm_tile_store::TileRequantFixed,
        ) {
            use $crate::x86_64::avx512::igemm_requant_fixed::RequantFixed;
            // SAFETY: as in the requantizing strip.
            unsafe { strip_dispatch::<_, RequantFixed>(tiles, m, a, b, core::ptr::null_mut(), 0, corr, rq) }
        }

        #[doc = concat!("[`", stringify!($dname), "`] over a strip.")]
        ///
        /// # Safety
        ///
        #[doc = concat!("As for [`", stringify!($dname), "`], for all `tiles·m` rows.")]
        pub unsafe fn $strip_d(
            tiles: usize,
            m: usize,
            a: &$A,
            b: *const i8,
            corr: Option<&TileCorrection>,
            dq: &$crate::scalar::igemm_tile_store::TileDequant,
        ) {
            use $crate::x86_64::avx512::igemm_store_s32_to_f32::Dequant;
            // SAFETY: as in the requantizing strip.
            unsafe { strip_dispatch::<_, Dequant>(tiles, m, a, b, core::ptr::null_mut(), 0, corr, dq) }
        }
        }
    };
}
