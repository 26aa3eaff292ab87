//! `gconv_u8s8s32_3x3g4_avx512vnni`: the INT8 3×3 grouped kernel for 4
//! input and 4 output channels a group, 16 output channels × a run of
//! output pixels of one row, one `vpdpbusd` per tap, read from the input as
//! it is laid out (no expansion).

use crate::x86_64::gconv_g4_ops::gconv_g4_row;
use crate::x86_64::gconv_ops::Dpbusd;

with_level! { avx512vnni:
/// For each output pixel `n < pixels` and channel `j < 16` (group `j / 4`):
/// `out[n·ldo + j] = init[j] + Σ_{r,s<3} Σ_{c<4} x[r][n + s][4·(j / 4) +
/// c]·w[3r + s][4·(4·(j % 4) + j / 4) + c]` (u8 × s8, wrapping s32), where
/// `x[r][p]` is the 16 bytes at `src + r·rs + p·ps` and `w[t]` the 64 at
/// `w + 64·t` (lane `l`, 4 bytes, for output channel `4·(l % 4) + l / 4`).
///
/// # Safety
///
/// The CPU must have the `avx512vnni` level ([`crate::level::AVX512VNNI`]).
/// For `r < 3` and `p < pixels + 2`, 16 bytes must be readable at `src +
/// r·rs + p·ps`; 9·64 bytes at `w`, 16 i32 at `init`; 16 i32 writable at
/// `out + n·ldo`.
#[allow(clippy::too_many_arguments)]
pub unsafe fn gconv_u8s8s32_3x3g4_avx512vnni(
    src: *const u8,
    rs: usize,
    ps: usize,
    pixels: usize,
    w: *const i8,
    init: *const i32,
    out: *mut i32,
    ldo: usize,
) {
    // SAFETY: the caller's contract is the loop's.
    unsafe { gconv_g4_row::<Dpbusd>(src, rs, ps, pixels, w.cast(), init.cast(), out, ldo, ()) }
}
}
