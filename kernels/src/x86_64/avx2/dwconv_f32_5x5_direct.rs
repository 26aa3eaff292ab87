//! `dwconv_f32_5x5_direct_avx2`: FP32 depthwise convolution read in place, a 5x5 kernel, 4 outputs per register block (avx2).

dwconv_f32_direct_kernel!(
    /// FP32 depthwise convolution (multiplier 1) on the NHWC input in place, a 5x5 kernel: see [`crate::dwconv_direct`].
    dwconv_f32_5x5_direct_avx2,
    avx2,
    avx2,
    __m256,
    5,
    5,
    4
);
