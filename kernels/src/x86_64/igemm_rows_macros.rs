//! The macro that declares the SIMD INT8 GEMM kernels reading A in place
//! (contract: [`crate::igemm_rows_ukernel`]): the k loop of
//! `igemm_dot_kernel!` with each row's A read from its own row of a
//! row-major matrix instead of from a packed panel, then the partial last
//! k-group from the tail; the same [`DotStep`], corrections and fused
//! outputs ([`TileOut`]). Only `tile` is this kernel's own: its dispatch
//! and entries are `in_place_kernel_frame!`'s, with [`IgemmRows`] (rows at
//! a stride) as the row source.
//!
//! [`IgemmRows`]: crate::igemm_rows_ukernel::IgemmRows
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
        f32: $dname:ident,
        strip: {
            mr: $smr:literal,
            rows: [$($sm:literal => $ss:literal),* $(,)?],
            s32: $strip:ident,
            stream: $strip_s:ident,
            q8: $strip_q:ident,
            q8_fixed: $strip_f:ident,
            f32: $strip_d:ident $(,)?
        } $(,)?
    ) => {
        use $crate::igemm_rows_ukernel::IgemmRows;

        in_place_kernel_frame! {
            level: $level,
            step: $Step,
            mr: $mr,
            nr: $nr,
            operand: IgemmRows,
            rows: [$($m => $s),*],
            a_contract: {
                /// `1 <= m <= MR`; rows `r < m` readable for `4·a.groups` bytes at
                /// `a.base + r·a.lda`, `a.tail` (unless null) for `4·m` bytes; `b`
                /// for `kg·NR·4` bytes (`kg` counting the tail); `c` writable for
                /// `m` rows of `NR` i32 at stride `ldc`; with `corr`, its row arrays
                /// readable for `m` rows and its column arrays for `NR` columns (the
                /// terms present).
            },
            s32: $(#[$doc])* $name,
            stream:
                #[doc = concat!("[`", stringify!($name), "`] writing C with streaming stores.")]
                $sname,
            q8:
                #[doc = concat!("[`", stringify!($name), "`] requantizing to u8/s8 in its epilogue.")]
                $qname,
            q8_fixed:
                #[doc = concat!("[`", stringify!($name), "`] with the fixed-point requantizing output in its epilogue.")]
                $fname,
            f32:
                #[doc = concat!("[`", stringify!($name), "`] dequantizing to f32 in its epilogue.")]
                $dname,
        }

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
                strip: $crate::igemm_rows_ukernel::IgemmRowsStrip {
                    mr: $smr,
                    f: $strip,
                    f_stream: Some($strip_s),
                    f_q8: $strip_q,
                    f_q8_fixed: $strip_f,
                    f_f32: $strip_d,
                },
            };

        with_level! { $level:
        /// One tile (the frame's dispatch calls it).
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
            rows_tile_body!($Step, $ahead, $pf_rows, a, b, c, ldc, corr, ep)
        }
        }

        in_place_strip_frame! {
            level: $level,
            step: $Step,
            prefetch_b: { ahead: $ahead, min_rows: $pf_rows },
            operand: IgemmRows,
            body: rows_tile_body,
            rows: [$($sm => $ss),*],
            s32: $name => $strip,
            stream: $sname => $strip_s,
            q8: $qname => $strip_q,
            q8_fixed: $fname => $strip_f,
            f32: $dname => $strip_d,
        }

        #[cfg(test)]
        #[test]
        fn matches_igemm_twin_on_packed_rows() {
            $crate::igemm_rows_check::check_rows(&INFO);
        }
    };
}

/// The body of the rows kernel's tile (`M` rows, `S` accumulator sets,
/// correction kind `FIX`: 0 none, 1 start value only, 2 every term; output
/// `O`), expanded in place in `tile` and in `strip`'s loop (an
/// `#[inline(always)]` function cannot carry `#[target_feature]`, and a
/// call per tile is what the strip removes). `a: &IgemmRows`, `b`, `c`,
/// `ldc`, `corr`, `ep` as the tile's arguments.
macro_rules! rows_tile_body {
    ($Step:ty, $ahead:literal, $pf_rows:literal, $a:ident, $b:ident, $c:ident, $ldc:ident, $corr:ident, $ep:ident) => {
        // SAFETY: the expanding function's contract (each expansion states it).
        unsafe {
            let (mut accs, fix_ptrs) = tile_start!($corr);
            let p: [*const u8; M] = core::array::from_fn(|r| $a.base.add(r * $a.lda));
            let groups = $a.groups;
            // Each set takes U consecutive k-groups per step: a row's
            // pointer then serves U broadcasts (offsets 0, 4, …).
            const U: usize = 2;
            let full = groups / (S * U) * (S * U);
            let mut gb = $b;
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
            let tail = !$a.tail.is_null();
            while g < groups + usize::from(tail) {
                let bv: [V; NV] = core::array::from_fn(|v| V::load(gb.add(v * <V as I32Vec>::BYTES)));
                for r in 0..M {
                    let av = match g < groups {
                        true => V::bcast(p[r].add(4 * g)),
                        false => V::bcast($a.tail.add(4 * r)),
                    };
                    for v in 0..NV {
                        accs[0][r][v] = <$Step as DotStep>::dot(accs[0][r][v], av, bv[v]);
                    }
                }
                gb = gb.add(NR * 4);
                g += 1;
            }
            tile_finish!(accs, fix_ptrs, $c, $ldc, $ep);
        }
    };
}
