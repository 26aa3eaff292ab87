//! `dwconv_f32_3x3s1_2rows_avx512`: FP32 depthwise convolution read in place, a 3x3 kernel at stride 1, two output rows of 7 outputs per register block (avx512).

dwconv_f32_direct_2rows_kernel!(
    /// FP32 depthwise convolution (multiplier 1) on the NHWC input in place, a 3x3 kernel at stride 1, two output rows at once: see [`crate::dwconv_direct`].
    dwconv_f32_3x3s1_2rows_avx512,
    avx512,
    avx512,
    __m512,
    3,
    3,
    7,
    1,
    1,
    false
);
