//! The packed-GEMM rows of `--compare chain-vs-vnni`: one INT8 problem
//! (default 256×1024×1024, raw s32 output) through every kernel family this
//! CPU has, each forced with [`PackOptions`] at the level that owns it:
//!
//! | op                          | level        | packing                      |
//! |-----------------------------|--------------|------------------------------|
//! | `igemm_kernel_vpdpbusd_zmm` | `avx512vnni` | default                      |
//! | `igemm_kernel_vpdpbusd_ymm` | `avx512vnni` | `KernelPreference::Ymm`      |
//! | `igemm_kernel_chain_zmm`    | `avx512`     | `Saturation::Allow` (chain)  |
//! | `igemm_kernel_exact_zmm`    | `avx512`     | `KernelPreference::ExactS16` |
//! | `igemm_kernel_chain_ymm`    | `avx2`       | `Saturation::Allow` (chain)  |
//! | `igemm_kernel_exact_ymm`    | `avx2`       | `KernelPreference::ExactS16` |
//!
//! Each is compared with its own instruction's peak probe.

use super::data::gemm_shapes;
use super::igemm::{case, Inputs, Pipeline, Spec};
use crate::bench::case::{Case, CaseOpts, CompareRow, IsaSel, OpEntry};
use lowp::igemm::{KernelPreference, PackOptions, Saturation};
use lowp::Isa;
use std::sync::{Arc, OnceLock};

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "igemm_kernels",
    about: "one packed u8s8s32 GEMM through each kernel family: vpdpbusd zmm/ymm, chain zmm/ymm, exact s16 zmm/ymm",
    cases,
    compare,
};

type Peak = fn(Isa) -> Option<&'static str>;

/// (op, level, preference, saturation, peak probe, compare label)
const VARIANTS: &[(&str, Isa, KernelPreference, Saturation, Peak, &str)] = &[
    (
        "igemm_kernel_vpdpbusd_zmm",
        Isa::Avx512Vnni,
        KernelPreference::Auto,
        Saturation::Exact,
        |_| Some("peak_vpdpbusd_zmm"),
        "gemm vpdpbusd zmm",
    ),
    (
        "igemm_kernel_vpdpbusd_ymm",
        Isa::Avx512Vnni,
        KernelPreference::Ymm,
        Saturation::Exact,
        |_| Some("peak_vpdpbusd_ymm"),
        "gemm vpdpbusd ymm",
    ),
    (
        "igemm_kernel_chain_zmm",
        Isa::Avx512,
        KernelPreference::Auto,
        Saturation::Allow,
        |_| Some("peak_chain_u8s8_zmm"),
        "gemm chain zmm",
    ),
    (
        "igemm_kernel_exact_zmm",
        Isa::Avx512,
        KernelPreference::ExactS16,
        Saturation::Exact,
        |_| Some("peak_vpmaddwd_s16_zmm"),
        "gemm exact s16 zmm",
    ),
    (
        "igemm_kernel_chain_ymm",
        Isa::Avx2,
        KernelPreference::Auto,
        Saturation::Allow,
        |_| Some("peak_chain_u8s8_ymm"),
        "gemm chain ymm",
    ),
    (
        "igemm_kernel_exact_ymm",
        Isa::Avx2,
        KernelPreference::ExactS16,
        Saturation::Exact,
        |_| Some("peak_vpmaddwd_s16_ymm"),
        "gemm exact s16 ymm",
    ),
];

fn cases(opts: &CaseOpts) -> Vec<Case> {
    let mut out = Vec::new();
    for shape in gemm_shapes(opts, &[(256, 1024, 1024)]) {
        let inputs: Inputs = Arc::new(OnceLock::new());
        for &(op, isa, preference, saturation, peak_for, _) in VARIANTS {
            if !isa.is_available() {
                continue;
            }
            let spec = Spec {
                op: op.to_string(),
                pipeline: Pipeline::S32,
                isas: IsaSel::Only(isa),
                options: PackOptions {
                    saturation,
                    preference,
                },
                peak_for,
            };
            out.push(case(shape.clone(), spec, inputs.clone()));
        }
    }
    out
}

fn compare(name: &str) -> Vec<CompareRow> {
    match name {
        "chain-vs-vnni" => VARIANTS
            .iter()
            .map(|&(op, isa, _, _, _, label)| CompareRow {
                label: label.to_string(),
                op: op.to_string(),
                isa: Some(isa),
                impl_name: None,
            })
            .collect(),
        _ => Vec::new(),
    }
}
