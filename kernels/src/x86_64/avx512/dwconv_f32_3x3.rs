//! `dwconv_f32_3x3_avx512`: FP32 depthwise convolution row, a 3x3 kernel, every tap unrolled (avx512).

dwconv_f32_kernel!(
    /// FP32 depthwise convolution row for a 3x3 kernel, every tap unrolled: see [`crate::dwconv`].
    dwconv_f32_3x3_avx512,
    avx512,
    avx512,
    3,
    3
);
