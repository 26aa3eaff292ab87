//! The loops shared by the AVX-512 q8 conversion kernels: 16 lanes at a
//! time, masked tails, and (when asked) non-temporal stores of whole
//! aligned cache lines after a masked head up to the first 64-byte boundary
//! (the byte outputs' lines from two halves of the run in step).

use core::arch::x86_64::*;

/// How far ahead of the streaming loops' reads the input is prefetched, in
/// bytes (docs/tuning.md, "streaming rule and input prefetch").
const PREFETCH_BYTES: usize = 4096;

/// Prefetches the `lines` cache lines from `p` into L1.
#[inline(always)]
fn prefetch_lines(p: *const u8, lines: usize) {
    for l in 0..lines {
        // SAFETY: a prefetch never faults, whatever the address.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(64 * l).cast()) };
    }
}

/// The low `n` lanes (`n ≤ 16`).
#[inline(always)]
pub(crate) fn mask16(n: usize) -> __mmask16 {
    if n >= 16 {
        0xffff
    } else {
        ((1u32 << n) - 1) as __mmask16
    }
}

/// Packs four vectors of i32 already within `[lo, hi]` into 64 bytes in
/// order: unsigned saturation when `unsigned` (values in [0, 255]), signed
/// otherwise (values in [-128, 127]); either is exact there. (One
/// `vpmovdb` per vector measured slower on Zen 4.)
#[inline(always)]
fn narrow4(v: [__m512i; 4], unsigned: bool) -> __m512i {
    // SAFETY: AVX-512 BW/F register operations, enabled in every caller.
    unsafe {
        let a = _mm512_packs_epi32(v[0], v[1]);
        let b = _mm512_packs_epi32(v[2], v[3]);
        let p = if unsigned {
            _mm512_packus_epi16(a, b)
        } else {
            _mm512_packs_epi16(a, b)
        };
        // Per 128-bit lane l the packs leave dwords v0[l], v1[l], v2[l], v3[l].
        let idx = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        _mm512_permutexvar_epi32(idx, p)
    }
}

/// Calls `f(i, mask)` for lanes `i..i+16` of `n` (i32 results already
/// within the output range) and stores their low bytes at `dst + i`
/// (masked lanes only); `unsigned` when the range is within [0, 255].
/// `src` is the input, `src_bytes` bytes per element (prefetched only).
///
/// # Safety
/// The CPU must have AVX-512 F/BW/VL/DQ; `dst` writable for `n` bytes; `f`
/// must only touch the lanes in its mask.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
pub(crate) unsafe fn drive_bytes<F: FnMut(usize, __mmask16) -> __m512i>(
    src: *const u8,
    src_bytes: usize,
    dst: *mut u8,
    n: usize,
    stream: bool,
    unsigned: bool,
    mut f: F,
) {
    let mut i = 0usize;
    // SAFETY: every store covers lanes below `n` only (full vectors while
    // `i + 64 ≤ n`, masks elsewhere); the streaming store's address is
    // 64-byte aligned by construction.
    unsafe {
        let head = if stream {
            ((64 - (dst as usize) % 64) % 64).min(n)
        } else {
            0
        };
        while i < head {
            let m = mask16(head - i);
            _mm512_mask_cvtepi32_storeu_epi8(dst.add(i).cast(), m, f(i, m));
            i += (head - i).min(16);
        }
        // The 64 outputs from `j`, four vectors packed in order.
        let mut line = |j: usize| {
            narrow4(
                [
                    f(j, 0xffff),
                    f(j + 16, 0xffff),
                    f(j + 32, 0xffff),
                    f(j + 48, 0xffff),
                ],
                unsigned,
            )
        };
        if stream {
            // Two halves in step: two input streams keep more of memory's
            // lines in flight than one (docs/tuning.md, "two streams").
            let half = (n - i) / 128 * 64;
            for k in (0..half).step_by(64) {
                for j in [i + k, i + half + k] {
                    prefetch_lines(src.wrapping_add(j * src_bytes + PREFETCH_BYTES), src_bytes);
                    _mm512_stream_si512(dst.add(j).cast(), line(j));
                }
            }
            i += 2 * half;
        }
        while i + 64 <= n {
            let v = line(i);
            if stream {
                _mm512_stream_si512(dst.add(i).cast(), v);
            } else {
                _mm512_storeu_si512(dst.add(i).cast(), v);
            }
            i += 64;
        }
        if stream {
            _mm_sfence();
        }
        while i < n {
            let m = mask16(n - i);
            _mm512_mask_cvtepi32_storeu_epi8(dst.add(i).cast(), m, f(i, m));
            i += (n - i).min(16);
        }
    }
}

/// Calls `f(i, mask)` for lanes `i..i+16` of `n` and stores the 16 f32 it
/// returns at `dst + i` (masked lanes only); `src` is the input, one byte
/// per element (prefetched only).
///
/// # Safety
/// As [`drive_bytes`], with `dst` writable for `n` f32.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl,avx512dq")]
pub(crate) unsafe fn drive_f32<F: FnMut(usize, __mmask16) -> __m512>(
    src: *const u8,
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
            // One input line (64 elements) per step, prefetched ahead.
            while i + 64 <= n {
                prefetch_lines(src.wrapping_add(i + PREFETCH_BYTES), 1);
                for v in (0..64).step_by(16) {
                    _mm512_stream_ps(dst.add(i + v), f(i + v, 0xffff));
                }
                i += 64;
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

/// `clamp(cvt_rne(clamp(y, ±limit)) + zp, lo, hi)`; `y` must not be NaN.
#[inline(always)]
pub(crate) fn round_clamp(y: __m512, zp: __m512i, lo: __m512i, hi: __m512i) -> __m512i {
    let lim = crate::q8::Q8_Y_LIMIT;
    // SAFETY: AVX-512 F register operations, enabled in every caller.
    unsafe {
        let y = _mm512_min_ps(_mm512_max_ps(y, _mm512_set1_ps(-lim)), _mm512_set1_ps(lim));
        // The default MXCSR mode rounds to nearest even.
        let q = _mm512_add_epi32(_mm512_cvtps_epi32(y), zp);
        _mm512_min_epi32(_mm512_max_epi32(q, lo), hi)
    }
}
