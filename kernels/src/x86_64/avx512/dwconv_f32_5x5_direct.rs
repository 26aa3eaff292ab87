//! `dwconv_f32_5x5_direct_avx512`: FP32 depthwise convolution read in place, a 5x5 kernel, 7 outputs per register block (avx512).

dwconv_f32_direct_kernel!(
    /// FP32 depthwise convolution (multiplier 1) on the NHWC input in place, a 5x5 kernel: see [`crate::dwconv_direct`].
    dwconv_f32_5x5_direct_avx512,
    avx512,
    avx512,
    __m512,
    5,
    5,
    7
);
