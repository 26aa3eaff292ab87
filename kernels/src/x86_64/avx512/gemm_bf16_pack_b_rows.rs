//! Packs one pair of row-major bf16 B rows into every 32-column panel of a
//! block at once (AVX-512BW), prefetching the rows a few pairs ahead: the
//! per-call packer for small M, where B comes from memory row piece by
//! row piece, rows a page or more apart, which the hardware prefetchers do
//! not follow (`docs/tuning.md`, "BF16 GEMM, B packed per call").

use core::arch::x86_64::*;

/// Packs columns `0..n` of the rows `even` and `odd` as pairs
/// `flush(even[j]) | flush(odd[j]) << 16` at u32 `(j / 32)·stride + j % 32`
/// of `dst`, lanes `n..` of the last panel zero (`flush`: a subnormal to
/// a zero of its sign, what `vdpbf16ps` reads), and prefetches `n`
/// elements from `pf_even` and `pf_odd` into L2.
///
/// # Safety
/// `even` and `odd` valid for `n` u16 reads; `dst` for 32 u32 writes at
/// each `c·stride`, `c < ⌈n/32⌉`, not overlapping the rows; the CPU has
/// AVX-512F and BW. The prefetch addresses are never read (any value).
#[target_feature(enable = "avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")]
pub unsafe fn gemm_bf16_pack_b_rows_avx512(
    even: *const u16,
    odd: *const u16,
    n: usize,
    dst: *mut u32,
    stride: usize,
    pf_even: *const u16,
    pf_odd: *const u16,
) {
    // Interleave lanes 0..16 of `e` and `o` (`o` is source 2: index + 32),
    // then lanes 16..32.
    let lo_idx: [u16; 32] = core::array::from_fn(|i| (i / 2 + 32 * (i % 2)) as u16);
    let hi_idx: [u16; 32] = core::array::from_fn(|i| (16 + i / 2 + 32 * (i % 2)) as u16);
    // SAFETY: 64-byte arrays read unaligned.
    let (lo, hi) = unsafe {
        (
            _mm512_loadu_si512(lo_idx.as_ptr().cast()),
            _mm512_loadu_si512(hi_idx.as_ptr().cast()),
        )
    };
    let exp = _mm512_set1_epi16(0x7f80);
    let sign = _mm512_set1_epi16(-0x8000);
    let flush = |v: __m512i| {
        let normal = _mm512_test_epi16_mask(v, exp);
        _mm512_mask_blend_epi16(normal, _mm512_and_si512(v, sign), v)
    };
    for c in 0..n.div_ceil(32) {
        let j = 32 * c;
        let mask: __mmask32 = if n - j >= 32 { !0 } else { (1u32 << (n - j)) - 1 };
        // SAFETY: masked loads read only lanes j..n of the rows; the two
        // stores are panel c's 32 pairs (the caller's `dst`); prefetches
        // never fault.
        unsafe {
            _mm_prefetch::<_MM_HINT_T1>(pf_even.wrapping_add(j).cast());
            _mm_prefetch::<_MM_HINT_T1>(pf_odd.wrapping_add(j).cast());
            let e = flush(_mm512_maskz_loadu_epi16(mask, even.add(j).cast()));
            let o = flush(_mm512_maskz_loadu_epi16(mask, odd.add(j).cast()));
            let d = dst.add(c * stride);
            _mm512_storeu_si512(d.cast(), _mm512_permutex2var_epi16(e, lo, o));
            _mm512_storeu_si512(d.add(16).cast(), _mm512_permutex2var_epi16(e, hi, o));
        }
    }
}
