//! The registry: every op `lowp bench` can run, one file each. To add an op,
//! write `ops/<op>.rs` exporting an `ENTRY: OpEntry` and list it here:
//!
//! ```text
//! pub const ENTRY: OpEntry = OpEntry {
//!     name: "igemm_u8s8s32",            // --op name; JSON op of its cases
//!     about: "u8 x s8 -> s32 GEMM, packed B",
//!     cases,                              // fn(&CaseOpts) -> Vec<Case>
//!     compare,                            // fn(&str) -> Vec<CompareRow>
//! };
//! fn cases(opts: &CaseOpts) -> Vec<Case> {
//!     let shapes = opts.shapes.clone().unwrap_or_else(|| vec![Shape::mnk(128, 4096, 1024)]);
//!     shapes.into_iter().map(|shape| Case {
//!         op: "igemm_u8s8s32".into(), impl_name: "lowp", label: None,
//!         isas: IsaSel::Each, memory_bound: false, is_peak: false,
//!         peak_for: peak_u8s8,            // the % peak column and the plot's peak lines
//!         setup: Box::new(move |ctx| {    // untimed: allocate, fill, pack B
//!             /* build inputs for `shape` on `ctx` */
//!             Ok(Box::new(move || {       // timed: one call
//!                 /* run the op */
//!                 Work { ops: 2.0 * (m * n * k) as f64, bytes: 0.0 }
//!             }))
//!         }),
//!         shape,
//!     }).collect()
//! }
//! ```
//!
//! `compare("chain-vs-vnni")` returns rows such as the op at `Avx512Vnni`
//! (vpdpbusd) and at `Avx512` (chain / exact), which `--compare` prints
//! under the peak rows.

pub mod conv;
pub mod conv_shape;
pub mod data;
pub mod dot;
pub mod gemm_bf16;
pub mod gemm_case;
pub mod igemm;
pub mod igemm_kernels;
pub mod mlp;
pub mod overhead;
pub mod peak;
pub mod quant;
pub mod scan;
pub mod sgemm;

use super::case::OpEntry;

/// Every registered op, in the order `lowp bench` runs them.
pub const OPS: &[&OpEntry] = &[
    &peak::ENTRY,
    &sgemm::ENTRY,
    &gemm_bf16::ENTRY,
    &igemm::ENTRY,
    &igemm_kernels::ENTRY,
    &conv::ENTRY,
    &dot::ENTRY,
    &scan::ENTRY,
    &overhead::ENTRY,
    &mlp::ENTRY,
    &quant::ENTRY,
];
