//! `dwconv_f32_rxs_avx512`: FP32 depthwise convolution row, any R×S kernel (the size read from the arguments) (avx512).

dwconv_f32_kernel!(
    /// FP32 depthwise convolution row for any R×S kernel (the size read from the arguments): see [`crate::dwconv`].
    dwconv_f32_rxs_avx512,
    avx512,
    avx512,
    0,
    0
);
