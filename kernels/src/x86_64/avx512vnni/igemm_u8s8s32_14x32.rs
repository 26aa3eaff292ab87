//! `vpdpbusd` zmm: 14 rows × 32 columns, 28 zmm accumulators, A broadcast
//! as 32-bit groups (embedded broadcast), 64 MACs per instruction. Tiles of
//! 5 rows or more prefetch the B panel 256 bytes (2 k-groups) ahead, tiles
//! of 4 to 8 rows the next panel into L2. A
//! second entry writes C with streaming stores, two more requantize to 8
//! bits or dequantize to f32 in their epilogue.

use crate::x86_64::avx512::igemm_store_s32_to_f32::dequant_rows_32_zmm;
use crate::x86_64::avx512::igemm_store_s32_to_q8::requant_rows_32_zmm;
use core::arch::x86_64::*;

igemm_dot_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 14×32, AVX-512 VNNI `vpdpbusd` zmm.
    /// Exact (no saturation). Contract: as
    /// [`crate::scalar::igemm_u8s8s32_8x16_scalar`] with this tile.
    name: igemm_u8s8s32_14x32_avx512vnni,
    features: "avx512f,avx512bw,avx512vl,avx512vnni",
    mr: 14,
    nr: 32,
    vec: __m512i,
    bytes: 64,
    zero: _mm512_setzero_si512(),
    load: |p| _mm512_loadu_si512(p as *const __m512i),
    bcast: |p| _mm512_set1_epi32(p.read_unaligned()),
    store: |p, v| _mm512_storeu_si512(p as *mut __m512i, v),
    add: _mm512_add_epi32,
    rows: [1 => 4, 2 => 2, 3 => 2, 4 => 2, 5 => 1, 6 => 1, 7 => 1, 8 => 1, 9 => 1, 10 => 1,
           11 => 1, 12 => 1, 13 => 1, 14 => 1],
    setup: {},
    dot: |acc, a, b| _mm512_dpbusd_epi32(acc, a, b),
    fix: {
        set1: _mm512_set1_epi32,
        loadw: |p| _mm512_loadu_si512(p as *const __m512i),
        mullo: _mm512_mullo_epi32,
        sub: _mm512_sub_epi32,
    },
    prefetch_b: { ahead: 256, min_rows: 5 },
    prefetch_next_panel: { min_rows: 4, max_rows: 8 },
    stream: {
        /// [`igemm_u8s8s32_14x32_avx512vnni`] writing C with streaming
        /// (non-temporal) stores: for outputs larger than the cache, where
        /// regular stores would first read each line of C.
        name: igemm_u8s8s32_14x32_avx512vnni_stream,
        store: |p, v| _mm512_stream_si512(p as *mut __m512i, v),
    },
    requant: {
        /// [`igemm_u8s8s32_14x32_avx512vnni`] with the requantizing output
        /// fused into its epilogue: the corrected sums go from registers to
        /// u8/s8 C (`TileRequant`), no s32 tile in between.
        name: igemm_u8s8s32_14x32_avx512vnni_q8,
        rows: requant_rows_32_zmm,
    },
    dequant: {
        /// [`igemm_u8s8s32_14x32_avx512vnni`] with the dequantizing output
        /// fused into its epilogue: the corrected sums go from registers to
        /// f32 C (`TileDequant`), no s32 tile in between.
        name: igemm_u8s8s32_14x32_avx512vnni_f32,
        rows: dequant_rows_32_zmm,
    },
}
