//! Peak probe: the exact s16 path `vpmaddwd` (s16·s16 pairs → s32, exact)
//! + `vpaddd`. One step = two instructions = 32 (zmm) or 16 (ymm) multiply-adds.

use core::arch::asm;
use core::arch::x86_64::{
    __m256i, __m512i, _mm256_loadu_si256, _mm256_storeu_si256, _mm512_loadu_si512, _mm512_storeu_si512,
};

peak_probe! {
    /// `vpmaddwd` + `vpaddd` on zmm (AVX512-BW): 12 accumulators × 32 multiply-adds per iteration.
    fn peak_vpmaddwd_s16_zmm_avx512;
    features = "avx512f,avx512bw";
    vector = __m512i, load = _mm512_loadu_si512, store = _mm512_storeu_si512;
    macs = 32;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avx512bw is enabled on this fn.
        unsafe {
            asm!(
                "vpmaddwd {t}, {x}, {y}",
                "vpaddd {a}, {a}, {t}",
                a = inout(zmm_reg) *a, x = in(zmm_reg) x, y = in(zmm_reg) y,
                t = out(zmm_reg) _, options(nomem, nostack, preserves_flags))
        }
    }
}

peak_probe! {
    /// `vpmaddwd` + `vpaddd` on ymm (AVX2): 12 accumulators × 16 multiply-adds per iteration.
    fn peak_vpmaddwd_s16_ymm_avx2;
    features = "avx2";
    vector = __m256i, load = _mm256_loadu_si256, store = _mm256_storeu_si256;
    macs = 16;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avx2 is enabled on this fn.
        unsafe {
            asm!(
                "vpmaddwd {t}, {x}, {y}",
                "vpaddd {a}, {a}, {t}",
                a = inout(ymm_reg) *a, x = in(ymm_reg) x, y = in(ymm_reg) y,
                t = out(ymm_reg) _, options(nomem, nostack, preserves_flags))
        }
    }
}
