//! The loops shared by the AVX2 q8 conversion kernels: 8 lanes at a time,
//! 32 per step for byte outputs, (when asked) non-temporal stores after a
//! head up to the first 32-byte boundary; heads and tails go to the scalar
//! kernel (AVX2 has no byte-masked store).

use core::arch::x86_64::*;

/// Runs `body(i)` (32 elements from `i`, returning 32 bytes) over the
/// vector part of `0..n` and stores the bytes at `dst + i`; `rest(start, len)`
/// converts the head and tail elements.
///
/// # Safety
/// The CPU must have AVX2; `dst` writable for `n` bytes; `body` must read
/// only elements `i..i+32`.
#[inline]
#[target_feature(enable = "avx,avx2,fma,f16c")]
pub(crate) unsafe fn drive_bytes<B, R>(dst: *mut u8, n: usize, stream: bool, mut body: B, mut rest: R)
where
    B: FnMut(usize) -> __m256i,
    R: FnMut(usize, usize),
{
    let mut i = 0usize;
    if stream {
        i = ((32 - (dst as usize) % 32) % 32).min(n);
        rest(0, i);
    }
    // SAFETY: each store covers `i..i+32 ≤ n`; the streaming store's address
    // is 32-byte aligned by construction.
    unsafe {
        while i + 32 <= n {
            if stream {
                _mm256_stream_si256(dst.add(i).cast(), body(i));
            } else {
                _mm256_storeu_si256(dst.add(i).cast(), body(i));
            }
            i += 32;
        }
        if stream {
            _mm_sfence();
        }
    }
    rest(i, n - i);
}

/// As [`drive_bytes`] for f32 outputs, 8 per step (32 bytes).
///
/// # Safety
/// As [`drive_bytes`], with `dst` writable for `n` f32.
#[inline]
#[target_feature(enable = "avx,avx2,fma,f16c")]
pub(crate) unsafe fn drive_f32<B, R>(dst: *mut f32, n: usize, stream: bool, mut body: B, mut rest: R)
where
    B: FnMut(usize) -> __m256,
    R: FnMut(usize, usize),
{
    let mut i = 0usize;
    if stream {
        i = (((32 - (dst as usize) % 32) % 32) / 4).min(n);
        rest(0, i);
    }
    // SAFETY: as in `drive_bytes`.
    unsafe {
        while i + 8 <= n {
            if stream {
                _mm256_stream_ps(dst.add(i), body(i));
            } else {
                _mm256_storeu_ps(dst.add(i), body(i));
            }
            i += 8;
        }
        if stream {
            _mm_sfence();
        }
    }
    rest(i, n - i);
}

/// Eight lanes of a per-element f32 parameter from `i`, or `bcast`.
///
/// # Safety
/// `p` readable at `i..i+8` when per element.
#[inline(always)]
pub(crate) unsafe fn param_f32(p: *const f32, per_element: bool, bcast: __m256, i: usize) -> __m256 {
    // SAFETY: by the caller's contract.
    if per_element {
        unsafe { _mm256_loadu_ps(p.add(i)) }
    } else {
        bcast
    }
}

/// Eight lanes of a per-element i32 parameter from `i`, or `bcast`.
///
/// # Safety
/// `p` readable at `i..i+8` when per element.
#[inline(always)]
pub(crate) unsafe fn param_i32(p: *const i32, per_element: bool, bcast: __m256i, i: usize) -> __m256i {
    // SAFETY: by the caller's contract.
    if per_element {
        unsafe { _mm256_loadu_si256(p.add(i).cast()) }
    } else {
        bcast
    }
}

/// `clamp(cvt_rne(clamp(y, ±limit)) + zp, lo, hi)` as i32; `y` not NaN.
#[inline(always)]
pub(crate) fn round_clamp(y: __m256, zp: __m256i, lo: __m256i, hi: __m256i) -> __m256i {
    let lim = crate::q8::Q8_Y_LIMIT;
    // SAFETY: AVX/AVX2 register operations, enabled in every caller.
    unsafe {
        let y = _mm256_min_ps(_mm256_max_ps(y, _mm256_set1_ps(-lim)), _mm256_set1_ps(lim));
        // The default MXCSR mode rounds to nearest even.
        let q = _mm256_add_epi32(_mm256_cvtps_epi32(y), zp);
        _mm256_min_epi32(_mm256_max_epi32(q, lo), hi)
    }
}

/// Packs four vectors of i32 already within `[lo, hi]` into 32 bytes in
/// order: unsigned saturation when `lo ≥ 0` (values in [0, 255]), signed
/// otherwise (values in [-128, 127]); either is exact there.
#[inline(always)]
pub(crate) fn narrow4(v: [__m256i; 4], unsigned: bool) -> __m256i {
    // SAFETY: AVX2 register operations, enabled in every caller.
    unsafe {
        let a = _mm256_packs_epi32(v[0], v[1]);
        let b = _mm256_packs_epi32(v[2], v[3]);
        let p = if unsigned {
            _mm256_packus_epi16(a, b)
        } else {
            _mm256_packs_epi16(a, b)
        };
        // The in-lane packs leave dwords in order 0,4,1,5,2,6,3,7.
        _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7))
    }
}
