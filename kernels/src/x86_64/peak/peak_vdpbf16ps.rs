//! Peak probe: `vdpbf16ps` (acc.f32 += x.bf16·y.bf16 over pairs), AVX512-BF16.
//! One step = one instruction = 32 (zmm) or 16 (ymm) multiply-adds.

peak_asm_probes! {
    asm("vdpbf16ps {a}, {x}, {y}"; x, y;);
    /// `vdpbf16ps zmm`: 12 accumulators × 32 bf16 multiply-adds per iteration.
    fn peak_vdpbf16ps_zmm_avx512bf16: zmm ps, features = "avx512f,avx512bf16", macs = 32;
    /// `vdpbf16ps ymm` (AVX512-BF16 + VL): 12 accumulators × 16 bf16 multiply-adds per iteration.
    fn peak_vdpbf16ps_ymm_avx512bf16: ymm ps, features = "avx512f,avx512vl,avx512bf16", macs = 16;
}
