//! The vector helpers the depthwise kernel macros (`dwconv_macros`) are
//! stamped with, one module per level: `L` lanes of f32 (or i32) per
//! vector, loads and stores of whole vectors, and the multiply-adds.

macro_rules! dw_ops_x86 {
    ($feat:literal, $lanes:expr, $f:ty, $i:ty,
     load: $load:path, store: $store:path, stream: $stream:path, set1: $set1:path, fmadd: $fmadd:path,
     max: $max:path, min: $min:path, izero: $izero:path, iload: $iload:path,
     istore: $istore:path, madd_acc: |$s:ident, $a:ident, $b:ident| $madd:expr) => {
        use core::arch::x86_64::*;
        /// Lanes per vector.
        pub(crate) const L: usize = $lanes;
        /// `L` f32 loaded from `p` (unaligned).
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) unsafe fn load(p: *const f32) -> $f {
            // SAFETY: the caller's `p` is readable for `L` f32.
            unsafe { $load(p) }
        }
        /// `L` f32 stored at `p` (unaligned).
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) unsafe fn store(p: *mut f32, v: $f) {
            // SAFETY: the caller's `p` is writable for `L` f32.
            unsafe { $store(p, v) }
        }
        /// `L` f32 stored non-temporally at `p` (aligned to the vector).
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) unsafe fn stream(p: *mut f32, v: $f) {
            // SAFETY: the caller's `p` is writable for `L` f32, aligned.
            unsafe { $stream(p, v) }
        }
        /// `x` in every lane.
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) fn set1(x: f32) -> $f {
            $set1(x)
        }
        /// `a·b + c`, one rounding.
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) fn fmadd(a: $f, b: $f, c: $f) -> $f {
            $fmadd(a, b, c)
        }
        /// Lane-wise maximum (`b` where either is NaN).
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) fn max(a: $f, b: $f) -> $f {
            $max(a, b)
        }
        /// Lane-wise minimum (`b` where either is NaN).
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) fn min(a: $f, b: $f) -> $f {
            $min(a, b)
        }
        /// All-zero integer vector.
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) fn izero() -> $i {
            $izero()
        }
        /// One integer vector loaded from `p` (unaligned).
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) unsafe fn iload(p: *const $i) -> $i {
            // SAFETY: the caller's `p` is readable for one vector.
            unsafe { $iload(p) }
        }
        /// One integer vector stored at `p` (unaligned).
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) unsafe fn istore(p: *mut $i, v: $i) {
            // SAFETY: the caller's `p` is writable for one vector.
            unsafe { $istore(p, v) }
        }
        /// `s + pmaddwd(a, b)`: i16 pairs multiplied, summed into i32 lanes.
        #[inline]
        #[target_feature(enable = $feat)]
        pub(crate) fn madd_acc($s: $i, $a: $i, $b: $i) -> $i {
            $madd
        }
    };
}

/// AVX-512 F/BW: `vpmaddwd` then `vpaddd`.
pub(crate) mod avx512 {
    dw_ops_x86!("avx512f,avx512bw", 16, __m512, __m512i,
        load: _mm512_loadu_ps, store: _mm512_storeu_ps, stream: _mm512_stream_ps, set1: _mm512_set1_ps,
        fmadd: _mm512_fmadd_ps, max: _mm512_max_ps, min: _mm512_min_ps,
        izero: _mm512_setzero_si512, iload: _mm512_loadu_si512, istore: _mm512_storeu_si512,
        madd_acc: |s, a, b| _mm512_add_epi32(s, _mm512_madd_epi16(a, b)));
}

/// AVX-512 VNNI: one `vpdpwssd` per pair of taps.
// Its f32 half goes unused: the VNNI level runs the AVX-512 FP32 kernels.
#[allow(dead_code)]
pub(crate) mod avx512vnni {
    dw_ops_x86!("avx512f,avx512bw,avx512vnni", 16, __m512, __m512i,
        load: _mm512_loadu_ps, store: _mm512_storeu_ps, stream: _mm512_stream_ps, set1: _mm512_set1_ps,
        fmadd: _mm512_fmadd_ps, max: _mm512_max_ps, min: _mm512_min_ps,
        izero: _mm512_setzero_si512, iload: _mm512_loadu_si512, istore: _mm512_storeu_si512,
        madd_acc: |s, a, b| _mm512_dpwssd_epi32(s, a, b));
}

/// AVX2 + FMA: `vpmaddwd` then `vpaddd` on ymm.
pub(crate) mod avx2 {
    dw_ops_x86!("avx2,fma", 8, __m256, __m256i,
        load: _mm256_loadu_ps, store: _mm256_storeu_ps, stream: _mm256_stream_ps, set1: _mm256_set1_ps,
        fmadd: _mm256_fmadd_ps, max: _mm256_max_ps, min: _mm256_min_ps,
        izero: _mm256_setzero_si256, iload: _mm256_loadu_si256, istore: _mm256_storeu_si256,
        madd_acc: |s, a, b| _mm256_add_epi32(s, _mm256_madd_epi16(a, b)));
}
