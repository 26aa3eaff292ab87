//! The indirect kernel's tiles of one weight panel (`IgemmTile::sub_tiles`
//! with A read through an indirection buffer): rows cut at output rows
//! into balanced tiles of the strip height, runs of equal tiles as one
//! strip call each.

use super::kernels::Entry;
use super::strip_run::run_strip;
use lowp_kernels::iconv_ukernel::{IconvRows, IconvUkernelInfo};
use lowp_kernels::scalar::igemm_tile_store::TileCorrection;

/// Rows `i0..i0 + rows` of A read through `src` (offsets from row 0) by the
/// indirect kernel `k`, through the entry kind `entry` picked for the
/// packed kernel, into `c` (row stride `ldc`) or the fused output at C's
/// columns `j0..`. Tiles do not straddle runs of `row_len` rows (output
/// rows: a tap then pads in the same rows of each, at its ends, which the
/// kernel skips); within an output row they are balanced, at most
/// [`IconvStrip::mr`](lowp_kernels::iconv_ukernel::IconvStrip::mr) rows,
/// and consecutive tiles of one height run as one strip.
///
/// # Safety
///
/// As `Microkernel::tile_rows` without the A panel; `src` describes every
/// row of the GEMM (offsets for all rows, runs in bounds: the lhs that gave
/// it vouches), `kcp = 4·taps·groups`.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn iconv_sub_tiles(
    k: &IconvUkernelInfo,
    (src, row_len): (&IconvRows, usize),
    fix: Option<TileCorrection>,
    entry: Entry<'_>,
    (i0, j0): (usize, usize),
    rows: usize,
    kcp: usize,
    b: *const i8,
    c: *mut i32,
    ldc: usize,
) {
    assert_eq!(kcp, 4 * src.taps * src.groups, "the indirect rows cover K");
    // (Null stays null: no padding rows skipped.)
    let src = IconvRows {
        pad_sums: match src.pad_sums.is_null() {
            true => src.pad_sums,
            false => src.pad_sums.wrapping_add(j0),
        },
        ..*src
    };
    // Runs the pending strip (below) as strip calls.
    let flush = |(start, count, mm)| {
        // SAFETY: the caller's, for the pending tiles' rows.
        unsafe {
            run_strip(
                &k.strip,
                k.nr,
                &src,
                fix,
                (entry, false),
                (i0, j0),
                (start, count, mm),
                b,
                c,
                ldc,
            )
        }
    };
    let mr = k.strip.mr;
    // The pending strip: `count` tiles of `mm` rows from row `start`.
    let (mut start, mut count, mut mm) = (0, 0, 0);
    let mut i = 0;
    while i < rows {
        // The end of the output row of row i0 + i, within this tile.
        let end = match row_len {
            0 => rows,
            len => ((i0 + i) / len * len + len - i0).min(rows),
        };
        let tiles = (end - i).div_ceil(mr);
        let (base, extra) = ((end - i) / tiles, (end - i) % tiles);
        for (n, h) in [(extra, base + 1), (tiles - extra, base)] {
            if n == 0 {
                continue;
            }
            if h != mm {
                flush((start, count, mm));
                (start, count, mm) = (i, 0, h);
            }
            count += n;
            i += n * h;
        }
    }
    flush((start, count, mm));
}
