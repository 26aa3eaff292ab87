//! What the tests of the INT8 kernels that read A in place share (the
//! in-place GEMM kernels, [`crate::igemm_rows_check`], and the indirect
//! conv kernels, [`crate::iconv_check`]): the entries of a kernel over its
//! A operand type, checked for one tile against the igemm scalar twin run
//! on the same rows packed into a panel.

use crate::igemm_check::{aligned, check_f32, check_q8, check_q8_fixed, Corrections, Rng, Want, GUARD};
use crate::scalar::igemm_tile_store::{TileCorrection, TileDequant, TileRequant, TileRequantFixed};
use crate::scalar::igemm_u8s8s32_scalar;
use crate::strip_entries::StripEntries;

/// An s32 entry over operand `A`: `(m, a, b, c, ldc, corr)`.
type S32Fn<A> = unsafe fn(usize, &A, *const i8, *mut i32, usize, Option<&TileCorrection>);

/// The entries of an in-place kernel whose A operand is an `A` (where a
/// tile's rows come from).
pub(crate) struct InPlaceEntries<A> {
    /// The kernel's name, for the messages.
    pub(crate) name: &'static str,
    /// The s32 tile.
    pub(crate) f: S32Fn<A>,
    /// The s32 tile with streaming stores, if the kernel has one.
    pub(crate) f_stream: Option<S32Fn<A>>,
    /// The requantizing entry.
    pub(crate) f_q8: unsafe fn(usize, &A, *const i8, Option<&TileCorrection>, &TileRequant),
    /// The fixed-point requantizing entry.
    pub(crate) f_q8_fixed: unsafe fn(usize, &A, *const i8, Option<&TileCorrection>, &TileRequantFixed),
    /// The dequantizing entry.
    pub(crate) f_f32: unsafe fn(usize, &A, *const i8, Option<&TileCorrection>, &TileDequant),
}

/// One case's operands: `mr` rows of `a`, the same rows packed in `panel`
/// (`kg` groups of stride `4·mr`), `kg` groups of `b` (`nr` columns), and
/// the case's description for the messages.
pub(crate) struct InPlaceCase<'a, A> {
    pub(crate) mr: usize,
    pub(crate) nr: usize,
    pub(crate) a: &'a A,
    pub(crate) panel: &'a [u8],
    pub(crate) kg: usize,
    pub(crate) b: &'a [i8],
    pub(crate) case: String,
}

/// Checks every entry of `k` on case `t` for every `m ≤ mr` and each
/// correction in `terms` ([`Corrections::tile`]'s bits; 8: none).
///
/// # Safety
///
/// As for [`check_tile`], for `m = mr`.
pub(crate) unsafe fn check_in_place<A>(
    k: &InPlaceEntries<A>,
    t: &InPlaceCase<'_, A>,
    terms: &[u8],
    rng: &mut Rng,
) {
    let cs = Corrections::draw(rng, t.mr, t.nr);
    for &terms in terms {
        let fx = cs.tile(terms);
        let corr = (terms < 8).then_some(&fx);
        for m in 1..=t.mr {
            // SAFETY: the caller's, for m ≤ mr rows.
            unsafe {
                check_tile(
                    k,
                    t,
                    m,
                    corr,
                    &format!("m = {m}, {}, correction {terms}", t.case),
                    rng,
                )
            };
        }
    }
}

/// Checks every entry of `k` on `m` rows of case `t` bit for bit against
/// the twin (`nr = 32`) on the packed rows: s32 with guards around the
/// tile, streaming, and the fused outputs against the twin's tile.
///
/// # Safety
///
/// `t.a` satisfies `k`'s contract for `m` rows and `t.kg` groups of `t.b`;
/// `corr` (if any) has `t.mr` rows and `t.nr` columns; the CPU has the
/// kernel's features.
unsafe fn check_tile<A>(
    k: &InPlaceEntries<A>,
    t: &InPlaceCase<'_, A>,
    m: usize,
    corr: Option<&TileCorrection>,
    case: &str,
    rng: &mut Rng,
) {
    let (mr, nr, a) = (t.mr, t.nr, t.a);
    let b = t.b.as_ptr();
    assert_eq!(nr, 32, "{}: the twin is instantiated for NR = 32", k.name);
    assert!(t.panel.len() >= t.kg * 4 * mr && t.b.len() >= t.kg * nr * 4);
    let what = |e: &str| format!("{}{e}: {case}", k.name);
    let ldc = nr + 5;
    let mut want = vec![GUARD; mr * ldc];
    let mut got = want.clone();
    // SAFETY: the panel holds kg groups of 4·MR bytes, `b` kg groups of
    // NR·4 (asserted), `c` MR rows of `ldc ≥ NR`; the rest the caller's.
    unsafe {
        igemm_u8s8s32_scalar::<32>(
            false,
            m,
            t.kg,
            t.panel.as_ptr(),
            4 * mr,
            b,
            want.as_mut_ptr(),
            ldc,
            corr,
        );
        (k.f)(m, a, b, got.as_mut_ptr(), ldc, corr);
    }
    assert_eq!(got, want, "{}", what(""));
    if let Some(f) = k.f_stream {
        let (mut buf, off) = aligned::<i32>(mr * 64);
        // SAFETY: as above, rows 64 i32 (256 bytes) apart from a 64-byte
        // boundary.
        unsafe { f(m, a, b, buf.as_mut_ptr().add(off), 64, corr) };
        for r in 0..m {
            let row = &buf[off + r * 64..off + r * 64 + nr];
            assert_eq!(row, &want[r * ldc..r * ldc + nr], "{} row {r}", what("_stream"));
        }
    }
    let tile = |e: &str| Want {
        mr,
        nr,
        want: &want[..],
        ldc,
        m,
        what: what(e),
    };
    check_q8(&tile("_q8"), rng, |rq| {
        // SAFETY: as above; `rq` is checked by the caller.
        unsafe { (k.f_q8)(m, a, b, corr, rq) }
    });
    check_q8_fixed(&tile("_q8_fixed"), rng, |rq| {
        // SAFETY: as above; `rq` is checked by the caller.
        unsafe { (k.f_q8_fixed)(m, a, b, corr, rq) }
    });
    check_f32((mr, nr), rng, &want[..], ldc, m, &what("_f32"), |dq| {
        // SAFETY: as above; `dq` is checked by the caller.
        unsafe { (k.f_f32)(m, a, b, corr, dq) }
    });
}

/// The operand of a strip entry under the check: the rows and the kernel's
/// strip entries.
pub(crate) struct StripRows<A> {
    pub(crate) rows: A,
    pub(crate) strip: StripEntries<A>,
}

/// How the check runs `m` rows as a strip: `(tiles, rows per tile)`.
pub(crate) fn cut(m: usize) -> (usize, usize) {
    match m {
        _ if m.is_multiple_of(3) && m / 3 >= 4 => (3, m / 3),
        _ if m.is_multiple_of(2) => (2, m / 2),
        _ => (1, m),
    }
}

/// `strip`'s entries as tile entries over `m` rows (cut as [`cut`] says),
/// for [`check_in_place`].
pub(crate) fn strip_as_tiles<A>(name: &'static str, strip: &StripEntries<A>) -> InPlaceEntries<StripRows<A>> {
    InPlaceEntries {
        name,
        f: strip_s32,
        f_stream: strip.f_stream.map(|_| strip_stream as S32Fn<StripRows<A>>),
        f_q8: strip_q8,
        f_q8_fixed: strip_q8_fixed,
        f_f32: strip_f32,
    }
}

/// The s32 strip over `m` rows, as [`cut`] says.
///
/// # Safety
///
/// As the strip entry's, for `m` rows.
unsafe fn strip_s32<A>(
    m: usize,
    a: &StripRows<A>,
    b: *const i8,
    c: *mut i32,
    ldc: usize,
    corr: Option<&TileCorrection>,
) {
    let (t, tm) = cut(m);
    // SAFETY: the caller's.
    unsafe { (a.strip.f)(t, tm, &a.rows, b, c, ldc, corr) }
}

/// The streaming s32 strip over `m` rows (only listed where the kernel
/// has one).
///
/// # Safety
///
/// As the strip entry's, for `m` rows.
unsafe fn strip_stream<A>(
    m: usize,
    a: &StripRows<A>,
    b: *const i8,
    c: *mut i32,
    ldc: usize,
    corr: Option<&TileCorrection>,
) {
    let (t, tm) = cut(m);
    let f = a.strip.f_stream.expect("listed only with a streaming strip");
    // SAFETY: the caller's.
    unsafe { f(t, tm, &a.rows, b, c, ldc, corr) }
}

/// The requantizing strip over `m` rows.
///
/// # Safety
///
/// As the strip entry's, for `m` rows.
unsafe fn strip_q8<A>(
    m: usize,
    a: &StripRows<A>,
    b: *const i8,
    corr: Option<&TileCorrection>,
    rq: &TileRequant,
) {
    let (t, tm) = cut(m);
    // SAFETY: the caller's.
    unsafe { (a.strip.f_q8)(t, tm, &a.rows, b, corr, rq) }
}

/// The fixed-point requantizing strip over `m` rows.
///
/// # Safety
///
/// As the strip entry's, for `m` rows.
unsafe fn strip_q8_fixed<A>(
    m: usize,
    a: &StripRows<A>,
    b: *const i8,
    corr: Option<&TileCorrection>,
    rq: &TileRequantFixed,
) {
    let (t, tm) = cut(m);
    // SAFETY: the caller's.
    unsafe { (a.strip.f_q8_fixed)(t, tm, &a.rows, b, corr, rq) }
}

/// The dequantizing strip over `m` rows.
///
/// # Safety
///
/// As the strip entry's, for `m` rows.
unsafe fn strip_f32<A>(
    m: usize,
    a: &StripRows<A>,
    b: *const i8,
    corr: Option<&TileCorrection>,
    dq: &TileDequant,
) {
    let (t, tm) = cut(m);
    // SAFETY: the caller's.
    unsafe { (a.strip.f_f32)(t, tm, &a.rows, b, corr, dq) }
}
