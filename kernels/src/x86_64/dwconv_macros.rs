//! Macros that stamp the depthwise row kernels once per ISA level and
//! kernel size (contracts in [`crate::dwconv`]). The ISA-specific parts are
//! the helper module (`dwconv_ops::avx512`, …) and the level; a kernel file
//! is one invocation. `$r, $s` = `0, 0` stamps the general kernel, which
//! reads the size from its arguments; fixed sizes unroll every tap.

/// Stamps an FP32 row kernel ([`crate::dwconv::DwRowF32`]).
macro_rules! dwconv_f32_kernel {
    ($(#[$doc:meta])* $name:ident, $level:ident, $v:ident, $r:expr, $s:expr) => {
        with_level! { $level:
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// The CPU must have the kernel's level; every pointer of `a` must be
        /// valid as [`crate::dwconv::DwRowF32`] describes for `L` lanes (the
        /// level's vector width), `r`, `s` its size (when it has one), and
        /// the output ours alone.
        pub unsafe fn $name(a: &$crate::dwconv::DwRowF32) {
            use $crate::x86_64::dwconv_ops::$v as v;
            const P: usize = $crate::dwconv::DW_PIXELS;
            let (rt, st) = if $r == 0 { (a.r, a.s) } else { ($r, $s) };
            let l = v::L;
            // SAFETY: every address below is a tap, weight, bias or output
            // of the caller's contract.
            unsafe {
                let bias = v::load(a.bias);
                let (lo, hi) = (v::set1(a.lo), v::set1(a.hi));
                let step = a.stride * l;
                let mut x = 0;
                while x < a.ow {
                    let n = if x + P <= a.ow { P } else { 1 };
                    let mut acc = [bias; P];
                    for i in 0..rt {
                        let row = (*a.rows.add(i)).add(x * step);
                        let wr = a.weights.add(i * st * l);
                        for j in 0..st {
                            let w = v::load(wr.add(j * l));
                            let tap = row.add(j * a.dil * l);
                            if n == P {
                                for (p, s) in acc.iter_mut().enumerate() {
                                    *s = v::fmadd(v::load(tap.add(p * step)), w, *s);
                                }
                            } else {
                                acc[0] = v::fmadd(v::load(tap), w, acc[0]);
                            }
                        }
                    }
                    for (p, s) in acc.iter().enumerate().take(n) {
                        let y = if a.clamp { v::min(v::max(*s, lo), hi) } else { *s };
                        v::store(a.out.add((x + p) * a.out_stride), y);
                    }
                    x += n;
                }
            }
        }
        }
    };
}

/// Stamps an INT8 row kernel on i16 pairs ([`crate::dwconv::DwRowS16`]).
macro_rules! dwconv_s16_kernel {
    ($(#[$doc:meta])* $name:ident, $level:ident, $v:ident, $r:expr, $s:expr) => {
        with_level! { $level:
        $(#[$doc])*
        ///
        /// # Safety
        ///
        /// The CPU must have the kernel's level; every pointer of `a` must be
        /// valid as [`crate::dwconv::DwRowS16`] describes for `L` lanes (the
        /// level's i32 vector width), `r`, `s` its size (when it has one),
        /// and the output ours alone.
        pub unsafe fn $name(a: &$crate::dwconv::DwRowS16) {
            use $crate::x86_64::dwconv_ops::$v as v;
            const P: usize = $crate::dwconv::DW_PIXELS;
            let (rt, st) = if $r == 0 { (a.r, a.s) } else { ($r, $s) };
            let pairs = st.div_ceil(2);
            let l2 = 2 * v::L;
            // SAFETY: every address below is a tap pair, weight pair or
            // output of the caller's contract.
            unsafe {
                let step = a.stride * l2;
                let mut x = 0;
                while x < a.ow {
                    let n = if x + P <= a.ow { P } else { 1 };
                    let mut acc = [v::izero(); P];
                    for i in 0..rt {
                        let row = (*a.rows.add(i)).add(x * step);
                        let wr = a.weights.add(i * pairs * l2);
                        for q in 0..pairs {
                            let w = v::iload(wr.add(q * l2).cast());
                            let tap = row.add(2 * q * a.dil * l2);
                            if n == P {
                                for (p, s) in acc.iter_mut().enumerate() {
                                    *s = v::madd_acc(*s, v::iload(tap.add(p * step).cast()), w);
                                }
                            } else {
                                acc[0] = v::madd_acc(acc[0], v::iload(tap.cast()), w);
                            }
                        }
                    }
                    for (p, s) in acc.iter().enumerate().take(n) {
                        v::istore(a.out.add((x + p) * a.out_stride).cast(), *s);
                    }
                    x += n;
                }
            }
        }
        }
    };
}
