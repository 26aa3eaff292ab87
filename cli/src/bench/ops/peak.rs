//! The peak probes as benchmark cases (`--op peak`, or one probe by name).
//!
//! JSON shape of a probe: compute probes `m = 1, n = 1, k` = multiply-adds
//! per thread per run; memory probes `m = 1, n` = bytes per run (all
//! threads), `k = 1`. `impl` is `probe`.

use crate::bench::case::{no_peak, Case, CaseOpts, CompareRow, IsaSel, OpEntry, Shape};
use lowp::peak::{available_probes, Probe};
use lowp::Isa;

/// The registry entry.
pub const ENTRY: OpEntry = OpEntry {
    name: "peak",
    about: "peak probes: FMA, vpdpbusd, u8s8 chain, s16 madd, bf16 GOP/s; read and triad GB/s",
    cases,
    compare,
};

fn cases(opts: &CaseOpts) -> Vec<Case> {
    available_probes().into_iter().map(|p| case(p, opts)).collect()
}

fn case(p: &'static Probe, opts: &CaseOpts) -> Case {
    let cfg = opts.peak;
    let shape = if p.is_memory() {
        Shape::mnk(1, cfg.memory_bytes, 1)
    } else {
        Shape::mnk(1, 1, cfg.compute_macs as usize)
    };
    Case {
        op: p.name().to_string(),
        impl_name: "probe",
        shape,
        label: Some(p.about().to_string()),
        isas: if p.is_memory() {
            IsaSel::Once(p.isa())
        } else {
            IsaSel::Only(p.isa())
        },
        memory_bound: p.is_memory(),
        is_peak: true,
        peak_for: no_peak,
        setup: Box::new(move |ctx| {
            let prepared = p.prepare(ctx, &cfg)?;
            Ok(Box::new(move || prepared.run()))
        }),
    }
}

fn compare(name: &str) -> Vec<CompareRow> {
    let row = |label: &str, op: &str| CompareRow {
        label: label.to_string(),
        op: op.to_string(),
        isa: None::<Isa>,
        impl_name: None,
    };
    match name {
        "chain-vs-vnni" => vec![
            row("peak vpdpbusd zmm", "peak_vpdpbusd_zmm"),
            row("peak chain u8s8 zmm", "peak_chain_u8s8_zmm"),
            row("peak exact s16 zmm", "peak_vpmaddwd_s16_zmm"),
            row("peak vpdpbusd ymm (VEX)", "peak_vpdpbusd_ymm_vex"),
            row("peak vpdpbusd ymm (EVEX)", "peak_vpdpbusd_ymm"),
            row("peak chain u8s8 ymm", "peak_chain_u8s8_ymm"),
            row("peak exact s16 ymm", "peak_vpmaddwd_s16_ymm"),
        ],
        _ => Vec::new(),
    }
}
