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
