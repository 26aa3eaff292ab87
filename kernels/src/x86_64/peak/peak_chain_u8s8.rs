//! Peak probe: the pre-VNNI u8×s8 chain `vpmaddubsw` (u8·s8 pairs → s16,
//! saturating) + `vpmaddwd` with `z` (ones: s16 pairs → s32) + `vpaddd`.
//! One step = three instructions = 64 (zmm) or 32 (ymm) multiply-adds.

peak_asm_probes! {
    asm("vpmaddubsw {t}, {x}, {y}", "vpmaddwd {t}, {t}, {z}", "vpaddd {a}, {a}, {t}"; x, y, z; t);
    /// The chain on zmm (AVX512-BW): 12 accumulators × 64 multiply-adds per iteration.
    fn peak_chain_u8s8_zmm_avx512: zmm si, features = "avx512f,avx512bw", macs = 64;
    /// The chain on ymm (AVX2): 12 accumulators × 32 multiply-adds per iteration.
    fn peak_chain_u8s8_ymm_avx2: ymm si, features = "avx2", macs = 32;
}
