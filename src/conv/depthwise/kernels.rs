//! The depthwise part of the kernel table: the row kernels one ISA level
//! runs, FP32 and INT8, for 3×3, 5×5 and any other kernel size.

use super::int8_patch::DwPatchFns;
use super::int8_stack::DwStackFns;
use crate::Isa;
use lowp_kernels::dwconv::{DwRowF32, DwRowS16};

/// An FP32 row kernel.
pub(crate) type DwF32Fn = unsafe fn(&DwRowF32);
/// An INT8 (i16 pairs → s32) row kernel.
pub(crate) type DwS16Fn = unsafe fn(&DwRowS16);

/// Every depthwise convolution kernel one ISA level uses, and the channel
/// block they work on. Built by the [`crate::Context`]; inspect it with
/// [`crate::Kernels::names`].
#[derive(Clone, Copy, Debug)]
pub struct DwConvKernels {
    /// Channels per block (the level's f32 / i32 vector width).
    pub(crate) lanes: usize,
    /// FP32: 3×3, 5×5, any size.
    f32: [(DwF32Fn, &'static str); 3],
    /// INT8: 3×3, 5×5, any size.
    s16: [(DwS16Fn, &'static str); 3],
    /// INT8 3×3 on stacked rows, where the level has `vpdpbusd`.
    pub(crate) stack: Option<DwStackFns>,
    /// INT8 3×3 stride 2 on 2×2 patches, where the level has `vpdpbusd`.
    pub(crate) patch: Option<DwPatchFns>,
    /// FP32 on the input in place (multiplier 1).
    pub(crate) direct: super::direct::DwDirectKernels,
}

/// `dw!(module::path, fn_name)`: the kernel and its name.
macro_rules! dw {
    ($($m:ident)::+, $f:ident) => {
        (lowp_kernels::$($m::)+$f as _, stringify!($f))
    };
}

impl DwConvKernels {
    /// The table for `isa` (an available level).
    pub(crate) fn select(isa: Isa) -> DwConvKernels {
        #[cfg(target_arch = "x86_64")]
        {
            let f32_512 = [
                dw!(x86_64::avx512::dwconv_f32_3x3, dwconv_f32_3x3_avx512),
                dw!(x86_64::avx512::dwconv_f32_5x5, dwconv_f32_5x5_avx512),
                dw!(x86_64::avx512::dwconv_f32_rxs, dwconv_f32_rxs_avx512),
            ];
            match isa {
                Isa::Avx512Vnni => {
                    return DwConvKernels {
                        direct: super::direct::DwDirectKernels::select(isa),
                        lanes: 16,
                        f32: f32_512,
                        s16: [
                            dw!(
                                x86_64::avx512vnni::dwconv_u8s8s32_3x3,
                                dwconv_u8s8s32_3x3_avx512vnni
                            ),
                            dw!(
                                x86_64::avx512vnni::dwconv_u8s8s32_5x5,
                                dwconv_u8s8s32_5x5_avx512vnni
                            ),
                            dw!(
                                x86_64::avx512vnni::dwconv_u8s8s32_rxs,
                                dwconv_u8s8s32_rxs_avx512vnni
                            ),
                        ],
                        stack: Some(DwStackFns {
                            layout: dw!(x86_64::avx512::dwconv_u8_stack4, dwconv_u8_stack4_avx512),
                            rows: dw!(
                                x86_64::avx512vnni::dwconv_u8s8s32_3x3_stack,
                                dwconv_u8s8s32_3x3_stack_avx512vnni
                            ),
                            rows_prefetch_w: dw!(
                                x86_64::avx512vnni::dwconv_u8s8s32_3x3_stack_prefetchw,
                                dwconv_u8s8s32_3x3_stack_prefetchw_avx512vnni
                            ),
                            rows_q8: dw!(
                                x86_64::avx512vnni::dwconv_u8s8q8_3x3_stack,
                                dwconv_u8s8q8_3x3_stack_avx512vnni
                            ),
                            layout_pair: dw!(
                                x86_64::avx512::dwconv_u8_stack4_pair,
                                dwconv_u8_stack4_pair_avx512
                            ),
                            rows_q8_pair: dw!(
                                x86_64::avx512vnni::dwconv_u8s8q8_3x3_stack_pair,
                                dwconv_u8s8q8_3x3_stack_pair_avx512vnni
                            ),
                        }),
                        patch: Some(DwPatchFns {
                            layout: dw!(x86_64::avx512::dwconv_u8_patch2x2, dwconv_u8_patch2x2_avx512),
                            rows: dw!(
                                x86_64::avx512vnni::dwconv_u8s8s32_3x3s2_patch,
                                dwconv_u8s8s32_3x3s2_patch_avx512vnni
                            ),
                            rows_q8: dw!(
                                x86_64::avx512vnni::dwconv_u8s8q8_3x3s2_patch,
                                dwconv_u8s8q8_3x3s2_patch_avx512vnni
                            ),
                            layout_c64: dw!(
                                x86_64::avx512::dwconv_u8_patch2x2_c64,
                                dwconv_u8_patch2x2_c64_avx512
                            ),
                            rows_c64: dw!(
                                x86_64::avx512vnni::dwconv_u8s8s32_3x3s2_patch_c64,
                                dwconv_u8s8s32_3x3s2_patch_c64_avx512vnni
                            ),
                            rows_q8_c64: dw!(
                                x86_64::avx512vnni::dwconv_u8s8q8_3x3s2_patch_c64,
                                dwconv_u8s8q8_3x3s2_patch_c64_avx512vnni
                            ),
                        }),
                    }
                }
                Isa::Avx512 => {
                    return DwConvKernels {
                        direct: super::direct::DwDirectKernels::select(isa),
                        lanes: 16,
                        f32: f32_512,
                        s16: [
                            dw!(x86_64::avx512::dwconv_u8s8s32_3x3, dwconv_u8s8s32_3x3_avx512),
                            dw!(x86_64::avx512::dwconv_u8s8s32_5x5, dwconv_u8s8s32_5x5_avx512),
                            dw!(x86_64::avx512::dwconv_u8s8s32_rxs, dwconv_u8s8s32_rxs_avx512),
                        ],
                        stack: None,
                        patch: None,
                    }
                }
                Isa::Avx2 | Isa::Avx2Vnni => {
                    return DwConvKernels {
                        direct: super::direct::DwDirectKernels::select(isa),
                        lanes: 8,
                        f32: [
                            dw!(x86_64::avx2::dwconv_f32_3x3, dwconv_f32_3x3_avx2),
                            dw!(x86_64::avx2::dwconv_f32_5x5, dwconv_f32_5x5_avx2),
                            dw!(x86_64::avx2::dwconv_f32_rxs, dwconv_f32_rxs_avx2),
                        ],
                        s16: [
                            dw!(x86_64::avx2::dwconv_u8s8s32_3x3, dwconv_u8s8s32_3x3_avx2),
                            dw!(x86_64::avx2::dwconv_u8s8s32_5x5, dwconv_u8s8s32_5x5_avx2),
                            dw!(x86_64::avx2::dwconv_u8s8s32_rxs, dwconv_u8s8s32_rxs_avx2),
                        ],
                        stack: None,
                        patch: None,
                    }
                }
                Isa::Scalar => {}
            }
        }
        let _ = isa;
        // The portable kernels have no fixed sizes: unrolling buys nothing
        // without vectors.
        let f = dw!(scalar::dwconv_f32_rxs, dwconv_f32_rxs_scalar);
        let s = dw!(scalar::dwconv_u8s8s32_rxs, dwconv_u8s8s32_rxs_scalar);
        DwConvKernels {
            direct: super::direct::DwDirectKernels::select(isa),
            lanes: lowp_kernels::scalar::dwconv_f32_rxs::DW_SCALAR_LANES,
            f32: [f; 3],
            s16: [s; 3],
            stack: None,
            patch: None,
        }
    }

    /// The slot of an `r × s` kernel: 3×3, 5×5, or the general one.
    fn slot(r: usize, s: usize) -> usize {
        match (r, s) {
            (3, 3) => 0,
            (5, 5) => 1,
            _ => 2,
        }
    }

    /// The FP32 kernel for an `r × s` layer.
    pub(crate) fn f32_for(&self, r: usize, s: usize) -> DwF32Fn {
        self.f32[Self::slot(r, s)].0
    }

    /// The INT8 kernel for an `r × s` layer.
    pub(crate) fn s16_for(&self, r: usize, s: usize) -> DwS16Fn {
        self.s16[Self::slot(r, s)].0
    }

    /// `(op, kernel name)` pairs for `lowp info`.
    pub(crate) fn names(&self) -> Vec<(&'static str, &'static str)> {
        let ops = ["dwconv_f32_3x3", "dwconv_f32_5x5", "dwconv_f32"];
        let mut v: Vec<_> = ops.iter().zip(&self.f32).map(|(o, k)| (*o, k.1)).collect();
        let ops = ["dwconv_u8s8s32_3x3", "dwconv_u8s8s32_5x5", "dwconv_u8s8s32"];
        v.extend(ops.iter().zip(&self.s16).map(|(o, k)| (*o, k.1)));
        if let Some(st) = &self.stack {
            v.extend([
                ("dwconv_u8_stack4", st.layout.1),
                ("dwconv_u8s8s32_3x3_stack", st.rows.1),
                ("dwconv_u8s8s32_3x3_stack_prefetchw", st.rows_prefetch_w.1),
                ("dwconv_u8s8q8_3x3_stack", st.rows_q8.1),
                ("dwconv_u8_stack4_pair", st.layout_pair.1),
                ("dwconv_u8s8q8_3x3_stack_pair", st.rows_q8_pair.1),
            ]);
        }
        if let Some(p) = &self.patch {
            v.extend([
                ("dwconv_u8_patch2x2", p.layout.1),
                ("dwconv_u8s8s32_3x3s2_patch", p.rows.1),
                ("dwconv_u8s8q8_3x3s2_patch", p.rows_q8.1),
                ("dwconv_u8_patch2x2_c64", p.layout_c64.1),
                ("dwconv_u8s8s32_3x3s2_patch_c64", p.rows_c64.1),
                ("dwconv_u8s8q8_3x3s2_patch_c64", p.rows_q8_c64.1),
            ]);
        }
        v.extend(self.direct.names());
        v
    }
}
