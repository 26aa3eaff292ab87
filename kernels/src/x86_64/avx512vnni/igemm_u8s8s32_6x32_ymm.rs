//! `vpdpbusd` ymm (EVEX, AVX-512VL): 6 rows × 32 columns, 24 ymm
//! accumulators, on the same 32-column panels as the zmm kernel (whose
//! fused requantizing and dequantizing epilogues it shares, on its rows
//! widened to two zmm each). The level runs it for one-row calls: there
//! its 256-bit loads stream the weights faster than 512-bit ones.

use crate::x86_64::avx512::igemm_store_s32_to_f32::dequant_rows_32_zmm;
use crate::x86_64::avx512::igemm_store_s32_to_q8::requant_rows_32_zmm;
use core::arch::x86_64::*;

/// A row of four ymm (32 s32 columns) as the two zmm of the zmm epilogues.
#[target_feature(enable = "avx512f")]
#[inline]
fn widen(r: [__m256i; 4]) -> [__m512i; 2] {
    [
        _mm512_inserti64x4::<1>(_mm512_castsi256_si512(r[0]), r[1]),
        _mm512_inserti64x4::<1>(_mm512_castsi256_si512(r[2]), r[3]),
    ]
}

/// [`requant_rows_32_zmm`] on rows of four ymm (same contract).
macro_rules! requant_rows_32_ymm {
    ($sums:expr, $rq:expr, $m:expr, $hi_f32:literal) => {{
        let sums: [[__m256i; 4]; _] = $sums;
        requant_rows_32_zmm!(sums.map(|r| widen(r)), $rq, $m, $hi_f32)
    }};
}

/// [`dequant_rows_32_zmm`] on rows of four ymm (same contract).
macro_rules! dequant_rows_32_ymm {
    ($sums:expr, $dq:expr, $m:expr) => {{
        let sums: [[__m256i; 4]; _] = $sums;
        dequant_rows_32_zmm!(sums.map(|r| widen(r)), $dq, $m)
    }};
}

igemm_dot_kernel! {
    /// u8 × s8 → s32 GEMM microkernel, up to 6×32, AVX-512 VNNI `vpdpbusd` ymm
    /// (EVEX, 32 registers). Exact. Contract: as
    /// [`crate::scalar::igemm_u8s8s32_8x16_scalar`] with this tile.
    name: igemm_u8s8s32_6x32_avx512vnni_ymm,
    features: "avx512f,avx512bw,avx512vl,avx512vnni",
    mr: 6,
    nr: 32,
    vec: __m256i,
    bytes: 32,
    zero: _mm256_setzero_si256(),
    load: |p| _mm256_loadu_si256(p as *const __m256i),
    bcast: |p| _mm256_set1_epi32(p.read_unaligned()),
    store: |p, v| _mm256_storeu_si256(p as *mut __m256i, v),
    add: _mm256_add_epi32,
    rows: [1 => 2, 2 => 1, 3 => 1, 4 => 1, 5 => 1, 6 => 1],
    setup: {},
    dot: |acc, a, b| _mm256_dpbusd_epi32(acc, a, b),
    fix: {
        set1: _mm256_set1_epi32,
        loadw: |p| _mm256_loadu_si256(p as *const __m256i),
        mullo: _mm256_mullo_epi32,
        sub: _mm256_sub_epi32,
    },
    requant: {
        /// [`igemm_u8s8s32_6x32_avx512vnni_ymm`] with the requantizing output
        /// fused into its epilogue (`TileRequant`), no s32 tile in between.
        name: igemm_u8s8s32_6x32_avx512vnni_ymm_q8,
        rows: requant_rows_32_ymm,
    },
    dequant: {
        /// [`igemm_u8s8s32_6x32_avx512vnni_ymm`] with the dequantizing output
        /// fused into its epilogue (`TileDequant`), no s32 tile in between.
        name: igemm_u8s8s32_6x32_avx512vnni_ymm_f32,
        rows: dequant_rows_32_ymm,
    },
}
