//! `vpdpbusd` zmm, 14 rows × 32 columns, A read in place from a row-major
//! u8 matrix: each row's 4 consecutive k broadcast straight from the row (no
//! packed A panel). The same tile, prefetch and epilogues as
//! `igemm_u8s8s32_14x32_avx512vnni`.

igemm_rows_kernel! {
    /// u8 × s8 → s32 GEMM microkernel reading A in place, up to 14×32,
    /// AVX-512 VNNI `vpdpbusd` zmm. Exact. Contract:
    /// [`crate::igemm_rows_ukernel`].
    name: igemm_rows_u8s8s32_14x32_avx512vnni,
    level: avx512vnni,
    step: crate::x86_64::igemm_ops::Vpdpbusd512,
    mr: 14,
    nr: 32,
    rows: [1 => 4, 2 => 2, 3 => 2, 4 => 2, 5 => 1, 6 => 1, 7 => 1, 8 => 1, 9 => 1, 10 => 1,
           11 => 1, 12 => 1, 13 => 1, 14 => 1],
    prefetch_b: { ahead: 256, min_rows: 5 },
    stream: igemm_rows_u8s8s32_14x32_avx512vnni_stream,
    q8: igemm_rows_u8s8s32_14x32_avx512vnni_q8,
    q8_fixed: igemm_rows_u8s8s32_14x32_avx512vnni_q8_fixed,
    f32: igemm_rows_u8s8s32_14x32_avx512vnni_f32,
    // Strips run 7-row tiles: a 14-row tile's 28 stores at once stall the
    // next tile's start (docs/tuning.md); balanced, a strip's tiles have
    // 4 to 7 rows.
    strip: {
        mr: 7,
        rows: [4 => 2, 5 => 1, 6 => 1, 7 => 1],
        s32: igemm_rows_u8s8s32_14x32_avx512vnni_strip,
        stream: igemm_rows_u8s8s32_14x32_avx512vnni_strip_stream,
        q8: igemm_rows_u8s8s32_14x32_avx512vnni_strip_q8,
        q8_fixed: igemm_rows_u8s8s32_14x32_avx512vnni_strip_q8_fixed,
        f32: igemm_rows_u8s8s32_14x32_avx512vnni_strip_f32,
    },
}
