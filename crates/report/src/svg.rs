//! Small inline SVG charts: stacked bars over time (actions) and step or line series over
//! time with horizontal threshold lines (campaign size, an account's score). Every label is
//! escaped; the output needs no script or stylesheet.

use crate::escape::html;
use distillguard_types::time::format_rfc3339_ms;
use std::fmt::Write;

/// Margins and size of a chart's plotting area.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    /// Whole width (px).
    pub width: f64,
    /// Whole height (px).
    pub height: f64,
}

const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 30.0;

impl Frame {
    fn plot_w(&self) -> f64 {
        self.width - LEFT - RIGHT
    }
    fn plot_h(&self) -> f64 {
        self.height - TOP - BOTTOM
    }
    fn x(&self, t: i64, t0: i64, t1: i64) -> f64 {
        let span = (t1 - t0).max(1) as f64;
        LEFT + (t - t0) as f64 / span * self.plot_w()
    }
    fn y(&self, v: f64, max: f64) -> f64 {
        TOP + self.plot_h() * (1.0 - (v / max).clamp(0.0, 1.0))
    }
}

/// One stacked series of a bar chart.
#[derive(Debug, Clone)]
pub struct BarSeries<'a> {
    /// Legend label.
    pub label: &'a str,
    /// Fill colour (CSS).
    pub color: &'a str,
}

/// A series of points over time.
#[derive(Debug, Clone)]
pub struct LineSeries<'a> {
    /// Legend label.
    pub label: &'a str,
    /// Stroke colour (CSS).
    pub color: &'a str,
    /// (epoch ms, value), in time order.
    pub points: &'a [(i64, f64)],
    /// Hold each value until the next point (a count that changes in steps).
    pub step: bool,
}

/// A horizontal reference line.
#[derive(Debug, Clone)]
pub struct HLine<'a> {
    /// Label written at its right end.
    pub label: &'a str,
    /// Its value.
    pub value: f64,
    /// Stroke colour (CSS).
    pub color: &'a str,
}

/// A short UTC time label (`2026-04-23 04:52`).
pub fn time_label(ms: i64) -> String {
    let s = format_rfc3339_ms(ms);
    s.get(..16).map_or(s.clone(), |d| d.replace('T', " "))
}

fn open(out: &mut String, f: Frame, title: &str) {
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" font-family="sans-serif" font-size="11"><title>{t}</title><rect width="{w}" height="{h}" fill="#fff"/>"##,
        w = f.width,
        h = f.height,
        t = html(title)
    );
}

fn axes(out: &mut String, f: Frame, t0: i64, t1: i64, y_max: f64) {
    let (x0, x1) = (LEFT, f.width - RIGHT);
    let (y0, y1) = (f.height - BOTTOM, TOP);
    let _ = write!(
        out,
        r##"<path d="M{x0} {y1}V{y0}H{x1}" fill="none" stroke="#888"/>"##
    );
    for frac in [0.0, 0.5, 1.0] {
        let v = y_max * frac;
        let y = f.y(v, y_max);
        let _ = write!(
            out,
            r##"<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#eee"/><text x="{tx}" y="{ty}" text-anchor="end">{v}</text>"##,
            tx = x0 - 4.0,
            ty = y + 4.0,
            v = number(v)
        );
    }
    let ty = y0 + 16.0;
    let _ = write!(
        out,
        r#"<text x="{x0}" y="{ty}">{a}</text><text x="{x1}" y="{ty}" text-anchor="end">{b} UTC</text>"#,
        a = html(&time_label(t0)),
        b = html(&time_label(t1))
    );
}

fn legend(out: &mut String, items: &[(&str, &str)]) {
    let mut x = LEFT;
    for (label, color) in items {
        let _ = write!(
            out,
            r#"<rect x="{x}" y="6" width="10" height="10" fill="{c}"/><text x="{tx}" y="15">{l}</text>"#,
            c = html(color),
            tx = x + 14.0,
            l = html(label)
        );
        x += 24.0 + 7.0 * label.chars().count() as f64;
    }
}

/// A number as an axis label: integers plain, fractions with up to 2 decimals.
fn number(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.2}")
    }
}

/// Stacked bars: `counts[bucket][series]`, bucket `i` starting at `start_ms + i × width_ms`.
pub fn stacked_bars(
    f: Frame,
    title: &str,
    series: &[BarSeries],
    start_ms: i64,
    width_ms: i64,
    counts: &[Vec<u64>],
) -> String {
    let mut out = String::new();
    open(&mut out, f, title);
    let t1 = start_ms + width_ms * counts.len().max(1) as i64;
    let max = counts
        .iter()
        .map(|c| c.iter().sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    axes(&mut out, f, start_ms, t1, max);
    for (i, c) in counts.iter().enumerate() {
        let t = start_ms + width_ms * i as i64;
        let (x, x_end) = (f.x(t, start_ms, t1), f.x(t + width_ms, start_ms, t1));
        let w = ((x_end - x) * 0.85).max(1.0);
        let mut below = 0.0;
        for (s, &n) in series.iter().zip(c) {
            if n == 0 {
                continue;
            }
            let (y_top, y_bottom) = (f.y(below + n as f64, max), f.y(below, max));
            let _ = write!(
                out,
                r#"<rect x="{x:.1}" y="{y_top:.1}" width="{w:.1}" height="{h:.1}" fill="{c}"><title>{when}: {n} {l}</title></rect>"#,
                h = y_bottom - y_top,
                c = html(s.color),
                when = html(&time_label(t)),
                l = html(s.label)
            );
            below += n as f64;
        }
    }
    let items: Vec<(&str, &str)> = series.iter().map(|s| (s.label, s.color)).collect();
    legend(&mut out, &items);
    out.push_str("</svg>");
    out
}

/// Series over time on one value axis from 0 to `y_max`, with reference lines.
pub fn lines(f: Frame, title: &str, series: &[LineSeries], hlines: &[HLine], y_max: f64) -> String {
    let mut out = String::new();
    open(&mut out, f, title);
    let times = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (t0, t1) = times.fold((i64::MAX, i64::MIN), |(a, b), t| (a.min(t), b.max(t)));
    let (t0, t1) = if t0 > t1 {
        (0, 1)
    } else {
        (t0, t1.max(t0 + 1))
    };
    let y_max = if y_max > 0.0 { y_max } else { 1.0 };
    axes(&mut out, f, t0, t1, y_max);
    for h in hlines {
        let y = f.y(h.value, y_max);
        let _ = write!(
            out,
            r#"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="{c}" stroke-dasharray="4 3"/><text x="{x1}" y="{ty:.1}" text-anchor="end" fill="{c}">{l} {v}</text>"#,
            x0 = LEFT,
            x1 = f.width - RIGHT,
            ty = y - 3.0,
            c = html(h.color),
            l = html(h.label),
            v = number(h.value)
        );
    }
    for s in series {
        let mut d = String::new();
        let mut prev_y = None;
        for &(t, v) in s.points {
            let (x, y) = (f.x(t, t0, t1), f.y(v, y_max));
            match prev_y {
                None => {
                    let _ = write!(d, "M{x:.1} {y:.1}");
                }
                Some(_) if s.step => {
                    let _ = write!(d, "H{x:.1}V{y:.1}");
                }
                Some(_) => {
                    let _ = write!(d, "L{x:.1} {y:.1}");
                }
            }
            prev_y = Some(y);
        }
        if s.points.len() == 1 {
            let (x, y) = (f.x(s.points[0].0, t0, t1), f.y(s.points[0].1, y_max));
            let _ = write!(
                out,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="3" fill="{c}"/>"#,
                c = html(s.color)
            );
        }
        let _ = write!(
            out,
            r#"<path d="{d}" fill="none" stroke="{c}" stroke-width="1.5"><title>{l}</title></path>"#,
            c = html(s.color),
            l = html(s.label)
        );
    }
    let items: Vec<(&str, &str)> = series.iter().map(|s| (s.label, s.color)).collect();
    legend(&mut out, &items);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: Frame = Frame {
        width: 400.0,
        height: 150.0,
    };

    #[test]
    fn bars_stack_per_bucket_and_escape_labels() {
        let s = [
            BarSeries {
                label: "a<b",
                color: "#111",
            },
            BarSeries {
                label: "c",
                color: "#222",
            },
        ];
        let svg = stacked_bars(F, "t", &s, 0, 60_000, &[vec![1, 2], vec![0, 0], vec![3, 0]]);
        assert_eq!(
            svg.matches("<rect x=").count(),
            3 + 2,
            "3 bar segments, 2 legend boxes"
        );
        assert!(svg.contains("a&lt;b") && !svg.contains("a<b"));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }

    #[test]
    fn lines_draw_steps_and_threshold_lines() {
        let pts = [(0, 1.0), (1000, 3.0), (2000, 2.0)];
        let series = [LineSeries {
            label: "size",
            color: "#333",
            points: &pts,
            step: true,
        }];
        let h = [HLine {
            label: "suspend",
            value: 2.5,
            color: "#c00",
        }];
        let svg = lines(F, "t", &series, &h, 4.0);
        assert!(svg.contains("stroke-dasharray"));
        assert!(svg.contains(">suspend 2.50<"));
        let path = svg.split("<path d=\"M").nth(2).unwrap();
        assert_eq!(path.matches('H').count(), 2, "two steps: {path}");
    }
}
