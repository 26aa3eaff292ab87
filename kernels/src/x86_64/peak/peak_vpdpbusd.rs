//! Peak probe: `vpdpbusd` (acc.s32 += Σ₄ x.u8·y.s8): EVEX zmm and ymm
//! (AVX512-VNNI) and VEX ymm (AVX-VNNI). One step = one instruction =
//! 64 (zmm) or 32 (ymm) multiply-adds.

use core::arch::asm;
use core::arch::x86_64::{
    __m256i, __m512i, _mm256_loadu_si256, _mm256_storeu_si256, _mm512_loadu_si512, _mm512_storeu_si512,
};

peak_probe! {
    /// `vpdpbusd zmm` (EVEX): 12 accumulators × 64 u8·s8 multiply-adds per iteration.
    fn peak_vpdpbusd_zmm_avx512vnni;
    features = "avx512f,avx512vnni";
    vector = __m512i, load = _mm512_loadu_si512, store = _mm512_storeu_si512;
    macs = 64;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avx512vnni is enabled on this fn.
        unsafe {
            asm!("vpdpbusd {a}, {x}, {y}", a = inout(zmm_reg) *a, x = in(zmm_reg) x, y = in(zmm_reg) y,
                options(nomem, nostack, preserves_flags))
        }
    }
}

peak_probe! {
    /// `vpdpbusd ymm` (EVEX, AVX512-VNNI + VL): 12 accumulators × 32 multiply-adds per iteration.
    fn peak_vpdpbusd_ymm_avx512vnni;
    features = "avx512f,avx512vl,avx512vnni";
    vector = __m256i, load = _mm256_loadu_si256, store = _mm256_storeu_si256;
    macs = 32;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avx512vnni and avx512vl are enabled.
        // Without a {vex} prefix the assembler emits the EVEX form.
        unsafe {
            asm!("vpdpbusd {a}, {x}, {y}", a = inout(ymm_reg) *a, x = in(ymm_reg) x, y = in(ymm_reg) y,
                options(nomem, nostack, preserves_flags))
        }
    }
}

peak_probe! {
    /// `{vex} vpdpbusd ymm` (AVX-VNNI): 12 accumulators × 32 multiply-adds per iteration.
    fn peak_vpdpbusd_ymm_avxvnni;
    features = "avx2,avxvnni";
    vector = __m256i, load = _mm256_loadu_si256, store = _mm256_storeu_si256;
    macs = 32;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avxvnni is enabled on this fn.
        unsafe {
            asm!("{{vex}} vpdpbusd {a}, {x}, {y}", a = inout(ymm_reg) *a, x = in(ymm_reg) x, y = in(ymm_reg) y,
                options(nomem, nostack, preserves_flags))
        }
    }
}
