//! `--compare NAME`: the rows ops contribute (see `OpEntry::compare`), one
//! block per contributing op, one column per thread count, each value with
//! its ratio to its block's first row that has a result and, where the case
//! has a matching peak, its percentage of that peak. The peak probes give
//! chain-vs-vnni's instruction rows; `igemm_kernels` adds the packed-GEMM
//! rows (vpdpbusd first, so the ratios are the VNNI speed-ups).

use super::case::CompareRow;
use super::Measurement;
use std::fmt::Write;

/// The comparison as text, all rows in one block.
pub fn render(name: &str, rows: &[CompareRow], results: &[Measurement]) -> String {
    render_groups(name, &[rows.to_vec()], results)
}

/// The comparison as text, one block (with its own ratio base) per group.
pub fn render_groups(name: &str, groups: &[Vec<CompareRow>], results: &[Measurement]) -> String {
    let mut threads: Vec<usize> = results.iter().map(|r| r.threads).collect();
    threads.sort();
    threads.dedup();
    // Per group: (row label + shape, (GOP/s, % of peak) per thread count)
    let mut blocks: Vec<Vec<Line>> = Vec::new();
    for rows in groups {
        let lines = group_lines(rows, results, &threads);
        if !lines.is_empty() {
            blocks.push(lines);
        }
    }
    let mut out = format!("\n{name} (GOP/s, ratio to the first row of its block, % of its own peak)\n");
    if blocks.is_empty() {
        out.push_str("  (no results: the ops it compares did not run on this CPU)\n");
        return out;
    }
    let w = blocks
        .iter()
        .flatten()
        .map(|(l, _)| l.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let _ = write!(out, "{:<w$}", "");
    for t in &threads {
        let _ = write!(out, "  {:>24}", format!("threads={t}"));
    }
    out.push('\n');
    for (bi, lines) in blocks.iter().enumerate() {
        if bi > 0 {
            out.push('\n');
        }
        let base: Vec<Option<f64>> = (0..threads.len())
            .map(|c| lines.iter().find_map(|(_, v)| v[c].map(|(g, _)| g)))
            .collect();
        for (label, vals) in lines {
            let _ = write!(out, "{label:<w$}");
            for (v, b) in vals.iter().zip(&base) {
                let cell = match (v, b) {
                    (Some((v, Some(p))), Some(b)) => format!("{v:.1} ({:.2}x) {p:.0}%", v / b),
                    (Some((v, None)), Some(b)) => format!("{v:.1} ({:.2}x)", v / b),
                    _ => "-".into(),
                };
                let _ = write!(out, "  {cell:>24}");
            }
            out.push('\n');
        }
    }
    out
}

type Line = (String, Vec<Option<(f64, Option<f64>)>>);

fn group_lines(rows: &[CompareRow], results: &[Measurement], threads: &[usize]) -> Vec<Line> {
    let mut lines: Vec<Line> = Vec::new();
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
                        .map(|r| (r.gops, r.percent_of_peak()))
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
    lines
}
