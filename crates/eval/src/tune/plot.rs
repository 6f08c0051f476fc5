//! The trade-off plot (SVG): attack recall against benign throttle rate, and leak share
//! against the throttle threshold.

use super::report::TuneReport;
use crate::error::EvalError;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Draws the report's trade-off plot to `path`.
pub fn plot_tradeoff(report: &TuneReport, path: &Path) -> Result<(), EvalError> {
    draw(report, path).map_err(|message| EvalError::Plot {
        path: path.to_path_buf(),
        message,
    })
}

fn draw(report: &TuneReport, path: &Path) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let root = SVGBackend::new(path, (1280, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (left, right) = root.split_horizontally(640);
    let pts = &report.points;
    let limit = report.objective.max_benign_throttle;
    let chosen = report.choice.map(|c| &pts[c.index]);
    let fpr = |p: &super::report::TunePoint| p.metrics.benign_throttle_rate.unwrap_or(0.0);
    let recall = |p: &super::report::TunePoint| p.metrics.recall.unwrap_or(0.0);
    let leak = |p: &super::report::TunePoint| p.metrics.leak_share.unwrap_or(0.0);

    // Left: recall vs benign throttle rate.
    // Zoom on the region that matters: at most 20 times the constraint (or 5%).
    let x_max = pts
        .iter()
        .map(fpr)
        .fold(limit * 2.0, f64::max)
        .min((limit * 20.0).max(0.05))
        .max(1e-4)
        * 1.05;
    let shown = |p: &&super::report::TunePoint| fpr(p) <= x_max;
    let mut chart = ChartBuilder::on(&left)
        .caption("attack recall vs benign throttle rate", ("sans-serif", 18))
        .margin(14)
        .x_label_area_size(42)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..x_max, 0f64..1.02)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc(format!(
            "benign accounts throttled or suspended (up to {:.1}%)",
            x_max * 100.0
        ))
        .y_desc("attack recall")
        .x_label_formatter(&|v| format!("{:.2}%", v * 100.0))
        .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .draw()
        .map_err(|e| err(&e))?;
    let grey = RGBColor(150, 150, 150);
    chart
        .draw_series(pts.iter().filter(shown).map(|p| {
            let style = if p.feasible {
                BLUE.mix(0.45).filled()
            } else {
                grey.mix(0.5).filled()
            };
            Circle::new((fpr(p), recall(p)), 2, style)
        }))
        .map_err(|e| err(&e))?
        .label("grid point (blue: meets constraint)")
        .legend(|(x, y)| Circle::new((x, y), 3, BLUE.filled()));
    chart
        .draw_series(LineSeries::new(
            report
                .frontier
                .iter()
                .map(|&i| &pts[i])
                .filter(shown)
                .map(|p| (fpr(p), recall(p))),
            BLACK.stroke_width(2),
        ))
        .map_err(|e| err(&e))?
        .label("frontier")
        .legend(|(x, y)| PathElement::new(vec![(x - 8, y), (x + 8, y)], BLACK));
    chart
        .draw_series(LineSeries::new(
            [(limit, 0.0), (limit, 1.02)],
            RED.mix(0.5).stroke_width(1),
        ))
        .map_err(|e| err(&e))?
        .label(format!("max benign throttle {:.2}%", limit * 100.0))
        .legend(|(x, y)| PathElement::new(vec![(x - 8, y), (x + 8, y)], RED.mix(0.5)));
    if let Some(c) = chosen {
        chart
            .draw_series([Circle::new((fpr(c), recall(c)), 6, RED.filled())])
            .map_err(|e| err(&e))?
            .label("chosen")
            .legend(|(x, y)| Circle::new((x, y), 4, RED.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;

    // Right: leak share (and best recall) vs throttle threshold.
    let mut best: BTreeMap<u64, (f64, f64)> = BTreeMap::new();
    for p in pts.iter().filter(|p| p.feasible) {
        let key = (p.thresholds.throttle * 1e4).round() as u64;
        let e = best.entry(key).or_insert((f64::INFINITY, 0.0));
        e.0 = e.0.min(leak(p));
        e.1 = e.1.max(recall(p));
    }
    let (t_min, t_max) = pts.iter().fold((1.0f64, 0.0f64), |(lo, hi), p| {
        (lo.min(p.thresholds.throttle), hi.max(p.thresholds.throttle))
    });
    let (t_min, t_max) = if t_min < t_max {
        (t_min - 0.01, t_max + 0.01)
    } else {
        (0.0, 1.0)
    };
    let mut chart = ChartBuilder::on(&right)
        .caption("leak share vs throttle threshold", ("sans-serif", 18))
        .margin(14)
        .x_label_area_size(42)
        .y_label_area_size(56)
        .build_cartesian_2d(t_min..t_max, 0f64..1.02)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("throttle threshold")
        .y_desc("share")
        .y_label_formatter(&|v| format!("{:.0}%", v * 100.0))
        .draw()
        .map_err(|e| err(&e))?;
    chart
        .draw_series(
            pts.iter()
                .map(|p| Circle::new((p.thresholds.throttle, leak(p)), 2, grey.mix(0.4).filled())),
        )
        .map_err(|e| err(&e))?
        .label("leak share, every grid point")
        .legend(|(x, y)| Circle::new((x, y), 3, grey.filled()));
    let line = |f: fn(&(f64, f64)) -> f64| -> Vec<(f64, f64)> {
        best.iter().map(|(k, v)| (*k as f64 / 1e4, f(v))).collect()
    };
    chart
        .draw_series(LineSeries::new(line(|v| v.0), BLUE.stroke_width(2)))
        .map_err(|e| err(&e))?
        .label("least leak meeting the constraint")
        .legend(|(x, y)| PathElement::new(vec![(x - 8, y), (x + 8, y)], BLUE));
    chart
        .draw_series(LineSeries::new(line(|v| v.1), GREEN.stroke_width(2)))
        .map_err(|e| err(&e))?
        .label("best recall meeting the constraint")
        .legend(|(x, y)| PathElement::new(vec![(x - 8, y), (x + 8, y)], GREEN));
    if let Some(c) = chosen {
        chart
            .draw_series([Circle::new(
                (c.thresholds.throttle, leak(c)),
                6,
                RED.filled(),
            )])
            .map_err(|e| err(&e))?
            .label("chosen")
            .legend(|(x, y)| Circle::new((x, y), 4, RED.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}
