//! Macros that stamp the depthwise row kernels once per ISA level and
//! kernel size (contracts in [`crate::dwconv`]). The ISA-specific parts are
//! the helper module (`dwconv_ops::avx512`, …) and the level; a kernel file
//! is one invocation. `$r, $s` = `0, 0` stamps the general kernel, which
//! reads the size from its arguments; fixed sizes unroll every tap.

/// Stamps an FP32 row kernel ([`crate::dwconv::DwRowF32`]).
macro_rules! dwconv_f32_kernel {
    // Outputs `x..x + $n`: every tap's weight loaded once for all of them.
    (@px $v:ident, $a:ident, $x:ident, $rt:ident, $st:ident, $l:ident, $step:ident,
     $bias:ident, $lo:ident, $hi:ident, $n:literal) => {{
        let mut acc = [$bias; $n];
        for i in 0..$rt {
            let row = (*$a.rows.add(i)).add($x * $step);
            let wr = $a.weights.add(i * $st * $l);
            for j in 0..$st {
                let w = $v::load(wr.add(j * $l));
                let tap = row.add(j * $a.dil * $l);
                for (p, s) in acc.iter_mut().enumerate() {
                    *s = $v::fmadd($v::load(tap.add(p * $step)), w, *s);
                }
            }
        }
        for (p, s) in acc.iter().enumerate() {
            let y = if $a.clamp { $v::min($v::max(*s, $lo), $hi) } else { *s };
            $v::store($a.out.add(($x + p) * $a.out_stride), y);
        }
    }};
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
                // Blocks of 8, then 4, 2, 1 outputs: as many independent
                // sums as there are outputs left.
                let mut x = 0;
                while x + P <= a.ow {
                    dwconv_f32_kernel!(@px v, a, x, rt, st, l, step, bias, lo, hi, 8);
                    x += P;
                }
                for n in [4, 2, 1] {
                    if x + n <= a.ow {
                        match n {
                            4 => dwconv_f32_kernel!(@px v, a, x, rt, st, l, step, bias, lo, hi, 4),
                            2 => dwconv_f32_kernel!(@px v, a, x, rt, st, l, step, bias, lo, hi, 2),
                            _ => dwconv_f32_kernel!(@px v, a, x, rt, st, l, step, bias, lo, hi, 1),
                        }
                        x += n;
                    }
                }
            }
        }
        }
    };
}

/// Stamps an INT8 row kernel on i16 pairs ([`crate::dwconv::DwRowS16`]).
macro_rules! dwconv_s16_kernel {
    // Outputs `x..x + $n`: every pair's weights loaded once for all of them.
    (@px $v:ident, $a:ident, $x:ident, $rt:ident, $pairs:ident, $l2:ident, $step:ident, $n:literal) => {{
        let mut acc = [$v::izero(); $n];
        for i in 0..$rt {
            let row = (*$a.rows.add(i)).add($x * $step);
            let wr = $a.weights.add(i * $pairs * $l2);
            for q in 0..$pairs {
                let w = $v::iload(wr.add(q * $l2).cast());
                let tap = row.add(2 * q * $a.dil * $l2);
                for (p, s) in acc.iter_mut().enumerate() {
                    *s = $v::madd_acc(*s, $v::iload(tap.add(p * $step).cast()), w);
                }
            }
        }
        for (p, s) in acc.iter().enumerate() {
            $v::istore($a.out.add(($x + p) * $a.out_stride).cast(), *s);
        }
    }};
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
                while x + P <= a.ow {
                    dwconv_s16_kernel!(@px v, a, x, rt, pairs, l2, step, 8);
                    x += P;
                }
                for n in [4, 2, 1] {
                    if x + n <= a.ow {
                        match n {
                            4 => dwconv_s16_kernel!(@px v, a, x, rt, pairs, l2, step, 4),
                            2 => dwconv_s16_kernel!(@px v, a, x, rt, pairs, l2, step, 2),
                            _ => dwconv_s16_kernel!(@px v, a, x, rt, pairs, l2, step, 1),
                        }
                        x += n;
                    }
                }
            }
        }
        }
    };
}
