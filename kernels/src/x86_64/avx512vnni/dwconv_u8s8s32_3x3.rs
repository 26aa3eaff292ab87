//! `dwconv_u8s8s32_3x3_avx512vnni`: INT8 depthwise convolution row (u8/s8 activations widened to i16 pairs, s32 sums), a 3x3 kernel, every tap unrolled (avx512vnni).

dwconv_s16_kernel!(
    /// INT8 depthwise convolution row (u8/s8 activations widened to i16 pairs, s32 sums) for a 3x3 kernel, every tap unrolled: see [`crate::dwconv`].
    dwconv_u8s8s32_3x3_avx512vnni,
    avx512vnni,
    avx512vnni,
    3,
    3
);
