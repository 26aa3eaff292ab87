//! The readable table: one line per measurement, with % of the matching peak.

use super::Measurement;
use std::fmt::Write;

/// The table as text (header, a rule, one line per measurement): the
/// median time, the fastest and slowest run, GOP/s of the median.
pub fn render(results: &[Measurement]) -> String {
    let mut rows: Vec<[String; 10]> = vec![[
        "op".into(),
        "shape".into(),
        "isa".into(),
        "thr".into(),
        "impl".into(),
        "time".into(),
        "min..max".into(),
        "GOP/s".into(),
        "GB/s".into(),
        "% peak".into(),
    ]];
    for r in results {
        let pct = match (r.percent_of_peak(), r.peak) {
            (Some(p), Some((name, _))) => format!("{p:.0}% of {name}"),
            _ => "-".into(),
        };
        rows.push([
            r.op.clone(),
            r.label.clone(),
            r.isa.name().into(),
            r.threads.to_string(),
            r.impl_name.into(),
            human_time(r.seconds),
            format!("{}..{}", human_time(r.min_seconds), human_time(r.max_seconds)),
            format!("{:.1}", r.gops),
            r.gbytes_per_s.map_or("-".into(), |g| format!("{g:.1}")),
            pct,
        ]);
    }
    let mut widths = [0usize; 10];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (i, row) in rows.iter().enumerate() {
        let mut line = String::new();
        for (c, (cell, w)) in row.iter().zip(widths).enumerate() {
            // Numbers right-aligned, text left-aligned.
            if (5..9).contains(&c) {
                let _ = write!(line, "{cell:>w$}  ");
            } else {
                let _ = write!(line, "{cell:<w$}  ");
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if i == 0 {
            out.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
            out.push('\n');
        }
    }
    out
}

/// Seconds in s, ms or µs with three significant digits.
pub fn human_time(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else {
        format!("{:.3} µs", s * 1e6)
    }
}
