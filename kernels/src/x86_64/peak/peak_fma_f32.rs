//! Peak probe: `vfmadd231ps` (acc += x·y, f32), zmm and ymm.
//! One step = one instruction = 16 (zmm) or 8 (ymm) multiply-adds.

peak_asm_probes! {
    asm("vfmadd231ps {a}, {x}, {y}"; x, y;);
    /// `vfmadd231ps zmm`: 12 accumulators × 16 f32 lanes per iteration.
    fn peak_fma_f32_zmm_avx512: zmm ps, features = "avx512f", macs = 16;
    /// `vfmadd231ps ymm` (VEX): 12 accumulators × 8 f32 lanes per iteration.
    fn peak_fma_f32_ymm_avx2: ymm ps, features = "avx2,fma", macs = 8;
}
