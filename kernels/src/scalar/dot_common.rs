//! Shared pieces of the portable dot-product kernels: element conversions
//! and the macros that stamp one kernel per element type.

/// bf16 bits to f32 (exact: bf16 is the top half of an f32).
#[inline(always)]
pub(crate) fn bf16_to_f32(h: u16) -> f32 {
    f32::from_bits((h as u32) << 16)
}

/// IEEE binary16 bits to f32 (exact, subnormals, infinities and NaN kept).
#[inline(always)]
pub(crate) fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h as u32) >> 15) << 31;
    let exp = ((h >> 10) & 0x1f) as u32;
    let mant = (h & 0x3ff) as u32;
    match exp {
        0 => {
            // Subnormal or zero: mant · 2^-24, exact in f32.
            let v = mant as f32 * (1.0 / 16_777_216.0);
            f32::from_bits(v.to_bits() | sign)
        }
        31 => f32::from_bits(sign | 0x7f80_0000 | (mant << 13)),
        _ => f32::from_bits(sign | ((exp + 112) << 23) | (mant << 13)),
    }
}

/// f32 identity (so the float macro takes one conversion for every type).
#[inline(always)]
pub(crate) fn f32_to_f32(x: f32) -> f32 {
    x
}

/// Stamps a portable float reduction (`dot`, `l2`, `cos`) over eight lanes:
/// element `i` goes to lane `i % 8` (multiply, then add: two roundings);
/// lanes are summed as
/// `((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7))`.
macro_rules! scalar_float_reduce {
    (@ret dot) => { f32 };
    (@ret l2) => { f32 };
    (@ret cos) => { [f32; 3] };
    (@fin dot, $r:expr) => { $r[0] };
    (@fin l2, $r:expr) => { $r[0] };
    (@fin cos, $r:expr) => { $r };
    (@step dot, $s:expr, $k:expr, $x:expr, $y:expr) => {{
        $s[0][$k] += $x * $y;
    }};
    (@step l2, $s:expr, $k:expr, $x:expr, $y:expr) => {{
        let d = $x - $y;
        $s[0][$k] += d * d;
    }};
    (@step cos, $s:expr, $k:expr, $x:expr, $y:expr) => {{
        $s[0][$k] += $x * $y;
        $s[1][$k] += $x * $x;
        $s[2][$k] += $y * $y;
    }};
    ($(#[$doc:meta])* $name:ident, $elem:ty, $conv:path, $op:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `a` and `b` must each be valid for reads of `n` elements.
        pub unsafe fn $name(a: *const $elem, b: *const $elem, n: usize) -> scalar_float_reduce!(@ret $op) {
            // SAFETY: the caller guarantees `n` readable elements at each pointer.
            let (a, b) = unsafe { (core::slice::from_raw_parts(a, n), core::slice::from_raw_parts(b, n)) };
            let mut s = [[0.0f32; 8]; 3];
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                let (x, y) = ($conv(*x), $conv(*y));
                scalar_float_reduce!(@step $op, s, i % 8, x, y);
            }
            let mut r = [0.0f32; 3];
            for (k, rk) in r.iter_mut().enumerate() {
                let l = &s[k];
                *rk = ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
            }
            scalar_float_reduce!(@fin $op, r)
        }
    };
}

/// Stamps a portable exact integer reduction (`dot` or `l2`) with wrapping
/// i32 arithmetic: exact whenever the true sum fits in i32 (callers bound `n`).
macro_rules! scalar_int_reduce {
    (@step dot, $x:expr, $y:expr) => { $x.wrapping_mul($y) };
    (@step l2, $x:expr, $y:expr) => {{ let d = $x - $y; d.wrapping_mul(d) }};
    ($(#[$doc:meta])* $name:ident, $ea:ty, $eb:ty, $op:ident) => {
        $(#[$doc])*
        ///
        /// # Safety
        /// `a` and `b` must each be valid for reads of `n` elements.
        pub unsafe fn $name(a: *const $ea, b: *const $eb, n: usize) -> i32 {
            // SAFETY: the caller guarantees `n` readable elements at each pointer.
            let (a, b) = unsafe { (core::slice::from_raw_parts(a, n), core::slice::from_raw_parts(b, n)) };
            a.iter().zip(b).fold(0i32, |s, (x, y)| {
                s.wrapping_add(scalar_int_reduce!(@step $op, *x as i32, *y as i32))
            })
        }
    };
}
