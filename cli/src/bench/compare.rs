//! `--compare NAME`: the rows ops contribute (see `OpEntry::compare`), one
//! column per thread count, each value with its ratio to the table's first
//! row that has a result. Today the peak probes give chain-vs-vnni's rows;
//! the INT8 GEMM adds its packed-GEMM rows through its own entry.

use super::case::CompareRow;
use super::Measurement;
use std::fmt::Write;

/// The comparison as text.
pub fn render(name: &str, rows: &[CompareRow], results: &[Measurement]) -> String {
    let mut threads: Vec<usize> = results.iter().map(|r| r.threads).collect();
    threads.sort();
    threads.dedup();
    // (row label + shape, GOP/s per thread count)
    let mut lines: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    for row in rows {
        let hits: Vec<&Measurement> = results
            .iter()
            .filter(|r| r.op == row.op && row.isa.is_none_or(|i| i == r.isa))
            .filter(|r| row.impl_name.is_none_or(|i| i == r.impl_name))
            .collect();
        let mut shapes: Vec<&str> = hits
            .iter()
            .filter(|r| !r.is_peak)
            .map(|r| r.label.as_str())
            .collect();
        shapes.dedup();
        if shapes.is_empty() && !hits.is_empty() {
            shapes.push("");
        }
        for shape in shapes {
            let vals = threads
                .iter()
                .map(|t| {
                    hits.iter()
                        .find(|r| r.threads == *t && (r.is_peak || r.label == shape))
                        .map(|r| r.gops)
                })
                .collect();
            let label = if shape.is_empty() {
                row.label.clone()
            } else {
                format!("{} {shape}", row.label)
            };
            lines.push((label, vals));
        }
    }
    let mut out = format!("\n{name} (GOP/s, and ratio to the first row)\n");
    if lines.is_empty() {
        out.push_str("  (no results: the ops it compares did not run on this CPU)\n");
        return out;
    }
    let w = lines.iter().map(|(l, _)| l.len()).max().unwrap_or(0).max(4);
    let _ = write!(out, "{:<w$}", "");
    for t in &threads {
        let _ = write!(out, "  {:>18}", format!("threads={t}"));
    }
    out.push('\n');
    let base: Vec<Option<f64>> = (0..threads.len())
        .map(|c| lines.iter().find_map(|(_, v)| v[c]))
        .collect();
    for (label, vals) in &lines {
        let _ = write!(out, "{label:<w$}");
        for (v, b) in vals.iter().zip(&base) {
            let cell = match (v, b) {
                (Some(v), Some(b)) => format!("{v:.1} ({:.2}x)", v / b),
                _ => "-".into(),
            };
            let _ = write!(out, "  {cell:>18}");
        }
        out.push('\n');
    }
    out
}
