//! `dwconv_f32_3x3_avx2`: FP32 depthwise convolution row, a 3x3 kernel, every tap unrolled (avx2).

dwconv_f32_kernel!(
    /// FP32 depthwise convolution row for a 3x3 kernel, every tap unrolled: see [`crate::dwconv`].
    dwconv_f32_3x3_avx2,
    avx2,
    avx2,
    3,
    3
);
