//! Macros that stamp the dot-product kernels once per ISA level.
//!
//! Each macro holds one loop structure; the ISA-specific parts are the
//! vector helper module it is given (`vec_avx512`, `vec_avx2`) and the
//! `#[target_feature]` string. A kernel file is one invocation.

/// Stamps a float reduction kernel: `dot`, `l2` (squared distance) or `cos`
/// (returns `[a·b, a·a, b·b]`).
///
/// Order of operations (fixed, so results are reproducible): four
/// accumulators take vectors `i, i+1, i+2, i+3` of each group of four; the
/// remaining whole vectors go to accumulator 0, the masked tail to
/// accumulator 1; then `(acc0 + acc1) + (acc2 + acc3)` and a fixed lane tree.
macro_rules! float_reduce_kernel {
    (@ret dot) => { f32 };
    (@ret l2) => { f32 };
    (@ret cos) => { [f32; 3] };
    (@fin dot, $r:expr) => { $r[0] };
    (@fin l2, $r:expr) => { $r[0] };
    (@fin cos, $r:expr) => { $r };
    (@step $v:ident, dot, $s:expr, $x:expr, $y:expr) => {{
        $s[0] = $v::fmadd($x, $y, $s[0]);
    }};
    (@step $v:ident, l2, $s:expr, $x:expr, $y:expr) => {{
        let d = $v::fsub($x, $y);
        $s[0] = $v::fmadd(d, d, $s[0]);
    }};
    (@step $v:ident, cos, $s:expr, $x:expr, $y:expr) => {{
        $s[0] = $v::fmadd($x, $y, $s[0]);
        $s[1] = $v::fmadd($x, $x, $s[1]);
        $s[2] = $v::fmadd($y, $y, $s[2]);
    }};
    ($(#[$doc:meta])* $name:ident, $feat:literal, $v:ident, $elem:ty, $load:ident, $load_tail:ident, $op:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `a` and `b` must each be valid for reads of `n` elements, and the
        /// CPU must have every feature this function is compiled for.
        #[target_feature(enable = $feat)]
        pub unsafe fn $name(a: *const $elem, b: *const $elem, n: usize) -> float_reduce_kernel!(@ret $op) {
            use $crate::x86_64::$v as v;
            const U: usize = 4;
            let l = v::F_LANES;
            let z = v::fzero();
            let mut s = [[z; 3]; U];
            let mut i = 0usize;
            while i + U * l <= n {
                for (u, su) in s.iter_mut().enumerate() {
                    // SAFETY: i + (u + 1) * l <= n: both vectors lie inside `a` and `b`.
                    let (x, y) = unsafe { (v::$load(a.add(i + u * l)), v::$load(b.add(i + u * l))) };
                    float_reduce_kernel!(@step v, $op, su, x, y);
                }
                i += U * l;
            }
            while i + l <= n {
                // SAFETY: i + l <= n.
                let (x, y) = unsafe { (v::$load(a.add(i)), v::$load(b.add(i))) };
                float_reduce_kernel!(@step v, $op, s[0], x, y);
                i += l;
            }
            if i < n {
                // SAFETY: n - i < l elements remain; the tail loads read only those.
                let (x, y) = unsafe { (v::$load_tail(a.add(i), n - i), v::$load_tail(b.add(i), n - i)) };
                float_reduce_kernel!(@step v, $op, s[1], x, y);
            }
            let mut r = [0.0f32; 3];
            for (k, rk) in r.iter_mut().enumerate() {
                *rk = v::fhsum(v::fadd(v::fadd(s[0][k], s[1][k]), v::fadd(s[2][k], s[3][k])));
            }
            float_reduce_kernel!(@fin $op, r)
        }
    };
}

/// Stamps an exact integer reduction kernel on the sign/zero-extend +
/// `pmaddwd` path: `dot` or `l2` (squared distance). Elements are widened
/// to i16 (exact), `pmaddwd` forms i16 pair sums in i32 (at most
/// 2·255² = 130,050: never saturates), lanes add with wrap-around, so the
/// result is exact whenever the true sum fits in i32 (callers bound `n`).
macro_rules! int_reduce_kernel {
    (@step $v:ident, dot, $s:expr, $x:expr, $y:expr) => {{
        $s = $v::add32($s, $v::madd16($x, $y));
    }};
    (@step $v:ident, l2, $s:expr, $x:expr, $y:expr) => {{
        let d = $v::sub16($x, $y);
        $s = $v::add32($s, $v::madd16(d, d));
    }};
    // The widening load of `l` (or the tail's `n`) elements of each type.
    (@ext $v:ident, u8, $p:expr) => { $v::ext_u8($p) };
    (@ext $v:ident, i8, $p:expr) => { $v::ext_s8($p) };
    (@ext $v:ident, u8, $p:expr, $n:expr) => { $v::ext_u8_tail($p, $n) };
    (@ext $v:ident, i8, $p:expr, $n:expr) => { $v::ext_s8_tail($p, $n) };
    // `$(#[$doc])*` carries the level's `#[target_feature]` (`with_level!`).
    ($(#[$doc:meta])* $name:ident, $v:ident, $ea:ident x $eb:ident, $op:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `a` and `b` must each be valid for reads of `n` elements, and the
        /// CPU must have every feature this function is compiled for.
        pub unsafe fn $name(a: *const $ea, b: *const $eb, n: usize) -> i32 {
            use $crate::x86_64::$v as v;
            const U: usize = 4;
            let l = v::I16_LANES;
            let mut s = [v::izero(); U];
            let mut i = 0usize;
            while i + U * l <= n {
                for (u, su) in s.iter_mut().enumerate() {
                    // SAFETY: i + (u + 1) * l <= n: both loads lie inside `a` and `b`.
                    let (x, y) = unsafe { (int_reduce_kernel!(@ext v, $ea, a.add(i + u * l)), int_reduce_kernel!(@ext v, $eb, b.add(i + u * l))) };
                    int_reduce_kernel!(@step v, $op, *su, x, y);
                }
                i += U * l;
            }
            while i + l <= n {
                // SAFETY: i + l <= n.
                let (x, y) = unsafe { (int_reduce_kernel!(@ext v, $ea, a.add(i)), int_reduce_kernel!(@ext v, $eb, b.add(i))) };
                int_reduce_kernel!(@step v, $op, s[0], x, y);
                i += l;
            }
            if i < n {
                // SAFETY: n - i < l elements remain; the tail loads read only those.
                let (x, y) = unsafe { (int_reduce_kernel!(@ext v, $ea, a.add(i), n - i), int_reduce_kernel!(@ext v, $eb, b.add(i), n - i)) };
                int_reduce_kernel!(@step v, $op, s[1], x, y);
            }
            v::hsum32(v::add32(v::add32(s[0], s[1]), v::add32(s[2], s[3])))
        }
    };
}

/// Stamps a wrapping u64 sum over a buffer: the read-bandwidth probe (every
/// byte is loaded once, four independent accumulators, no other work).
macro_rules! sum_u64_kernel {
    ($(#[$doc:meta])* $name:ident, $feat:literal, $v:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `p` must be valid for reads of `n` u64, and the CPU must have every
        /// feature this function is compiled for.
        #[target_feature(enable = $feat)]
        pub unsafe fn $name(p: *const u64, n: usize) -> u64 {
            use $crate::x86_64::$v as v;
            const U: usize = 4;
            let l = v::U64_LANES;
            let mut s = [v::izero(); U];
            let mut i = 0usize;
            while i + U * l <= n {
                for (u, su) in s.iter_mut().enumerate() {
                    // SAFETY: i + (u + 1) * l <= n.
                    *su = v::add64(*su, unsafe { v::load_u64(p.add(i + u * l)) });
                }
                i += U * l;
            }
            let mut t = v::hsum64(v::add64(v::add64(s[0], s[1]), v::add64(s[2], s[3])));
            while i < n {
                // SAFETY: i < n.
                t = t.wrapping_add(unsafe { *p.add(i) });
                i += 1;
            }
            t
        }
    };
}

/// Stamps a one-query-against-many-rows f32 inner-product kernel: one row at
/// a time, one accumulator per row, so every row is summed in the same order
/// wherever a chunk boundary falls. Rows are read in address order: taking
/// four rows at once (four streams 512 B apart) reached a third of the read
/// bandwidth that row by row reaches (docs/tuning.md).
macro_rules! scan_f32_ip_kernel {
    ($(#[$doc:meta])* $name:ident, $feat:literal, $v:ident) => {
        $(#[$doc])*
        ///
        /// `out[r] = Σ_j q[j]·db[r·row_stride + j]` for `r < rows`, `j < d`.
        ///
        /// # Safety
        /// `q` valid for reads of `d` f32; for every `r < rows`, `db + r·row_stride`
        /// valid for reads of `d` f32; `out` valid for writes of `rows` f32; the CPU
        /// must have every feature this function is compiled for.
        #[target_feature(enable = $feat)]
        pub unsafe fn $name(q: *const f32, db: *const f32, row_stride: usize, rows: usize, d: usize, out: *mut f32) {
            use $crate::x86_64::$v as v;

            #[inline]
            #[target_feature(enable = $feat)]
            unsafe fn group<const R: usize>(q: *const f32, db: *const f32, rs: usize, d: usize, out: *mut f32) {
                let l = v::F_LANES;
                let mut acc = [v::fzero(); R];
                let mut j = 0usize;
                // Unrolled by four (fewer loop uops per byte, so the core runs
                // further ahead of the memory stream); same single chain per row.
                while j + 4 * l <= d {
                    for u in 0..4 {
                        // SAFETY: j + 4l <= d: inside the query and inside each row.
                        let x = unsafe { v::load_f32(q.add(j + u * l)) };
                        for (r, a) in acc.iter_mut().enumerate() {
                            // SAFETY: as above, row r of the group.
                            *a = v::fmadd(x, unsafe { v::load_f32(db.add(r * rs + j + u * l)) }, *a);
                        }
                    }
                    j += 4 * l;
                }
                while j + l <= d {
                    // SAFETY: j + l <= d: inside the query and inside each row.
                    let x = unsafe { v::load_f32(q.add(j)) };
                    for (r, a) in acc.iter_mut().enumerate() {
                        // SAFETY: as above, row r of the group.
                        *a = v::fmadd(x, unsafe { v::load_f32(db.add(r * rs + j)) }, *a);
                    }
                    j += l;
                }
                if j < d {
                    // SAFETY: d - j < l elements remain; masked/buffered tail reads only those.
                    let x = unsafe { v::load_f32_tail(q.add(j), d - j) };
                    for (r, a) in acc.iter_mut().enumerate() {
                        // SAFETY: as above, row r of the group.
                        *a = v::fmadd(x, unsafe { v::load_f32_tail(db.add(r * rs + j), d - j) }, *a);
                    }
                }
                for (r, a) in acc.iter().enumerate() {
                    // SAFETY: the caller gives R writable outputs.
                    unsafe { *out.add(r) = v::fhsum(*a) };
                }
            }

            let mut r = 0usize;
            while r < rows {
                // SAFETY: row r exists; output r writable.
                unsafe { group::<1>(q, db.add(r * row_stride), row_stride, d, out.add(r)) };
                r += 1;
            }
        }
    };
}

/// Stamps an AVX-512 VNNI integer dot kernel built on `vpdpbusd`
/// (u8 × s8 groups of four bytes summed into i32 lanes, wrapping).
///
/// - `u8s8`: `vpdpbusd(acc, a, b)` directly.
/// - `s8s8`: the +128 shift. `a ^ 0x80` is `a + 128` read as u8, so
///   `vpdpbusd(a ^ 0x80, b) = Σab + 128·Σb`; `Σb` comes from a second
///   `vpdpbusd(ones, b)` and `128·Σb` is subtracted at the end. One xor and
///   one extra `vpdpbusd` per 64 bytes, against four sign extensions and two
///   `vpdpwssd` for the widen-to-i16 alternative; and it stays exact.
/// - `u8u8`: the mirror image: `b ^ 0x80` is `b − 128` as s8, so
///   `Σab = vpdpbusd(a, b ^ 0x80) + 128·Σa`, `Σa` from `vpdpbusd(a, ones)`.
///
/// Masked-off tail bytes load as 0, which adds 0 to every sum above. All
/// lane arithmetic wraps, so the result is exact whenever the true sum fits
/// in i32 (callers bound `n`).
macro_rules! vnni_dot_kernel {
    (@step u8s8, $acc:expr, $cor:expr, $x:expr, $y:expr, $bias:expr, $ones:expr) => {{
        $acc = _mm512_dpbusd_epi32($acc, $x, $y);
    }};
    (@step s8s8, $acc:expr, $cor:expr, $x:expr, $y:expr, $bias:expr, $ones:expr) => {{
        $acc = _mm512_dpbusd_epi32($acc, _mm512_xor_si512($x, $bias), $y);
        $cor = _mm512_dpbusd_epi32($cor, $ones, $y);
    }};
    (@step u8u8, $acc:expr, $cor:expr, $x:expr, $y:expr, $bias:expr, $ones:expr) => {{
        $acc = _mm512_dpbusd_epi32($acc, $x, _mm512_xor_si512($y, $bias));
        $cor = _mm512_dpbusd_epi32($cor, $x, $ones);
    }};
    // The correction is folded in before the one horizontal sum (lane
    // arithmetic wraps, so this equals correcting the two sums).
    (@fin u8s8, $acc:expr, $cor:expr) => { $acc };
    (@fin s8s8, $acc:expr, $cor:expr) => { _mm512_sub_epi32($acc, _mm512_slli_epi32::<7>($cor)) };
    (@fin u8u8, $acc:expr, $cor:expr) => { _mm512_add_epi32($acc, _mm512_slli_epi32::<7>($cor)) };
    ($(#[$doc:meta])* $name:ident, $ea:ty, $eb:ty, $mode:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `a` and `b` must each be valid for reads of `n` bytes, and the CPU
        /// must have AVX-512 F/BW/VL/DQ and AVX-512 VNNI.
        #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")]
        pub unsafe fn $name(a: *const $ea, b: *const $eb, n: usize) -> i32 {
            use core::arch::x86_64::*;
            use $crate::x86_64::vec_avx512 as v;
            const U: usize = 4;
            const L: usize = 64;
            let bias = _mm512_set1_epi8(-128);
            let ones = _mm512_set1_epi8(1);
            let _ = (bias, ones); // unused by the u8s8 form
            let mut acc = [v::izero(); U];
            #[allow(unused_mut)]
            let mut cor = [v::izero(); U];
            let (a8, b8) = (a as *const i8, b as *const i8);
            let mut i = 0usize;
            while i + U * L <= n {
                for u in 0..U {
                    // SAFETY: i + (u + 1) * 64 <= n: both loads lie inside `a` and `b`.
                    let (x, y) = unsafe {
                        (
                            _mm512_loadu_si512(a8.add(i + u * L) as *const __m512i),
                            _mm512_loadu_si512(b8.add(i + u * L) as *const __m512i),
                        )
                    };
                    vnni_dot_kernel!(@step $mode, acc[u], cor[u], x, y, bias, ones);
                }
                i += U * L;
            }
            while i + L <= n {
                // SAFETY: i + 64 <= n.
                let (x, y) = unsafe {
                    (
                        _mm512_loadu_si512(a8.add(i) as *const __m512i),
                        _mm512_loadu_si512(b8.add(i) as *const __m512i),
                    )
                };
                vnni_dot_kernel!(@step $mode, acc[0], cor[0], x, y, bias, ones);
                i += L;
            }
            if i < n {
                let m: __mmask64 = (1u64 << (n - i)) - 1;
                // SAFETY: masked-off bytes (at and past `n`) are neither read nor faulted on.
                let (x, y) = unsafe { (_mm512_maskz_loadu_epi8(m, a8.add(i)), _mm512_maskz_loadu_epi8(m, b8.add(i))) };
                vnni_dot_kernel!(@step $mode, acc[1], cor[1], x, y, bias, ones);
            }
            let s = v::add32(v::add32(acc[0], acc[1]), v::add32(acc[2], acc[3]));
            let c = v::add32(v::add32(cor[0], cor[1]), v::add32(cor[2], cor[3]));
            let _ = c;
            v::hsum32(vnni_dot_kernel!(@fin $mode, s, c))
        }
    };
}

/// Stamps an AVX-512 BF16 kernel on `vdpbf16ps` (pairs of bf16 products
/// summed into f32 lanes): `dot` or `cos` (returns `[a·b, a·a, b·b]`).
///
/// `vdpbf16ps` computes each bf16 product exactly in f32 but treats
/// subnormal inputs as zero and flushes subnormal results to zero, and
/// rounds to nearest even whatever MXCSR says. Order: four accumulators
/// over groups of four 32-element vectors, then whole vectors into
/// accumulator 0, the masked tail into accumulator 1, then the same fold
/// as [`float_reduce_kernel`].
macro_rules! bf16_dp_kernel {
    (@ret dot) => { f32 };
    (@ret cos) => { [f32; 3] };
    (@fin dot, $r:expr) => { $r[0] };
    (@fin cos, $r:expr) => { $r };
    (@step dot, $s:expr, $x:expr, $y:expr) => {{
        $s[0] = _mm512_dpbf16_ps($s[0], $x, $y);
    }};
    (@step cos, $s:expr, $x:expr, $y:expr) => {{
        $s[0] = _mm512_dpbf16_ps($s[0], $x, $y);
        $s[1] = _mm512_dpbf16_ps($s[1], $x, $x);
        $s[2] = _mm512_dpbf16_ps($s[2], $y, $y);
    }};
    ($(#[$doc:meta])* $name:ident, $op:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `a` and `b` must each be valid for reads of `n` u16, and the CPU
        /// must have AVX-512 F/BW/VL/DQ and AVX-512 BF16.
        #[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")]
        pub unsafe fn $name(a: *const u16, b: *const u16, n: usize) -> bf16_dp_kernel!(@ret $op) {
            use core::arch::x86_64::*;
            use $crate::x86_64::vec_avx512 as v;
            #[inline]
            #[target_feature(enable = "avx512f,avx512bw,avx512bf16")]
            unsafe fn ld(p: *const u16, m: __mmask32) -> __m512bh {
                // SAFETY: masked-off elements are neither read nor faulted on;
                // the caller guarantees the unmasked ones are readable.
                let x = unsafe { _mm512_maskz_loadu_epi16(m, p as *const i16) };
                // SAFETY: __m512i and __m512bh are both 64 plain bytes.
                unsafe { core::mem::transmute::<__m512i, __m512bh>(x) }
            }
            const U: usize = 4;
            const L: usize = 32;
            let z = v::fzero();
            let mut s = [[z; 3]; U];
            let full: __mmask32 = !0;
            let mut i = 0usize;
            while i + U * L <= n {
                for (u, su) in s.iter_mut().enumerate() {
                    // SAFETY: i + (u + 1) * 32 <= n: both loads lie inside `a` and `b`.
                    let (x, y) = unsafe { (ld(a.add(i + u * L), full), ld(b.add(i + u * L), full)) };
                    bf16_dp_kernel!(@step $op, su, x, y);
                }
                i += U * L;
            }
            while i + L <= n {
                // SAFETY: i + 32 <= n.
                let (x, y) = unsafe { (ld(a.add(i), full), ld(b.add(i), full)) };
                bf16_dp_kernel!(@step $op, s[0], x, y);
                i += L;
            }
            if i < n {
                let m: __mmask32 = ((1u64 << (n - i)) - 1) as __mmask32;
                // SAFETY: only the n - i remaining elements are unmasked.
                let (x, y) = unsafe { (ld(a.add(i), m), ld(b.add(i), m)) };
                bf16_dp_kernel!(@step $op, s[1], x, y);
            }
            let mut r = [0.0f32; 3];
            for (k, rk) in r.iter_mut().enumerate() {
                *rk = v::fhsum(v::fadd(v::fadd(s[0][k], s[1][k]), v::fadd(s[2][k], s[3][k])));
            }
            bf16_dp_kernel!(@fin $op, r)
        }
    };
}

/// Stamps a one-s8-query-against-many-s8-rows exact inner-product kernel
/// for levels without VNNI: bytes sign-extended to i16 (`vpmovsxbw`),
/// `vpmaddwd` pair sums (at most 2·128² = 32,768: never saturate) added
/// into i32 lanes with wrap-around, so every score is exact whenever the
/// true sum fits in i32 (callers bound `d`). Rows are taken four at a time
/// (at d = 128 the four are 512 contiguous bytes), so each query vector is
/// loaded and extended once per four rows; the tail is loaded masked or
/// through a small buffer, never past the end.
macro_rules! scan_s8_ip_kernel {
    ($(#[$doc:meta])* $name:ident, $feat:literal, $v:ident) => {
        $(#[$doc])*
        ///
        /// `out[r] = Σ_j q[j]·db[r·row_stride + j]` for `r < rows`, `j < d`
        /// (wrapping i32).
        ///
        /// # Safety
        /// `q` valid for reads of `d` bytes; for every `r < rows`,
        /// `db + r·row_stride` valid for reads of `d` bytes; `out` valid for
        /// writes of `rows` i32; the CPU must have every feature this
        /// function is compiled for.
        #[target_feature(enable = $feat)]
        pub unsafe fn $name(q: *const i8, db: *const i8, row_stride: usize, rows: usize, d: usize, out: *mut i32) {
            use $crate::x86_64::$v as v;

            #[inline]
            #[target_feature(enable = $feat)]
            unsafe fn group<const R: usize>(q: *const i8, db: *const i8, rs: usize, d: usize, out: *mut i32) {
                let l = v::I16_LANES;
                let mut acc = [v::izero(); R];
                let mut j = 0usize;
                while j + l <= d {
                    // SAFETY: j + l <= d: inside the query.
                    let y = unsafe { v::ext_s8(q.add(j)) };
                    for (r, a) in acc.iter_mut().enumerate() {
                        // SAFETY: j + l <= d: inside row r of the group.
                        let x = unsafe { v::ext_s8(db.add(r * rs + j)) };
                        *a = v::add32(*a, v::madd16(x, y));
                    }
                    j += l;
                }
                if j < d {
                    // SAFETY: d - j < l bytes remain; the tail load reads only those.
                    let y = unsafe { v::ext_s8_tail(q.add(j), d - j) };
                    for (r, a) in acc.iter_mut().enumerate() {
                        // SAFETY: as above, row r of the group.
                        let x = unsafe { v::ext_s8_tail(db.add(r * rs + j), d - j) };
                        *a = v::add32(*a, v::madd16(x, y));
                    }
                }
                for (r, a) in acc.iter().enumerate() {
                    // SAFETY: the caller gives R writable outputs.
                    unsafe { *out.add(r) = v::hsum32(*a) };
                }
            }

            let mut r = 0usize;
            while r + 4 <= rows {
                // SAFETY: rows r..r+4 exist (caller contract); outputs r..r+4 writable.
                unsafe { group::<4>(q, db.add(r * row_stride), row_stride, d, out.add(r)) };
                r += 4;
            }
            while r < rows {
                // SAFETY: row r exists; output r writable.
                unsafe { group::<1>(q, db.add(r * row_stride), row_stride, d, out.add(r)) };
                r += 1;
            }
        }
    };
}
