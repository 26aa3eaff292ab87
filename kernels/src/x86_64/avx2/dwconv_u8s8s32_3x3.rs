//! `dwconv_u8s8s32_3x3_avx2`: INT8 depthwise convolution row (u8/s8 activations widened to i16 pairs, s32 sums), a 3x3 kernel, every tap unrolled (avx2).

dwconv_s16_kernel!(
    /// INT8 depthwise convolution row (u8/s8 activations widened to i16 pairs, s32 sums) for a 3x3 kernel, every tap unrolled: see [`crate::dwconv`].
    dwconv_u8s8s32_3x3_avx2,
    avx2,
    avx2,
    3,
    3
);
