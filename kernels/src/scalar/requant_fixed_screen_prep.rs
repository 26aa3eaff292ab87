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

/// What the screen's results exceed the rounded values by (`B`).
pub const SCREEN_OFFSET: i32 = 768;

/// The length of [`requant_fixed_screen_prep`]'s output for `n` columns.
pub fn screen_len(n: usize) -> usize {
    n.div_ceil(16) * SCREEN_BLOCK
}

/// Fills `out` (at least [`screen_len`]`(n)` values, `n = mult.len()`) with
/// the screen's constants of columns `mult[j]`, `shift[j]`, per column
/// `M = fl(m)·2^-(31+e)`, `C = B + 1/2 + 2^-13 + 2^-(min(e,13)+1)` and the
/// mask of the fraction bits from `2^(15 − min(e,12))` to `2^13` (`e =
/// −shift`), the padding columns of the last block as for `m = 0`,
/// `e = 31`. Returns `false` (and leaves `out` unspecified) when some
/// column's shift is not a right shift of at least 8: then the epilogue
/// takes its 64-bit path.
pub fn requant_fixed_screen_prep(mult: &[i32], shift: &[i32], out: &mut [u32]) -> bool {
    let n = mult.len();
    if shift.len() != n || out.len() < screen_len(n) || shift.iter().any(|&s| s > -E_MIN) {
        return false;
    }
    for b in 0..n.div_ceil(16) {
        let blk = &mut out[b * SCREEN_BLOCK..(b + 1) * SCREEN_BLOCK];
        for l in 0..16 {
            let j = b * 16 + l;
            let (m, e) = if j < n { (mult[j], -shift[j]) } else { (0, 31) };
            // Exact: a power of two times an f32, both normal.
            let scale = f32::from_bits(((96 - e) as u32) << 23);
            let g = f32::from_bits(((126 - e.min(13)) as u32) << 23);
            blk[l] = (m as f32 * scale).to_bits();
            blk[16 + l] = (SCREEN_OFFSET as f32 + 0.5 + 1.0 / 8192.0 + g).to_bits();
            blk[32 + l] = 0x3fff & (1u32 << (15 - e.min(12))).wrapping_neg();
        }
    }
    true
}
