//! `dwconv_u8s8s32_3x3_avx512`: INT8 depthwise convolution row (u8/s8 activations widened to i16 pairs, s32 sums), a 3x3 kernel, every tap unrolled (avx512).

dwconv_s16_kernel!(
    /// INT8 depthwise convolution row (u8/s8 activations widened to i16 pairs, s32 sums) for a 3x3 kernel, every tap unrolled: see [`crate::dwconv`].
    dwconv_u8s8s32_3x3_avx512,
    avx512,
    avx512,
    3,
    3
);
