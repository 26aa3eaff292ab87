//! One run of equal tiles through a kernel's strip entries, for either A
//! read in place (the small-M rows kernel's [`IgemmRows`] or the indirect
//! conv kernel's [`IconvRows`]): the loop both tile cutters end in.
//!
//! [`IgemmRows`]: lowp_kernels::igemm_rows_ukernel::IgemmRows
//! [`IconvRows`]: lowp_kernels::iconv_ukernel::IconvRows

use super::kernels::{Entry, MAX_TILE_ROWS};
use lowp_kernels::scalar::igemm_tile_store::TileCorrection;
use lowp_kernels::strip_entries::{InPlaceRows, StripEntries};

/// `count` tiles of `mm` rows from the tile's row `start` (A's row
/// `i0 + start`) as strip calls of `s` through the entry `entry` picked
/// for the packed kernel (`stream`: its streaming form, where `s` has
/// one), at C's columns `j0..` (`nr` of them). A dequantizing strip's row
/// scales come a tile's worth at most, so its calls take fewer tiles.
///
/// # Safety
///
/// As `IgemmTile::sub_tiles` for those rows, with A read in place through
/// `src` (from row 0; every row of the run in bounds, the caller vouches).
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn run_strip<A: InPlaceRows>(
    s: &StripEntries<A>,
    nr: usize,
    src: &A,
    fix: Option<TileCorrection>,
    (entry, stream): (Entry<'_>, bool),
    (i0, j0): (usize, usize),
    (start, count, mm): (usize, usize, usize),
    b: *const i8,
    c: *mut i32,
    ldc: usize,
) {
    let per_call = match entry {
        Entry::F32(..) => (MAX_TILE_ROWS / mm.max(1)).max(1),
        _ => count.max(1),
    };
    let f_s32 = match s.f_stream {
        Some(f) if stream => f,
        _ => s.f,
    };
    let (mut i, mut left) = (start, count);
    while left > 0 {
        let n = per_call.min(left);
        let sub = fix.map(|f| f.from_row(i));
        let r = i0 + i;
        let a = src.skip_rows(r);
        let ci = c.wrapping_add(i * ldc);
        // SAFETY: as in `IgemmTile::sub_tiles`, with A's rows r.. (n·mm of
        // them) read in place through `a` (the caller's).
        unsafe {
            match entry {
                Entry::S32(_) => f_s32(n, mm, &a, b, ci, ldc, sub.as_ref()),
                Entry::Q8(_, out) => (s.f_q8)(n, mm, &a, b, sub.as_ref(), &out.requant_at(r, j0, nr)),
                Entry::Q8Fixed(_, out) => {
                    (s.f_q8_fixed)(n, mm, &a, b, sub.as_ref(), &out.requant_fixed_at(r, j0, nr))
                }
                Entry::F32(_, out) => {
                    (s.f_f32)(n, mm, &a, b, sub.as_ref(), &out.dequant_at(r, n * mm, j0, nr))
                }
            }
        };
        i += n * mm;
        left -= n;
    }
}
