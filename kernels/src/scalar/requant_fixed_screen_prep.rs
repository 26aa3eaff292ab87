//! The per-call constants of the AVX-512 fixed-point epilogue's f32 screen
//! (`x86_64::avx512::requant_fixed_screen`, whose module docs hold the
//! proof): prepared once per GEMM call, so a tile loads three vectors per 16
//! columns instead of computing them.

/// Values per column block in [`requant_fixed_screen_prep`]'s layout: for
/// each block of 16 columns, `M` (f32 bits) ×16, `C` (f32 bits) ×16, then
/// the fraction mask ×16.
pub const SCREEN_BLOCK: usize = 48;

/// The smallest right shift the screen serves.
const E_MIN: i32 = 8;

/// What the screen's results exceed the rounded values by (`B`) for an
/// output with zero point `zp` and lowest value `lo`: `256 + zp − lo`, so
/// that the binade `[256, 512)` the screen reads holds exactly the results
/// that do not clamp to `lo` (and 256 of them, as many as a byte's range
/// can need).
pub fn screen_offset(zp: i32, lo: i32) -> i32 {
    256 + zp - lo
}

/// The length of [`requant_fixed_screen_prep`]'s output for `n` columns.
pub fn screen_len(n: usize) -> usize {
    n.div_ceil(16) * SCREEN_BLOCK
}

/// Fills `out` (at least [`screen_len`]`(n)` values, `n = mult.len()`) with
/// the screen's constants of columns `mult[j]`, `shift[j]` for an output
/// with zero point `zp` and lowest value `lo`: per column
/// `M = fl(m)·2^-(31+e)`, `C = B + 1/2 + 2^-14 + 2^-(min(e,14)+1)` with
/// `B =` [`screen_offset`]`(zp, lo)`, and the mask of the fraction bits from
/// `2^(16 − min(e,13))` to `2^14` (`e = −shift`), the padding columns of the
/// last block as for `m = 0`, `e = 31`. Returns `false` (and leaves `out`
/// unspecified) when some column's shift is not a right shift of at least
/// 8, or `zp − lo` is not in `[0, 255]`: then the epilogue takes its 64-bit
/// path.
pub fn requant_fixed_screen_prep(mult: &[i32], shift: &[i32], zp: i32, lo: i32, out: &mut [u32]) -> bool {
    let n = mult.len();
    if shift.len() != n
        || out.len() < screen_len(n)
        || shift.iter().any(|&s| s > -E_MIN)
        || !(0..=255).contains(&(zp - lo))
    {
        return false;
    }
    let b = screen_offset(zp, lo) as f32;
    for blk_i in 0..n.div_ceil(16) {
        let blk = &mut out[blk_i * SCREEN_BLOCK..(blk_i + 1) * SCREEN_BLOCK];
        for l in 0..16 {
            let j = blk_i * 16 + l;
            let (m, e) = if j < n { (mult[j], -shift[j]) } else { (0, 31) };
            // Exact: a power of two times an f32, both normal.
            let scale = f32::from_bits(((96 - e) as u32) << 23);
            let g = f32::from_bits(((126 - e.min(14)) as u32) << 23);
            blk[l] = (m as f32 * scale).to_bits();
            // Exact: every partial sum is a multiple of 2^-15 below 512.
            blk[16 + l] = (b + 0.5 + 1.0 / 16384.0 + g).to_bits();
            blk[32 + l] = 0x7fff & (1u32 << (16 - e.min(13))).wrapping_neg();
        }
    }
    true
}
