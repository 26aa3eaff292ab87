//! `--plot FILE.svg`: GOP/s per case (op and shape) for each ISA level and
//! thread count, on a log axis, with each result's matching peak drawn as a
//! thin, light segment in the series' colour (one SVG element per
//! segment, so a full `--quick` plot stays small) (for a memory-bound case: the GOP/s
//! its bytes per op allow at the peak bandwidth). SVG only; text is left to the SVG
//! viewer's fonts (plotters' built-in size estimate, no system fonts read).

use super::Measurement;
use crate::CliResult;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Draws the results into an SVG file.
pub fn draw(path: &Path, results: &[Measurement]) -> CliResult<()> {
    let mut cats: Vec<(String, String)> = Vec::new();
    for r in results {
        let key = (r.op.clone(), r.label.clone());
        if !cats.contains(&key) {
            cats.push(key);
        }
    }
    let width = (160 + 70 * cats.len() as u32).clamp(900, 3000);
    let root = SVGBackend::new(path, (width, 640)).into_drawing_area();
    draw_on(&root, &cats, results).map_err(|e| format!("--plot {}: {e}", path.display()))?;
    root.present()
        .map_err(|e| format!("--plot {}: {e}", path.display()))?;
    Ok(())
}

fn draw_on(
    root: &DrawingArea<SVGBackend<'_>, Shift>,
    cats: &[(String, String)],
    results: &[Measurement],
) -> Result<(), Box<dyn std::error::Error>> {
    root.fill(&WHITE)?;
    let labels: Vec<String> = cats
        .iter()
        .map(|(op, shape)| {
            if results.iter().any(|r| &r.op == op && r.is_peak) {
                op.clone()
            } else {
                format!("{op} {shape}")
            }
        })
        .collect();
    let values = results
        .iter()
        .flat_map(|r| [Some(r.gops), peak_in_gops(r)])
        .flatten();
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let (lo, hi) = if hi > 0.0 {
        (lo / 2.0, hi * 2.0)
    } else {
        (0.1, 10.0)
    };
    let n = cats.len();
    let max_label = labels.iter().map(|l| l.len()).max().unwrap_or(10) as u32;
    let mut chart = ChartBuilder::on(root)
        .caption(
            "lowp bench: GOP/s (thin light lines: matching peak)",
            ("sans-serif", 22),
        )
        .margin(16)
        .x_label_area_size(20 + 7 * max_label)
        .y_label_area_size(70)
        .build_cartesian_2d((0..n.saturating_sub(1)).into_segmented(), (lo..hi).log_scale())?;
    // The mesh centres rotated labels on the tick, so half of each would sit
    // on the plot: the x labels are drawn by hand below the axis instead.
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|_| String::new())
        .y_desc("GOP/s")
        .y_label_formatter(&|v| {
            format!("{v:.3}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        })
        .draw()?;

    let style = TextStyle::from(("sans-serif", 12).into_font())
        .transform(FontTransform::Rotate90)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, label) in labels.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(at(i), lo));
        root.draw(&Text::new(label.clone(), (x, y + 8), style.clone()))?;
    }

    let mut series: Vec<(lowp::Isa, usize)> = results.iter().map(|r| (r.isa, r.threads)).collect();
    series.sort();
    series.dedup();
    let isa_index = |isa: lowp::Isa| lowp::Isa::ALL.iter().position(|i| *i == isa).unwrap_or(0);
    for (isa, threads) in series {
        let color = Palette99::pick(isa_index(isa)).to_rgba();
        let pts: Vec<(usize, &Measurement)> = results
            .iter()
            .filter(|r| r.isa == isa && r.threads == threads)
            .filter_map(|r| {
                cats.iter()
                    .position(|c| c.0 == r.op && c.1 == r.label)
                    .map(|i| (i, r))
            })
            .collect();
        // Lines join consecutive shapes of the same op; markers everywhere.
        for w in pts.windows(2) {
            if w[0].1.op == w[1].1.op && w[1].0 == w[0].0 + 1 {
                let seg = [(at(w[0].0), w[0].1.gops), (at(w[1].0), w[1].1.gops)];
                chart.draw_series(LineSeries::new(seg, color.stroke_width(2)))?;
            }
        }
        let name = format!("{} {}t", isa.name(), threads);
        let one = threads == 1;
        chart
            .draw_series(pts.iter().map(|(i, r)| marker((at(*i), r.gops), one, color)))?
            .label(name)
            .legend(move |(x, y)| marker_px((x + 8, y), one, color));
        for (i, r) in &pts {
            if let Some(p) = peak_in_gops(r) {
                let end = if i + 1 < n {
                    SegmentValue::Exact(i + 1)
                } else {
                    SegmentValue::Last
                };
                let seg = [(SegmentValue::Exact(*i), p), (end, p)];
                chart.draw_series(LineSeries::new(seg, color.mix(0.45).stroke_width(1)))?;
            }
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;
    Ok(())
}

/// The matching peak on the GOP/s axis. A memory-bound case's peak is a
/// bandwidth: drawn as the GOP/s the case would reach at that bandwidth.
fn peak_in_gops(r: &Measurement) -> Option<f64> {
    let (_, p) = r.peak?;
    let v = match r.gbytes_per_s {
        Some(gb) if gb > 0.0 => p * r.gops / gb,
        Some(_) => return None,
        None => p,
    };
    (v.is_finite() && v > 0.0).then_some(v)
}

type Point = (SegmentValue<usize>, f64);

fn at(i: usize) -> SegmentValue<usize> {
    SegmentValue::CenterOf(i)
}

fn marker<DB: DrawingBackend>(
    at: Point,
    one_thread: bool,
    color: RGBAColor,
) -> DynElement<'static, DB, Point> {
    if one_thread {
        Circle::new(at, 5, color.filled()).into_dyn()
    } else {
        TriangleMarker::new(at, 7, color.filled()).into_dyn()
    }
}

fn marker_px<DB: DrawingBackend>(
    at: (i32, i32),
    one_thread: bool,
    color: RGBAColor,
) -> DynElement<'static, DB, (i32, i32)> {
    if one_thread {
        Circle::new(at, 5, color.filled()).into_dyn()
    } else {
        TriangleMarker::new(at, 7, color.filled()).into_dyn()
    }
}
