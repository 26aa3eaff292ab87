//! `dwconv_f32_3x3_direct_avx512`: FP32 depthwise convolution read in place, a 3x3 kernel, 7 outputs per register block (avx512).

dwconv_f32_direct_kernel!(
    /// FP32 depthwise convolution (multiplier 1) on the NHWC input in place, a 3x3 kernel: see [`crate::dwconv_direct`].
    dwconv_f32_3x3_direct_avx512,
    avx512,
    avx512,
    __m512,
    3,
    3,
    7
);
