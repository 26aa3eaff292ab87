//! Peak probe: `vdpbf16ps` (acc.f32 += x.bf16·y.bf16 over pairs), AVX512-BF16.
//! One step = one instruction = 32 (zmm) or 16 (ymm) multiply-adds.

use core::arch::asm;
use core::arch::x86_64::{
    __m256, __m512, _mm256_loadu_ps, _mm256_storeu_ps, _mm512_loadu_ps, _mm512_storeu_ps,
};

peak_probe! {
    /// `vdpbf16ps zmm`: 12 accumulators × 32 bf16 multiply-adds per iteration.
    fn peak_vdpbf16ps_zmm_avx512bf16;
    features = "avx512f,avx512bf16";
    vector = __m512, load = _mm512_loadu_ps, store = _mm512_storeu_ps;
    macs = 32;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avx512bf16 is enabled on this fn.
        unsafe {
            asm!("vdpbf16ps {a}, {x}, {y}", a = inout(zmm_reg) *a, x = in(zmm_reg) x, y = in(zmm_reg) y,
                options(nomem, nostack, preserves_flags))
        }
    }
}

peak_probe! {
    /// `vdpbf16ps ymm` (AVX512-BF16 + VL): 12 accumulators × 16 bf16 multiply-adds per iteration.
    fn peak_vdpbf16ps_ymm_avx512bf16;
    features = "avx512f,avx512vl,avx512bf16";
    vector = __m256, load = _mm256_loadu_ps, store = _mm256_storeu_ps;
    macs = 16;
    step(a, x, y, z) {
        // SAFETY: register-only arithmetic; avx512bf16 and avx512vl are enabled.
        unsafe {
            asm!("vdpbf16ps {a}, {x}, {y}", a = inout(ymm_reg) *a, x = in(ymm_reg) x, y = in(ymm_reg) y,
                options(nomem, nostack, preserves_flags))
        }
    }
}
