//! The INT8 GEMM `C = pipeline(A·B)`, u8 activations × s8 weights prepacked
//! once in the untimed set-up ([`PackedI8Weights`]), one op per output
//! pipeline: `igemm_u8s8s32` (raw s32), `igemm_u8s8s32_f32` (dequantize to
//! f32), `igemm_u8s8u8` (requantize to u8 with ReLU) and
//! `igemm_u8s8u8_fixed` (the same with the fixed-point output stage).
//!
//! The weights span [-127, 127], so on levels without VNNI the default
//! (exact) packing runs the exact s16 path wherever the `vpmaddubsw` chain
//! could saturate; `--compare chain-vs-vnni` times each kernel family.

use super::data::{checked_runner, gemm_shapes, s8s, u8s, GEMM_SHAPES_FROM_256};
use crate::bench::case::{peak_u8s8, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use lowp::igemm::{
    igemm, Dequantize, Output, PackOptions, PackedI8Weights, Requantize, Scale, WeightZeroPoint,
};
use lowp::peak::Work;
use lowp::quant::{quantize_multiplier, FixedPointRequantize};
use lowp::{AlignedBuffer, Isa, MatMut, MatRef};
use std::sync::{Arc, OnceLock};

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "igemm",
    about: "u8 x s8 GEMM, prepacked weights: igemm_u8s8s32 (s32), igemm_u8s8s32_f32 (dequantize), igemm_u8s8u8 (requantize + ReLU), igemm_u8s8u8_fixed (fixed-point requantize + ReLU)",
    cases,
    compare: |_| Vec::<CompareRow>::new(),
};

/// What the GEMM writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pipeline {
    /// Raw s32.
    S32,
    /// Dequantized f32 (per-tensor scale).
    F32,
    /// Requantized u8, ReLU.
    U8Relu,
    /// Requantized u8, ReLU, fixed-point multiplier (Q31 + shift).
    U8ReluFixed,
}

impl Pipeline {
    /// The op name of this pipeline.
    pub fn op(self) -> &'static str {
        match self {
            Pipeline::S32 => "igemm_u8s8s32",
            Pipeline::F32 => "igemm_u8s8s32_f32",
            Pipeline::U8Relu => "igemm_u8s8u8",
            Pipeline::U8ReluFixed => "igemm_u8s8u8_fixed",
        }
    }
}

/// A (u8, s8) input pair, made once per shape and shared by every context.
pub type Inputs = Arc<OnceLock<(Arc<AlignedBuffer<u8>>, Arc<Vec<i8>>)>>;

fn cases(opts: &CaseOpts) -> Vec<Case> {
    let mut out = Vec::new();
    for pipeline in [
        Pipeline::S32,
        Pipeline::F32,
        Pipeline::U8Relu,
        Pipeline::U8ReluFixed,
    ] {
        for shape in gemm_shapes(opts, GEMM_SHAPES_FROM_256) {
            let spec = Spec {
                op: pipeline.op().to_string(),
                pipeline,
                isas: IsaSel::Each,
                options: PackOptions::default(),
                peak_for: peak_u8s8,
            };
            out.push(case(shape, spec, Arc::new(OnceLock::new())));
        }
    }
    out
}

/// How one INT8 GEMM case runs.
pub struct Spec {
    /// JSON op.
    pub op: String,
    /// The output pipeline.
    pub pipeline: Pipeline,
    /// Levels it runs at.
    pub isas: IsaSel,
    /// Packing options (kernel family, saturation).
    pub options: PackOptions,
    /// Its peak probe.
    pub peak_for: fn(Isa) -> Option<&'static str>,
}

/// The case for `shape` (also used by the kernel-family comparison).
pub fn case(shape: Shape, spec: Spec, inputs: Inputs) -> Case {
    let (m, n, k) = (shape.m, shape.n, shape.k);
    let Spec {
        op,
        pipeline,
        isas,
        options,
        peak_for,
    } = spec;
    Case {
        op,
        impl_name: "lowp",
        shape,
        label: None,
        isas,
        memory_bound: false,
        is_peak: false,
        peak_for,
        setup: Box::new(move |ctx| {
            let (a, b) = inputs.get_or_init(|| {
                (
                    Arc::new(AlignedBuffer::from_slice(&u8s(m * k, 3))),
                    Arc::new(s8s(k * n, 4)),
                )
            });
            let a = a.clone();
            let packed = PackedI8Weights::pack(
                ctx,
                MatRef::row_major(b.as_slice(), k, n)?,
                WeightZeroPoint::PerTensor(0),
                options,
            )?;
            let ctx = ctx.clone();
            let len = |p: Pipeline| if pipeline == p { m * n } else { 0 };
            let mut c32 = AlignedBuffer::<i32>::zeroed(len(Pipeline::S32));
            let mut cf = AlignedBuffer::<f32>::zeroed(len(Pipeline::F32));
            let mut cu = AlignedBuffer::<u8>::zeroed(len(Pipeline::U8Relu).max(len(Pipeline::U8ReluFixed)));
            let (q31, shift) = quantize_multiplier(1.0 / 65536.0)?;
            let call = move || -> lowp::Result<()> {
                let out = match pipeline {
                    Pipeline::S32 => Output::S32 {
                        c: MatMut::row_major(&mut c32, m, n)?,
                        accumulate: false,
                    },
                    Pipeline::F32 => Output::F32 {
                        c: MatMut::row_major(&mut cf, m, n)?,
                        dequantize: Dequantize::new(Scale::PerTensor(1.0 / 4096.0)),
                    },
                    Pipeline::U8Relu => Output::U8 {
                        c: MatMut::row_major(&mut cu, m, n)?,
                        requantize: Requantize {
                            relu: true,
                            ..Requantize::new(Scale::PerTensor(1.0 / 65536.0), 128)
                        },
                    },
                    Pipeline::U8ReluFixed => Output::U8Fixed {
                        c: MatMut::row_major(&mut cu, m, n)?,
                        requantize: FixedPointRequantize {
                            relu: true,
                            ..FixedPointRequantize::new(q31, shift, 128)
                        },
                    },
                };
                igemm(&ctx, MatRef::row_major(&a, m, k)?, 128, &packed, out)
            };
            let work = Work {
                ops: 2.0 * (m * n * k) as f64,
                bytes: 0.0,
            };
            checked_runner(work, call)
        }),
    }
}
