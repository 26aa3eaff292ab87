//! `dot_bf16_avx512`: inner product `Σ a[i]·b[i]`, bf16 (raw bits) elements, AVX-512 F/BW/VL/DQ.

float_reduce_kernel!(
    /// Inner product `Σ a[i]·b[i]` over `n` bf16 (raw bits) elements, accumulated in f32 (AVX-512 F/BW/VL/DQ).
    dot_bf16_avx512,
    "avx,avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq",
    vec_avx512,
    u16,
    load_bf16,
    load_bf16_tail,
    dot
);
