//! Peak probe: the exact s16 path `vpmaddwd` (s16·s16 pairs → s32, exact)
//! + `vpaddd`. One step = two instructions = 32 (zmm) or 16 (ymm) multiply-adds.

peak_asm_probes! {
    asm("vpmaddwd {t}, {x}, {y}", "vpaddd {a}, {a}, {t}"; x, y; t);
    /// `vpmaddwd` + `vpaddd` on zmm (AVX512-BW): 12 accumulators × 32 multiply-adds per iteration.
    fn peak_vpmaddwd_s16_zmm_avx512: zmm si, features = "avx512f,avx512bw", macs = 32;
    /// `vpmaddwd` + `vpaddd` on ymm (AVX2): 12 accumulators × 16 multiply-adds per iteration.
    fn peak_vpmaddwd_s16_ymm_avx2: ymm si, features = "avx2", macs = 16;
}
