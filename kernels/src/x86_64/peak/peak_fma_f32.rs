//! Peak probe: `vfmadd231ps` (acc += x·y, f32), zmm and ymm.
//! One step = one instruction = 16 (zmm) or 8 (ymm) multiply-adds.

use core::arch::asm;
use core::arch::x86_64::{
    __m256, __m512, _mm256_loadu_ps, _mm256_storeu_ps, _mm512_loadu_ps, _mm512_storeu_ps,
};

peak_probe! {
    /// `vfmadd231ps zmm`: 12 accumulators × 16 f32 lanes per iteration.
    fn peak_fma_f32_zmm_avx512;
    features = "avx512f";
    vector = __m512, load = _mm512_loadu_ps, store = _mm512_storeu_ps;
    macs = 16;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avx512f is enabled on this fn.
        unsafe {
            asm!("vfmadd231ps {a}, {x}, {y}", a = inout(zmm_reg) *a, x = in(zmm_reg) x, y = in(zmm_reg) y,
                options(nomem, nostack, preserves_flags))
        }
    }
}

peak_probe! {
    /// `vfmadd231ps ymm` (VEX): 12 accumulators × 8 f32 lanes per iteration.
    fn peak_fma_f32_ymm_avx2;
    features = "avx2,fma";
    vector = __m256, load = _mm256_loadu_ps, store = _mm256_storeu_ps;
    macs = 8;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avx and fma are enabled on this fn.
        unsafe {
            asm!("vfmadd231ps {a}, {x}, {y}", a = inout(ymm_reg) *a, x = in(ymm_reg) x, y = in(ymm_reg) y,
                options(nomem, nostack, preserves_flags))
        }
    }
}
