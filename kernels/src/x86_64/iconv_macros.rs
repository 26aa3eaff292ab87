//! The macro that declares the SIMD INT8 *indirect* convolution
//! microkernels (contract: [`crate::iconv_ukernel`]): the k loop of
//! `igemm_dot_kernel!` split into taps, each row's A read through its
//! pointer for the tap instead of from a packed panel; the same
//! [`DotStep`], corrections and fused outputs ([`TileOut`]). Only `tile` is
//! this kernel's own: its dispatch and entries are
//! `in_place_kernel_frame!`'s, with [`IconvRows`] (rows through the
//! indirection buffer) as the row source.
//!
//! [`IconvRows`]: crate::iconv_ukernel::IconvRows
//! [`DotStep`]: crate::x86_64::igemm_ops::DotStep
//! [`TileOut`]: crate::x86_64::igemm_ops::TileOut

/// Stamps an indirect kernel: `rows: [m => S, …]` and `prefetch_b` as in
/// `igemm_dot_kernel!` (the S accumulator sets cover consecutive k-groups
/// of a tap), with its s32, requantizing (`q8`), dequantizing (`f32`) and
/// fixed-point requantizing (`q8_fixed`) entries, its [`IconvUkernelInfo`](crate::iconv_ukernel::IconvUkernelInfo)
/// (`INFO`) and its test against the igemm twin on the gathered rows.
macro_rules! iconv_dot_kernel {
    (
        $(#[$doc:meta])*
        name: $name:ident,
        level: $level:ident,
        step: $Step:ty,
        mr: $mr:literal,
        nr: $nr:literal,
        rows: [$($m:literal => $s:literal),* $(,)?],
        prefetch_b: { ahead: $ahead:literal, min_rows: $pf_rows:literal },
        q8: $(#[$qdoc:meta])* $qname:ident,
        f32: $(#[$ddoc:meta])* $dname:ident,
        q8_fixed: $(#[$fdoc:meta])* $fname:ident,
        strip: {
            mr: $smr:literal,
            rows: [$($sm:literal => $ss:literal),* $(,)?],
            s32: $strip:ident,
            q8: $strip_q:ident,
            q8_fixed: $strip_f:ident,
            f32: $strip_d:ident $(,)?
        } $(,)?
    ) => {
        use $crate::iconv_ukernel::IconvRows;

        in_place_kernel_frame! {
            level: $level,
            step: $Step,
            mr: $mr,
            nr: $nr,
            operand: IconvRows,
            rows: [$($m => $s),*],
            a_contract: {
                /// `1 <= m <= MR`; `a.offsets` readable for `m·a.taps` entries, each
                /// run `a.row(r, t)` (and `a.zero`) for `4·a.groups` bytes,
                /// `a.pad_sums` (unless null) for `NR` i32 at each tap, `a.row_step`
                /// as [`IconvRows`] states; `b` for `a.taps·a.groups·NR·4` bytes; `c`
                /// writable for `m` rows of `NR` i32 at stride `ldc`; with `corr`, its
                /// row arrays readable for `m` rows and its column arrays for `NR`
                /// columns (the terms present).
            },
            s32: $(#[$doc])* $name,
            q8: $(#[$qdoc])* $qname,
            q8_fixed: $(#[$fdoc])* $fname,
            f32: $(#[$ddoc])* $dname,
        }

        /// What the kernel declares about itself.
        pub const INFO: $crate::iconv_ukernel::IconvUkernelInfo = $crate::iconv_ukernel::IconvUkernelInfo {
            name: stringify!($name),
            isa: stringify!($level),
            features: with_level!(@list $level),
            mr: MR,
            nr: NR,
            f: $name,
            f_q8: $qname,
            f_f32: $dname,
            f_q8_fixed: $fname,
            strip: $crate::iconv_ukernel::IconvStrip {
                mr: $smr,
                f: $strip,
                f_stream: None,
                f_q8: $strip_q,
                f_q8_fixed: $strip_f,
                f_f32: $strip_d,
            },
        };

        with_level! { $level:
        /// One tile of `M` rows, `S` accumulator sets, correction kind
        /// `FIX` (0 none, 1 start value only, 2 every term), output `O`.
        #[inline]
        unsafe fn tile<O: TileOut<V, NV>, const M: usize, const S: usize, const FIX: u8>(
            a: &IconvRows,
            b: *const i8,
            c: *mut i32,
            ldc: usize,
            corr: Option<&TileCorrection>,
            ep: &O::Ep,
        ) {
            // SAFETY: every run `a.row(r, t)` holds 4·groups bytes and the
            // offsets m·taps entries (the caller's), `b` taps·groups·NR·4
            // bytes, `c` the m × NR tile (or the epilogue's output);
            // prefetch addresses use `wrapping_add`, never read.
            iconv_tile_body!($Step, $ahead, $pf_rows, a, b, c, ldc, corr, ep)
        }
        }

        in_place_strip_frame! {
            level: $level,
            step: $Step,
            prefetch_b: { ahead: $ahead, min_rows: $pf_rows },
            operand: IconvRows,
            body: iconv_tile_body,
            rows: [$($sm => $ss),*],
            s32: $name => $strip,
            q8: $qname => $strip_q,
            q8_fixed: $fname => $strip_f,
            f32: $dname => $strip_d,
        }

        #[cfg(test)]
        #[test]
        fn matches_igemm_twin_on_gathered_rows() {
            $crate::iconv_check::check_iconv(&INFO);
        }
    };
}

/// The body of the indirect kernel's tile (`M` rows, `S` accumulator sets,
/// correction kind `FIX`, output `O`), expanded in place in `tile` and in
/// `strip`'s loop (as `rows_tile_body!`: a call per tile is what the strip
/// removes). `a: &IconvRows`, `b`, `c`, `ldc`, `corr`, `ep` as the tile's
/// arguments.
macro_rules! iconv_tile_body {
    ($Step:ty, $ahead:literal, $pf_rows:literal, $a:ident, $b:ident, $c:ident, $ldc:ident, $corr:ident, $ep:ident) => {
        // SAFETY: the expanding function's contract (each expansion states it).
        unsafe {
            let (mut accs, fix_ptrs) = tile_start!($corr);
            let groups = $a.groups;
            let full = groups / S * S;
            let mut gb = $b;
            let next = $a.offsets.wrapping_add(M * $a.taps).cast::<u8>();
            for t in 0..$a.taps {
                // The next tile's offsets, two lines a tap (a tile reads
                // MR·taps·8 bytes, under 2·64·taps): a 3-D layer's
                // buffer is megabytes, read at a stride the hardware
                // prefetchers miss.
                _mm_prefetch::<_MM_HINT_T0>(next.wrapping_add(128 * t) as *const i8);
                _mm_prefetch::<_MM_HINT_T0>(next.wrapping_add(128 * t + 64) as *const i8);
                // The tap's leading padding rows (`..lo`) and trailing
                // ones (`hi..`), found from the ends (most taps pad in no
                // row: two reads, not M); a padding row between them
                // reads the zero row, which adds the same bits.
                let (lo, hi) = match $a.pad_sums.is_null() {
                    true => (0, M),
                    false => {
                        let lo = (0..M).take_while(|&r| $a.is_pad(r, t)).count();
                        (lo, M - (lo..M).rev().take_while(|&r| $a.is_pad(r, t)).count())
                    }
                };
                // A tap where every row pads adds its tap sums instead of
                // its products.
                if lo == M {
                    let ps = $a.pad_sums.add(t * $a.pad_stride);
                    let pv: [V; NV] = core::array::from_fn(|v| V::load(ps.add(v * W)));
                    for r in 0..M {
                        for v in 0..NV {
                            accs[0][r][v] = V::add(accs[0][r][v], pv[v]);
                        }
                    }
                    gb = gb.add(groups * NR * 4);
                    continue;
                }
                // Evenly spaced rows: one offset read, not M (a 3-D
                // layer's taps are only 8 k-groups deep).
                let p: [*const u8; M] = match $a.row_step {
                    0 => core::array::from_fn(|r| $a.row(r, t)),
                    step => {
                        let p0 = $a.row(lo, t).wrapping_sub(lo * step);
                        core::array::from_fn(|r| p0.wrapping_add(r * step))
                    }
                };
                if lo > 0 || hi < M {
                    // Padding rows before the first real row and after
                    // the last take their tap sum instead of its
                    // products; the rows between are computed. Rows are
                    // guarded, not ranged, so `accs` keeps constant
                    // indices (registers).
                    let ps = $a.pad_sums.add(t * $a.pad_stride);
                    let pv: [V; NV] = core::array::from_fn(|v| V::load(ps.add(v * W)));
                    for r in 0..M {
                        if r < lo || r >= hi {
                            for v in 0..NV {
                                accs[0][r][v] = V::add(accs[0][r][v], pv[v]);
                            }
                        }
                    }
                }
                // A full tile whose real rows are a common channel count
                // apart (64–512 bytes, one padding row at most at an end):
                // the step as a constant, so every row is a displacement
                // from one pointer, not one of MR pointers.
                if M == MR && $a.row_step != 0 {
                    let p0 = p[0];
                    let done = match (lo, M - hi) {
                        (0, 0) => iconv_step_groups!($Step, $ahead, $pf_rows, $a, accs, gb, groups, full, p0, r => true),
                        (1, 0) => iconv_step_groups!($Step, $ahead, $pf_rows, $a, accs, gb, groups, full, p0, r => r >= 1),
                        (0, 1) => iconv_step_groups!($Step, $ahead, $pf_rows, $a, accs, gb, groups, full, p0, r => r + 1 < M),
                        _ => false,
                    };
                    if done {
                        continue;
                    }
                }
                if lo > 0 || hi < M {
                    for g in 0..groups {
                        let bv: [V; NV] = core::array::from_fn(|v| V::load(gb.add(v * <V as I32Vec>::BYTES)));
                        for r in 0..M {
                            if r >= lo && r < hi {
                                let av = V::bcast(p[r].add(4 * g));
                                for v in 0..NV {
                                    accs[0][r][v] = <$Step as DotStep>::dot(accs[0][r][v], av, bv[v]);
                                }
                            }
                        }
                        gb = gb.add(NR * 4);
                    }
                    continue;
                }
                iconv_tap_groups!($Step, $ahead, $pf_rows, accs, gb, groups, full, r, g, true => p[r].add(4 * g));
            }
            tile_finish!(accs, fix_ptrs, $c, $ldc, $ep);
        }
    };
}

/// One tap's k-groups of a tile (`S` sets over the whole sets of groups,
/// the rest into the first) on the rows `$r` where `$keep` holds (a
/// constant per row), row `$r`'s 4 bytes of group `$g` at `$at`; advances
/// `$gb` past the tap's weights. Part of `iconv_tile_body!` (its names,
/// its unsafe block).
macro_rules! iconv_tap_groups {
    ($Step:ty, $ahead:literal, $pf_rows:literal, $accs:ident, $gb:ident, $groups:ident, $full:ident,
     $r:ident, $g:ident, $keep:expr => $at:expr) => {{
        let mut gg = 0;
        while gg < $full {
            for s in 0..S {
                if M >= $pf_rows {
                    for line in 0..NR * 4 / 64 {
                        _mm_prefetch::<_MM_HINT_T0>($gb.wrapping_add($ahead + 64 * line));
                    }
                }
                let bv: [V; NV] = core::array::from_fn(|v| V::load($gb.add(v * <V as I32Vec>::BYTES)));
                let $g = gg + s;
                for $r in 0..M {
                    if $keep {
                        let av = V::bcast($at);
                        for v in 0..NV {
                            $accs[s][$r][v] = <$Step as DotStep>::dot($accs[s][$r][v], av, bv[v]);
                        }
                    }
                }
                $gb = $gb.add(NR * 4);
            }
            gg += S;
        }
        // The tap's groups left over, into the first set.
        while gg < $groups {
            let bv: [V; NV] = core::array::from_fn(|v| V::load($gb.add(v * <V as I32Vec>::BYTES)));
            let $g = gg;
            for $r in 0..M {
                if $keep {
                    let av = V::bcast($at);
                    for v in 0..NV {
                        $accs[0][$r][v] = <$Step as DotStep>::dot($accs[0][$r][v], av, bv[v]);
                    }
                }
            }
            $gb = $gb.add(NR * 4);
            gg += 1;
        }
    }};
}

/// [`iconv_tap_groups!`] with rows `$p0 + r·step` for a tap's `row_step`
/// of 64, 128, 256 or 512 bytes, the step a constant (`true`); `false`,
/// nothing done, for another step.
macro_rules! iconv_step_groups {
    ($Step:ty, $ahead:literal, $pf_rows:literal, $a:ident, $accs:ident, $gb:ident, $groups:ident, $full:ident,
     $p0:ident, $r:ident => $keep:expr) => {
        match $a.row_step {
            64 => {
                iconv_tap_groups!($Step, $ahead, $pf_rows, $accs, $gb, $groups, $full, $r, g, $keep => $p0.wrapping_add($r * 64 + 4 * g));
                true
            }
            128 => {
                iconv_tap_groups!($Step, $ahead, $pf_rows, $accs, $gb, $groups, $full, $r, g, $keep => $p0.wrapping_add($r * 128 + 4 * g));
                true
            }
            256 => {
                iconv_tap_groups!($Step, $ahead, $pf_rows, $accs, $gb, $groups, $full, $r, g, $keep => $p0.wrapping_add($r * 256 + 4 * g));
                true
            }
            512 => {
                iconv_tap_groups!($Step, $ahead, $pf_rows, $accs, $gb, $groups, $full, $r, g, $keep => $p0.wrapping_add($r * 512 + 4 * g));
                true
            }
            _ => false,
        }
    };
}
