//! Peak probe: `vpdpbusd` (acc.s32 += Σ₄ x.u8·y.s8): EVEX zmm and ymm
//! (AVX512-VNNI) and VEX ymm (AVX-VNNI). One step = one instruction =
//! 64 (zmm) or 32 (ymm) multiply-adds.

// Without a {vex} prefix the assembler emits the EVEX form.
peak_asm_probes! {
    asm("vpdpbusd {a}, {x}, {y}"; x, y;);
    /// `vpdpbusd zmm` (EVEX): 12 accumulators × 64 u8·s8 multiply-adds per iteration.
    fn peak_vpdpbusd_zmm_avx512vnni: zmm si, features = "avx512f,avx512vnni", macs = 64;
    /// `vpdpbusd ymm` (EVEX, AVX512-VNNI + VL): 12 accumulators × 32 multiply-adds per iteration.
    fn peak_vpdpbusd_ymm_avx512vnni: ymm si, features = "avx512f,avx512vl,avx512vnni", macs = 32;
}

peak_asm_probes! {
    asm("{{vex}} vpdpbusd {a}, {x}, {y}"; x, y;);
    /// `{vex} vpdpbusd ymm` (AVX-VNNI): 12 accumulators × 32 multiply-adds per iteration.
    fn peak_vpdpbusd_ymm_avxvnni: ymm si, features = "avx2,avxvnni", macs = 32;
}
