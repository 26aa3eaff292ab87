//! The macro that stamps the in-place FP32 depthwise kernels once per ISA
//! level and kernel size (contract: [`crate::dwconv_direct`]). A kernel
//! file is one invocation; it names the level's helper module
//! (`dwconv_ops::avx512`, …), its vector type and its pixel block.

/// `dw_unroll!(i < N => { body })`: `body` once for each `i` = 0, 1, …
/// below `N` (a constant, at most 24), `i` a literal in each copy, so
/// every array index is known and the arrays stay in registers (the
/// compiler's own unrolling gives up on the stride-2 spans).
macro_rules! dw_unroll {
    ($i:ident < $n:expr => $body:block) => {
        dw_unroll!(@ $i < $n => $body; 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23)
    };
    (@ $i:ident < $n:expr => $body:block; $($k:literal)*) => {
        $(
            if $k < $n {
                let $i: usize = $k;
                $body
            }
        )*
    };
}

/// `dwconv_f32_direct_kernel!(docs name, level, ops, vector type, R, S, P)`.
///
/// A row goes in blocks of `P` outputs: each input pixel is loaded once
/// per kernel row and serves every output of the block that reads it (3
/// for a 3×3 kernel at stride 1), the `R·S` weight vectors stay in
/// registers for the whole call, and `P` independent sums hide the FMA
/// latency. Blocks at the row's ends test each column (a tap outside the
/// input is skipped); the blocks between test none.
macro_rules! dwconv_f32_direct_kernel {
    ($(#[$doc:meta])* $name:ident, $level:ident, $v:ident, $vt:ident, $r:literal, $s:literal, $p:literal) => {
        use core::arch::x86_64::$vt;
        use $crate::dwconv_direct::DwDirectF32;
        use $crate::x86_64::dwconv_ops::$v as v;

        /// Kernel rows.
        const R: usize = $r;
        /// Kernel columns.
        const S: usize = $s;
        /// Outputs per register block.
        const P: usize = $p;
        const _: () = assert!((P - 1) * 2 + S <= 24, "dw_unroll! covers 24 columns");

        with_level! { $level:
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// The CPU must have the kernel's level; every pointer of `a` must be
        /// valid as [`DwDirectF32`] describes for `L` lanes (the level's
        /// vector width) and this kernel's `r × s`, `a.sw` must be 1 or 2,
        /// and the output ours alone.
        pub unsafe fn $name(a: &DwDirectF32) {
            for b in 0..a.blocks {
                let l = v::L;
                let one = DwDirectF32 {
                    input: a.input.wrapping_add(b * l),
                    weights: a.weights.wrapping_add(b * R * S * l),
                    bias: a.bias.wrapping_add(b * l),
                    out: a.out.wrapping_add(b * l),
                    blocks: 1,
                    ..*a
                };
                // SAFETY: the caller's contract, for block `b` alone.
                unsafe {
                    if a.sw == 1 {
                        rows::<1>(&one)
                    } else {
                        rows::<2>(&one)
                    }
                }
            }
        }

        /// The kernel at horizontal stride `SW`.
        #[inline]
        unsafe fn rows<const SW: usize>(a: &DwDirectF32) {
            let l = v::L;
            // SAFETY: every address read or written below is a weight, the
            // bias or an output of the caller's contract.
            unsafe {
                let mut w = [[v::set1(0.0); S]; R];
                for (i, wi) in w.iter_mut().enumerate() {
                    for (j, wij) in wi.iter_mut().enumerate() {
                        *wij = v::load(a.weights.add((i * S + j) * l));
                    }
                }
                let bias = v::load(a.bias);
                let (lo, hi) = (v::set1(a.lo), v::set1(a.hi));
                // Outputs `x_lo..x_hi` read only columns inside the input.
                let x_lo = a.pl.div_ceil(SW);
                let x_hi = (a.iw + a.pl).checked_sub(S).map_or(0, |e| e / SW + 1);
                let row_len = a.iw * a.in_stride;
                for t in 0..a.rows {
                    let top = (a.y0 + t) * a.sh;
                    // Kernel rows on padding: null, skipped.
                    let mut rp = [core::ptr::null::<f32>(); R];
                    for (i, p) in rp.iter_mut().enumerate() {
                        let h = (top + i * a.dh).wrapping_sub(a.pt);
                        if h < a.ih {
                            *p = a.input.wrapping_add(h * row_len);
                        }
                    }
                    let out = a.out.add(t * a.out_row);
                    let mut x = 0;
                    while x < a.ow {
                        let acc = if x >= x_lo && x + P <= x_hi {
                            block::<SW, false>(a, &w, bias, &rp, x)
                        } else {
                            block::<SW, true>(a, &w, bias, &rp, x)
                        };
                        let n = P.min(a.ow - x);
                        // One add a pixel, not an `imul` (the loads below step
                        // the same way).
                        let mut o = out.add(x * a.out_stride);
                        for s in acc.iter().take(n) {
                            let y = if a.clamp { v::min(v::max(*s, lo), hi) } else { *s };
                            if a.stream {
                                v::stream(o, y);
                            } else {
                                v::store(o, y);
                            }
                            o = o.wrapping_add(a.out_stride);
                        }
                        x += n;
                    }
                }
            }
        }

        /// The sums of outputs `x .. x + P` of one row (those past the
        /// row's end are not stored). Input pixel `q` of the block's span
        /// is loaded once per kernel row and multiplied into every output
        /// `p` that reads it (tap `j = q − p·SW`); `CHECK`: columns
        /// outside the input are skipped.
        #[inline]
        unsafe fn block<const SW: usize, const CHECK: bool>(
            a: &DwDirectF32,
            w: &[[$vt; S]; R],
            bias: $vt,
            rp: &[*const f32; R],
            x: usize,
        ) -> [$vt; P] {
            let mut acc = [bias; P];
            let c0 = (x * SW).wrapping_sub(a.pl);
            dw_unroll!(i < R => {
                let (row, wi) = (rp[i], &w[i]);
                if !row.is_null() {
                    // Column `c0 + q` at `src`, stepped one pixel a column:
                    // an add per load instead of an `imul` and a `lea`.
                    let mut src = row.wrapping_add(c0.wrapping_mul(a.in_stride));
                    dw_unroll!(q < (P - 1) * SW + S => {
                        if q > 0 {
                            src = src.wrapping_add(a.in_stride);
                        }
                        let c = c0.wrapping_add(q);
                        if !CHECK || c < a.iw {
                            // SAFETY: column `c` lies inside this input row
                            // (tested, or inside by the block's place).
                            let t = unsafe { v::load(src) };
                            for (j, wij) in wi.iter().enumerate() {
                                if q >= j && (q - j) % SW == 0 && (q - j) / SW < P {
                                    let p = (q - j) / SW;
                                    acc[p] = v::fmadd(t, *wij, acc[p]);
                                }
                            }
                        }
                    });
                }
            });
            acc
        }
        }
    };
}
