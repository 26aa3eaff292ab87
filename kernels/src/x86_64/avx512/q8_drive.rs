//! The loops shared by the AVX-512 q8 conversion kernels: 16 lanes at a
//! time, masked tails, and (when asked) non-temporal stores of whole
//! aligned cache lines after a masked head up to the first 64-byte boundary.

use core::arch::x86_64::*;

/// The low `n` lanes (`n ≤ 16`).
#[inline(always)]
pub(crate) fn mask16(n: usize) -> __mmask16 {
    if n >= 16 {
        0xffff
    } else {
        ((1u32 << n) - 1) as __mmask16
    }
}

/// Calls `f(i, mask)` for lanes `i..i+16` of `n` and stores the 16 bytes it
/// returns at `dst + i` (masked lanes only).
///
/// # Safety
/// The CPU must have AVX-512 F/BW/VL/DQ; `dst` writable for `n` bytes; `f`
/// must only touch the lanes in its mask.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
pub(crate) unsafe fn drive_bytes<F: FnMut(usize, __mmask16) -> __m128i>(
    dst: *mut u8,
    n: usize,
    stream: bool,
    mut f: F,
) {
    let mut i = 0usize;
    // SAFETY: every store covers lanes below `n` only (full vectors while
    // `i + 16 ≤ n` or `i + 64 ≤ n`, masks elsewhere); the streaming store's
    // address is 64-byte aligned by construction.
    unsafe {
        if stream {
            let head = ((64 - (dst as usize) % 64) % 64).min(n);
            while i < head {
                let m = mask16(head - i);
                _mm_mask_storeu_epi8(dst.add(i).cast(), m, f(i, m));
                i += (head - i).min(16);
            }
            while i + 64 <= n {
                let a = _mm512_castsi128_si512(f(i, 0xffff));
                let a = _mm512_inserti32x4::<1>(a, f(i + 16, 0xffff));
                let a = _mm512_inserti32x4::<2>(a, f(i + 32, 0xffff));
                let a = _mm512_inserti32x4::<3>(a, f(i + 48, 0xffff));
                _mm512_stream_si512(dst.add(i).cast(), a);
                i += 64;
            }
            _mm_sfence();
        }
        while i + 16 <= n {
            _mm_storeu_si128(dst.add(i).cast(), f(i, 0xffff));
            i += 16;
        }
        if i < n {
            let m = mask16(n - i);
            _mm_mask_storeu_epi8(dst.add(i).cast(), m, f(i, m));
        }
    }
}

/// Calls `f(i, mask)` for lanes `i..i+16` of `n` and stores the 16 f32 it
/// returns at `dst + i` (masked lanes only).
///
/// # Safety
/// As [`drive_bytes`], with `dst` writable for `n` f32.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
pub(crate) unsafe fn drive_f32<F: FnMut(usize, __mmask16) -> __m512>(
    dst: *mut f32,
    n: usize,
    stream: bool,
    mut f: F,
) {
    let mut i = 0usize;
    // SAFETY: as in `drive_bytes`; an f32 pointer is 4-byte aligned, so
    // the head ends on a 64-byte boundary.
    unsafe {
        if stream {
            let head = (((64 - (dst as usize) % 64) % 64) / 4).min(n);
            if head > 0 {
                let m = mask16(head);
                _mm512_mask_storeu_ps(dst, m, f(0, m));
                i = head;
            }
            while i + 16 <= n {
                _mm512_stream_ps(dst.add(i), f(i, 0xffff));
                i += 16;
            }
            _mm_sfence();
        }
        while i + 16 <= n {
            _mm512_storeu_ps(dst.add(i), f(i, 0xffff));
            i += 16;
        }
        if i < n {
            let m = mask16(n - i);
            _mm512_mask_storeu_ps(dst.add(i), m, f(i, m));
        }
    }
}

/// Lanes `i..i+16` (masked) of a per-element f32 parameter, or `bcast`.
///
/// # Safety
/// As the kernels' `Q8Args` contract.
#[inline(always)]
pub(crate) unsafe fn param_f32(
    p: *const f32,
    per_element: bool,
    bcast: __m512,
    i: usize,
    m: __mmask16,
) -> __m512 {
    if per_element {
        // SAFETY: masked lanes are below `n`, readable by contract.
        unsafe { _mm512_maskz_loadu_ps(m, p.add(i)) }
    } else {
        bcast
    }
}

/// Lanes `i..i+16` (masked) of a per-element i32 parameter, or `bcast`.
///
/// # Safety
/// As the kernels' `Q8Args` contract.
#[inline(always)]
pub(crate) unsafe fn param_i32(
    p: *const i32,
    per_element: bool,
    bcast: __m512i,
    i: usize,
    m: __mmask16,
) -> __m512i {
    if per_element {
        // SAFETY: masked lanes are below `n`, readable by contract.
        unsafe { _mm512_maskz_loadu_epi32(m, p.add(i)) }
    } else {
        bcast
    }
}

/// `clamp(cvt_rne(clamp(y, ±limit)) + zp, lo, hi)`, narrowed to bytes (low
/// byte of each lane); `y` must not be NaN.
#[inline(always)]
pub(crate) fn round_clamp_narrow(y: __m512, zp: __m512i, lo: __m512i, hi: __m512i) -> __m128i {
    let lim = crate::q8::Q8_Y_LIMIT;
    // SAFETY: AVX-512 F register operations, enabled in every caller.
    unsafe {
        let y = _mm512_min_ps(_mm512_max_ps(y, _mm512_set1_ps(-lim)), _mm512_set1_ps(lim));
        // The default MXCSR mode rounds to nearest even.
        let q = _mm512_add_epi32(_mm512_cvtps_epi32(y), zp);
        _mm512_cvtepi32_epi8(_mm512_min_epi32(_mm512_max_epi32(q, lo), hi))
    }
}
