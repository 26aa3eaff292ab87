//! `dwconv_u8s8s32_rxs_avx2`: INT8 depthwise convolution row (u8/s8 activations widened to i16 pairs, s32 sums), any R×S kernel (the size read from the arguments) (avx2).

dwconv_s16_kernel!(
    /// INT8 depthwise convolution row (u8/s8 activations widened to i16 pairs, s32 sums) for any R×S kernel (the size read from the arguments): see [`crate::dwconv`].
    dwconv_u8s8s32_rxs_avx2,
    avx2,
    avx2,
    0,
    0
);
