//! `dwconv_f32_rxs_avx2`: FP32 depthwise convolution row, any R×S kernel (the size read from the arguments) (avx2).

dwconv_f32_kernel!(
    /// FP32 depthwise convolution row for any R×S kernel (the size read from the arguments): see [`crate::dwconv`].
    dwconv_f32_rxs_avx2,
    avx2,
    avx2,
    0,
    0
);
