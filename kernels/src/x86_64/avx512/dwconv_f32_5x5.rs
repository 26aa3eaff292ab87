//! `dwconv_f32_5x5_avx512`: FP32 depthwise convolution row, a 5x5 kernel, every tap unrolled (avx512).

dwconv_f32_kernel!(
    /// FP32 depthwise convolution row for a 5x5 kernel, every tap unrolled: see [`crate::dwconv`].
    dwconv_f32_5x5_avx512,
    avx512,
    avx512,
    5,
    5
);
