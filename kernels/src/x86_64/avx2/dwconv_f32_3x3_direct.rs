//! `dwconv_f32_3x3_direct_avx2`: FP32 depthwise convolution read in place, a 3x3 kernel, 4 outputs per register block (avx2).

dwconv_f32_direct_kernel!(
    /// FP32 depthwise convolution (multiplier 1) on the NHWC input in place, a 3x3 kernel: see [`crate::dwconv_direct`].
    dwconv_f32_3x3_direct_avx2,
    avx2,
    avx2,
    __m256,
    3,
    3,
    4
);
