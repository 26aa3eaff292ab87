//! AVX-512 VNNI kernels (`vpdpbusd` zmm and its AVX-512VL ymm form).

pub mod iconv_u8s8s32_14x32;
pub mod igemm_rows_u8s8s32_14x32;
pub mod igemm_u8s8s32_14x32;
pub mod igemm_u8s8s32_6x32_ymm;
pub use igemm_u8s8s32_14x32::{
    igemm_u8s8s32_14x32_avx512vnni, igemm_u8s8s32_14x32_avx512vnni_f32, igemm_u8s8s32_14x32_avx512vnni_q8,
    igemm_u8s8s32_14x32_avx512vnni_stream,
};
pub use igemm_u8s8s32_6x32_ymm::{
    igemm_u8s8s32_6x32_avx512vnni_ymm, igemm_u8s8s32_6x32_avx512vnni_ymm_f32,
    igemm_u8s8s32_6x32_avx512vnni_ymm_q8,
};

pub mod dot_s8;
pub mod dot_u8;
pub mod dot_u8s8;
pub mod dwconv_u8s8q8_3x3_stack;
pub mod dwconv_u8s8q8_3x3_stack_pair;
pub mod dwconv_u8s8q8_3x3s2_patch;
pub mod dwconv_u8s8q8_3x3s2_patch_c64;
pub mod dwconv_u8s8s32_3x3;
pub mod dwconv_u8s8s32_3x3_stack;
pub mod dwconv_u8s8s32_3x3_stack_prefetchw;
pub mod dwconv_u8s8s32_3x3s2_patch;
pub mod dwconv_u8s8s32_3x3s2_patch_c64;
pub mod dwconv_u8s8s32_5x5;
pub mod dwconv_u8s8s32_rxs;
pub mod gconv_u8s8q8_16ch;
pub mod gconv_u8s8q8_3x3g4;
pub mod gconv_u8s8s32_16ch;
pub mod gconv_u8s8s32_3x3g4;
pub mod scan_s8_ip;
