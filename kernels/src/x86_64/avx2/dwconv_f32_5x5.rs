//! `dwconv_f32_5x5_avx2`: FP32 depthwise convolution row, a 5x5 kernel, every tap unrolled (avx2).

dwconv_f32_kernel!(
    /// FP32 depthwise convolution row for a 5x5 kernel, every tap unrolled: see [`crate::dwconv`].
    dwconv_f32_5x5_avx2,
    avx2,
    avx2,
    5,
    5
);
