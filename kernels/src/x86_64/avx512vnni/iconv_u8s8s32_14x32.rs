//! `vpdpbusd` zmm, 14 rows × 32 columns, A read through the indirection
//! buffer: each output pixel's 4 channels broadcast straight from the NHWC
//! input (no packed A panel). The same tile, prefetch and epilogues as
//! `igemm_u8s8s32_14x32_avx512vnni`.

iconv_dot_kernel! {
    /// u8 × s8 → s32 indirect convolution microkernel, up to 14×32, AVX-512
    /// VNNI `vpdpbusd` zmm. Exact. Contract: [`crate::iconv_ukernel`].
    name: iconv_u8s8s32_14x32_avx512vnni,
    level: avx512vnni,
    step: crate::x86_64::igemm_ops::Vpdpbusd512,
    mr: 14,
    nr: 32,
    rows: [1 => 4, 2 => 2, 3 => 2, 4 => 2, 5 => 1, 6 => 1, 7 => 1, 8 => 1, 9 => 1, 10 => 1,
           11 => 1, 12 => 1, 13 => 1, 14 => 1],
    prefetch_b: { ahead: 256, min_rows: 5 },
    q8:
        /// [`iconv_u8s8s32_14x32_avx512vnni`] requantizing to u8/s8 in its
        /// epilogue (`TileRequant`).
        iconv_u8s8s32_14x32_avx512vnni_q8,
    f32:
        /// [`iconv_u8s8s32_14x32_avx512vnni`] dequantizing to f32 in its
        /// epilogue (`TileDequant`).
        iconv_u8s8s32_14x32_avx512vnni_f32,
    q8_fixed:
        /// [`iconv_u8s8s32_14x32_avx512vnni`] requantizing to u8/s8 in fixed
        /// point in its epilogue (`TileRequantFixed`).
        iconv_u8s8s32_14x32_avx512vnni_q8_fixed,
    // Output rows are cut into balanced tiles of up to 14 rows: with two
    // `vpdpbusd` ports a 7-row tile's tap (16 k-groups at 64 channels) is
    // too short for its set-up (docs/tuning.md, `small7`). Tiles of 4 to 7
    // rows (7-wide layers) run as strips; other heights a tile call each
    // (a strip of 14-row tiles measured slower, with or without the
    // constant-step rows: docs/tuning.md, `conv3i`).
    strip: {
        mr: 14,
        rows: [4 => 2, 5 => 1, 6 => 1, 7 => 1],
        s32: iconv_u8s8s32_14x32_avx512vnni_strip,
        q8: iconv_u8s8s32_14x32_avx512vnni_strip_q8,
        q8_fixed: iconv_u8s8s32_14x32_avx512vnni_strip_q8_fixed,
        f32: iconv_u8s8s32_14x32_avx512vnni_strip_f32,
    },
}
