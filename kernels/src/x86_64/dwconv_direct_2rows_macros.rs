//! The macro that stamps the in-place FP32 depthwise kernels computing two
//! output rows per register block (contract: [`crate::dwconv_direct`], with
//! the stride and dilation fixed per kernel). A kernel file is one
//! invocation.

/// `dwconv_f32_direct_2rows_kernel!(docs name, level, ops, vector type, R, S, P, SH, SW, BLOCKS_OUTER)`.
///
/// Output rows go in pairs: a block of `P` columns of both rows reads the
/// `R + SH` input rows the pair covers (vertical dilation 1), each input
/// pixel loaded once and multiplied into every output of either row that
/// reads it, so the input rows the two share are loaded once for both (at
/// a 3×3 stride 2: 5 input rows for 2 output rows instead of 6). `2·P`
/// sums and the `R·S` weights stay in registers. `BLOCKS_OUTER`: a call
/// runs each channel block over all its row pairs before the next block
/// (the pass over one block's pair rows is small enough for the L1 to keep
/// the row two pairs share); otherwise each row pair runs all its blocks
/// before the next pair. An odd last row is
/// computed as a pair whose second row reads only the first one's input
/// rows and is not stored. Every output gets the same fused multiply-adds
/// in the same order as in the one-row kernels.
macro_rules! dwconv_f32_direct_2rows_kernel {
    ($(#[$doc:meta])* $name:ident, $level:ident, $v:ident, $vt:ident, $r:literal, $s:literal, $p:literal, $sh:literal, $sw:literal, $outer:literal) => {
        use core::arch::x86_64::$vt;
        use $crate::dwconv_direct::DwDirectF32;
        use $crate::x86_64::dwconv_ops::$v as v;

        /// Kernel rows.
        const R: usize = $r;
        /// Kernel columns.
        const S: usize = $s;
        /// Outputs per row of a register block.
        const P: usize = $p;
        /// Vertical stride.
        const SH: usize = $sh;
        /// Horizontal stride.
        const SW: usize = $sw;
        /// Input rows a pair of output rows reads.
        const U: usize = R + SH;
        /// Channel blocks outside the row pairs.
        const BLOCKS_OUTER: bool = $outer;
        const _: () = assert!((P - 1) * SW + S <= 24 && U <= 24, "dw_unroll! covers 24");

        with_level! { $level:
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// The CPU must have the kernel's level; every pointer of `a` must be
        /// valid as [`DwDirectF32`] describes for `L` lanes (the level's
        /// vector width) and this kernel's `r × s`; `a.sh` and `a.sw` must be
        /// this kernel's strides, `a.dh` 1, and the output ours alone.
        pub unsafe fn $name(a: &DwDirectF32) {
            let l = v::L;
            // SAFETY: every address read or written below is a weight, a
            // bias or an output of the caller's contract.
            unsafe {
                let (lo, hi) = (v::set1(a.lo), v::set1(a.hi));
                // Outputs `x_lo..x_hi` read only columns inside the input.
                let x_lo = a.pl.div_ceil(SW);
                let x_hi = (a.iw + a.pl).checked_sub(S).map_or(0, |e| e / SW + 1);
                let row_len = a.iw * a.in_stride;
                let pairs = a.rows.div_ceil(2);
                let (n_outer, n_inner) = if BLOCKS_OUTER { (a.blocks, pairs) } else { (pairs, a.blocks) };
                for outer in 0..n_outer {
                    for inner in 0..n_inner {
                        let (pair, b) = if BLOCKS_OUTER { (inner, outer) } else { (outer, inner) };
                        let t = 2 * pair;
                        let two = t + 1 < a.rows;
                        let top = (a.y0 + t) * SH;
                        // Input rows on padding, and those only an unstored
                        // second row reads: null, skipped.
                        let mut rp = [core::ptr::null::<f32>(); U];
                        for (u, p) in rp.iter_mut().enumerate() {
                            let h = (top + u).wrapping_sub(a.pt);
                            if h < a.ih && (two || u < R) {
                                *p = a.input.wrapping_add(h * row_len);
                            }
                        }
                        let out = a.out.add(t * a.out_row);
                        let mut w = [[v::set1(0.0); S]; R];
                        for (i, wi) in w.iter_mut().enumerate() {
                            for (j, wij) in wi.iter_mut().enumerate() {
                                *wij = v::load(a.weights.add(((b * R + i) * S + j) * l));
                            }
                        }
                        let bias = v::load(a.bias.add(b * l));
                        let mut x = 0;
                        while x < a.ow {
                            let acc = if x >= x_lo && x + P <= x_hi {
                                block::<false>(a, &w, bias, &rp, x, b * l)
                            } else {
                                block::<true>(a, &w, bias, &rp, x, b * l)
                            };
                            let n = P.min(a.ow - x);
                            for (r, row) in acc.iter().enumerate().take(if two { 2 } else { 1 }) {
                                // One add a pixel, not a multiply.
                                let mut o = out.add(r * a.out_row + b * l + x * a.out_stride);
                                for s in row.iter().take(n) {
                                    let y = if a.clamp { v::min(v::max(*s, lo), hi) } else { *s };
                                    if a.stream {
                                        v::stream(o, y);
                                    } else {
                                        v::store(o, y);
                                    }
                                    o = o.wrapping_add(a.out_stride);
                                }
                            }
                            x += n;
                        }
                    }
                }
            }
        }

        /// The sums of outputs `x .. x + P` of both rows of a pair. Input
        /// row `u` of the pair is tap row `u` of the first output row and
        /// `u − SH` of the second; its pixel `q` is tap column `q − p·SW`
        /// of output `p`, its lanes `off` past the row's pixel. `CHECK`:
        /// columns outside the input are skipped.
        #[inline]
        // `SW` is 1 in the stride-1 kernels: the modulo is then a constant true.
        #[allow(clippy::modulo_one)]
        unsafe fn block<const CHECK: bool>(
            a: &DwDirectF32,
            w: &[[$vt; S]; R],
            bias: $vt,
            rp: &[*const f32; U],
            x: usize,
            off: usize,
        ) -> [[$vt; P]; 2] {
            let mut acc = [[bias; P]; 2];
            let c0 = (x * SW).wrapping_sub(a.pl);
            dw_unroll!(u < U => {
                let row = rp[u];
                if !row.is_null() {
                    // Column `c0 + q` at `src`, stepped one pixel a column:
                    // an add per load instead of an `imul` and a `lea`.
                    let mut src = row.wrapping_add(c0.wrapping_mul(a.in_stride).wrapping_add(off));
                    dw_unroll!(q < (P - 1) * SW + S => {
                        if q > 0 {
                            src = src.wrapping_add(a.in_stride);
                        }
                        let c = c0.wrapping_add(q);
                        if !CHECK || c < a.iw {
                            // SAFETY: column `c` lies inside this input row
                            // (tested, or inside by the block's place).
                            let t = unsafe { v::load(src) };
                            for (r, accr) in acc.iter_mut().enumerate() {
                                let i = u.wrapping_sub(r * SH);
                                if i < R {
                                    for (j, wij) in w[i].iter().enumerate() {
                                        if q >= j && (q - j) % SW == 0 && (q - j) / SW < P {
                                            let p = (q - j) / SW;
                                            accr[p] = v::fmadd(t, *wij, accr[p]);
                                        }
                                    }
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
