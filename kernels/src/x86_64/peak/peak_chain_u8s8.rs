//! Peak probe: the pre-VNNI u8×s8 chain `vpmaddubsw` (u8·s8 pairs → s16,
//! saturating) + `vpmaddwd` with `z` (ones: s16 pairs → s32) + `vpaddd`.
//! One step = three instructions = 64 (zmm) or 32 (ymm) multiply-adds.

use core::arch::asm;
use core::arch::x86_64::{
    __m256i, __m512i, _mm256_loadu_si256, _mm256_storeu_si256, _mm512_loadu_si512, _mm512_storeu_si512,
};

peak_probe! {
    /// The chain on zmm (AVX512-BW): 12 accumulators × 64 multiply-adds per iteration.
    fn peak_chain_u8s8_zmm_avx512;
    features = "avx512f,avx512bw";
    vector = __m512i, load = _mm512_loadu_si512, store = _mm512_storeu_si512;
    macs = 64;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avx512bw is enabled on this fn.
        unsafe {
            asm!(
                "vpmaddubsw {t}, {x}, {y}",
                "vpmaddwd {t}, {t}, {z}",
                "vpaddd {a}, {a}, {t}",
                a = inout(zmm_reg) *a, x = in(zmm_reg) x, y = in(zmm_reg) y, z = in(zmm_reg) z,
                t = out(zmm_reg) _, options(nomem, nostack, preserves_flags))
        }
    }
}

peak_probe! {
    /// The chain on ymm (AVX2): 12 accumulators × 32 multiply-adds per iteration.
    fn peak_chain_u8s8_ymm_avx2;
    features = "avx2";
    vector = __m256i, load = _mm256_loadu_si256, store = _mm256_storeu_si256;
    macs = 32;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avx2 is enabled on this fn.
        unsafe {
            asm!(
                "vpmaddubsw {t}, {x}, {y}",
                "vpmaddwd {t}, {t}, {z}",
                "vpaddd {a}, {a}, {t}",
                a = inout(ymm_reg) *a, x = in(ymm_reg) x, y = in(ymm_reg) y, z = in(ymm_reg) z,
                t = out(ymm_reg) _, options(nomem, nostack, preserves_flags))
        }
    }
}
