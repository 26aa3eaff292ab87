//! Scalar (width 1) operations for the shared BF16 tile kernel macro: each
//! B "vector" is one pair, each product an exact f32 FMA, each sum flushed.

/// One f32 lane.
pub(crate) type F = f32;
/// A broadcast A pair: (odd, even) element widened to f32.
pub(crate) type A = (f32, f32);
/// One B pair: (odd, even) element widened to f32.
pub(crate) type B = (f32, f32);

/// +0.
#[inline(always)]
pub(crate) fn zero() -> F {
    0.0
}

/// A 32-bit word of two bf16 (element `2q` low, `2q + 1` high) as (odd, even) f32.
#[inline(always)]
fn split(w: u32) -> (f32, f32) {
    (f32::from_bits(w & 0xffff_0000), f32::from_bits(w << 16))
}

/// Reads the A pair at `p`.
///
/// # Safety
/// `p` valid for one (unaligned) u32 read.
#[inline(always)]
pub(crate) unsafe fn splat_a(p: *const u32) -> A {
    // SAFETY: the caller guarantees `p` is readable.
    split(unsafe { p.read_unaligned() })
}

/// Reads the B pair at `p`.
///
/// # Safety
/// `p` valid for two u16 reads.
#[inline(always)]
pub(crate) unsafe fn load_b(p: *const u16) -> B {
    // SAFETY: the caller guarantees `p` is readable for a pair.
    split(unsafe { (p as *const u32).read_unaligned() })
}

/// A subnormal `x` as a zero of its sign (`vdpbf16ps`'s flush to zero).
#[inline(always)]
pub(crate) fn ftz(x: f32) -> f32 {
    if x.is_subnormal() {
        f32::from_bits(x.to_bits() & 0x8000_0000)
    } else {
        x
    }
}

/// `acc` plus the odd product, then the even one: two fused (exact-product)
/// additions, each flushed.
#[inline(always)]
pub(crate) fn dp(acc: F, a: A, b: B) -> F {
    ftz(a.1.mul_add(b.1, ftz(a.0.mul_add(b.0, acc))))
}

/// The value itself.
#[inline(always)]
pub(crate) fn splat(x: f32) -> F {
    x
}

/// `a·b`.
#[inline(always)]
pub(crate) fn mul(a: F, b: F) -> F {
    a * b
}

/// `a + b`.
#[inline(always)]
pub(crate) fn add(a: F, b: F) -> F {
    a + b
}

/// Reads one f32.
///
/// # Safety
/// `p` valid for a read.
#[inline(always)]
pub(crate) unsafe fn load(p: *const f32) -> F {
    // SAFETY: the caller guarantees `p` is readable.
    unsafe { p.read_unaligned() }
}

/// Writes one f32.
///
/// # Safety
/// `p` valid for a write.
#[inline(always)]
pub(crate) unsafe fn store(p: *mut f32, v: F) {
    // SAFETY: the caller guarantees `p` is writable.
    unsafe { p.write_unaligned(v) }
}
