//! JSON lines in ARCHITECTURE.md §8's schema: `op, m, n, k, [op-specific fields],
//! threads, isa, impl, seconds, gops`, plus `gbytes_per_s` for memory-bound ops.

use super::Measurement;
use crate::CliResult;
use serde_json::{json, Map, Value};
use std::io::Write;
use std::path::Path;

/// The JSON object of one measurement.
pub fn line(r: &Measurement) -> Value {
    let mut o = Map::new();
    o.insert("op".into(), json!(r.op));
    o.insert("m".into(), json!(r.shape.m));
    o.insert("n".into(), json!(r.shape.n));
    o.insert("k".into(), json!(r.shape.k));
    for (key, v) in &r.shape.extra {
        o.insert((*key).into(), v.clone());
    }
    o.insert("threads".into(), json!(r.threads));
    o.insert("isa".into(), json!(r.isa.name()));
    o.insert("impl".into(), json!(r.impl_name));
    o.insert("seconds".into(), json!(r.seconds));
    o.insert("gops".into(), json!(r.gops));
    if let Some(g) = r.gbytes_per_s {
        o.insert("gbytes_per_s".into(), json!(g));
    }
    Value::Object(o)
}

/// Writes one line per measurement to `path` (`-`: stdout).
pub fn write(path: &Path, results: &[Measurement]) -> CliResult<()> {
    let mut text = String::new();
    for r in results {
        text.push_str(&line(r).to_string());
        text.push('\n');
    }
    if path.as_os_str() == "-" {
        std::io::stdout().write_all(text.as_bytes())?;
    } else {
        std::fs::write(path, text).map_err(|e| format!("--json {}: {e}", path.display()))?;
    }
    Ok(())
}
