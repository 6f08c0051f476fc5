//! The tuning report: every grid point's metrics, the frontier, the choice; printed as a
//! table and serialisable to JSON.

use super::grid::{GridSpec, Thresholds};
use super::objective::{Choice, Objective};
use super::sweep::PointMetrics;
use super::vary::Setting;
use crate::error::EvalError;
use crate::table::{num, pct, Table};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};

/// Most frontier rows printed.
const MAX_ROWS: usize = 40;

/// One grid point and what it achieves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TunePoint {
    /// The thresholds.
    pub thresholds: Thresholds,
    /// Whether it meets the benign-harm constraint.
    pub feasible: bool,
    /// What it achieves.
    pub metrics: PointMetrics,
}

/// The result of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TuneReport {
    /// Accounts in the trajectories.
    pub accounts: usize,
    /// Score samples replayed per grid point.
    pub samples: usize,
    /// The grid layout.
    pub grid: GridSpec,
    /// The constraint.
    pub objective: Objective,
    /// Every grid point, in grid order.
    pub points: Vec<TunePoint>,
    /// The chosen point (`None` only for an empty grid).
    pub choice: Option<Choice>,
    /// Indices of the recall / benign-throttle frontier, by increasing benign throttling.
    pub frontier: Vec<usize>,
    /// The varied settings the trajectories were recorded with (empty: the base config).
    pub variant: Vec<Setting>,
    /// Where the plot was written.
    pub plot: Option<PathBuf>,
    /// Where the tuned configuration was written.
    pub config_written: Option<PathBuf>,
}

impl TuneReport {
    /// The chosen point.
    pub fn chosen(&self) -> Option<&TunePoint> {
        self.choice.map(|c| &self.points[c.index])
    }

    /// Serialises the report as pretty JSON.
    pub fn to_json(&self) -> Result<String, EvalError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Writes the report as pretty JSON to `path`.
    pub fn write_json(&self, path: &Path) -> Result<(), EvalError> {
        let mut text = self.to_json()?;
        text.push('\n');
        std::fs::write(path, text).map_err(|e| EvalError::io(path, e))
    }
}

/// Columns of a grid point's row ([`row`]): a mark, then the thresholds and the metrics.
const POINT_COLUMNS: [&str; 11] = [
    "",
    "monitor",
    "throttle",
    "suspend",
    "attack recall",
    "benign mon",
    "benign thr",
    "benign susp",
    "leak",
    "req med",
    "req p90",
];

/// One row per variant (`labels[i]` for `reports[i]`): its chosen point and what it
/// achieves; `best` is marked.
pub fn variants_table(labels: &[String], reports: &[TuneReport], best: Option<usize>) -> String {
    let mut header = vec!["", "variant"];
    header.extend_from_slice(&POINT_COLUMNS[1..]);
    let mut t = Table::new(&header);
    for (i, (label, r)) in labels.iter().zip(reports).enumerate() {
        let mark = if Some(i) == best { "*" } else { "" };
        match r.chosen() {
            Some(p) => {
                let mut cells = row(p, mark);
                cells.insert(1, label.clone());
                t.row(cells);
            }
            None => {
                let mut cells = vec![String::new(); 12];
                cells[0] = mark.to_string();
                cells[1] = label.clone();
                t.row(cells);
            }
        }
    }
    format!("variants: each run once, its best point (* = chosen)\n{t}")
}

fn row(p: &TunePoint, mark: &str) -> Vec<String> {
    let m = &p.metrics;
    vec![
        mark.to_string(),
        format!("{:.3}", p.thresholds.monitor),
        format!("{:.3}", p.thresholds.throttle),
        format!("{:.3}", p.thresholds.suspend),
        format!(
            "{} ({}/{})",
            pct(m.recall, 1),
            m.attack_detected,
            m.attack_accounts
        ),
        pct(m.benign_monitor_rate, 2),
        format!(
            "{} ({})",
            pct(m.benign_throttle_rate, 3),
            m.benign_throttled
        ),
        format!("{} ({})", pct(m.benign_suspend_rate, 3), m.benign_suspended),
        pct(m.leak_share, 2),
        num(m.requests_to_detect.median, 1),
        num(m.requests_to_detect.p90, 1),
    ]
}

impl fmt::Display for TuneReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let feasible = self.points.iter().filter(|p| p.feasible).count();
        writeln!(
            f,
            "tune: {} grid points over {} accounts / {} samples; {} meet the constraint (no benign suspension, no cohort member throttled, benign throttle <= {})",
            self.points.len(),
            self.accounts,
            self.samples,
            feasible,
            pct(Some(self.objective.max_benign_throttle), 3)
        )?;
        writeln!(f, "\nfrontier: recall vs benign throttle rate (* = chosen)")?;
        let mut t = Table::new(&POINT_COLUMNS);
        let chosen = self.choice.map(|c| c.index);
        let rows: Vec<usize> = if self.frontier.len() <= MAX_ROWS {
            self.frontier.clone()
        } else {
            let n = self.frontier.len();
            (0..MAX_ROWS)
                .map(|k| self.frontier[k * (n - 1) / (MAX_ROWS - 1)])
                .collect()
        };
        for &i in &rows {
            t.row(row(
                &self.points[i],
                if Some(i) == chosen { "*" } else { "" },
            ));
        }
        if let Some(c) = chosen.filter(|c| !rows.contains(c)) {
            t.row(row(&self.points[c], "*"));
        }
        write!(f, "{t}")?;
        if rows.len() < self.frontier.len() {
            writeln!(
                f,
                "  ({} of {} frontier points shown)",
                rows.len(),
                self.frontier.len()
            )?;
        }
        match (self.choice, self.chosen()) {
            (Some(c), Some(p)) => {
                let t = p.thresholds;
                writeln!(
                    f,
                    "\nchosen: monitor {:.3} throttle {:.3} suspend {:.3}: recall {}, benign throttle {}, leak {}{}",
                    t.monitor,
                    t.throttle,
                    t.suspend,
                    pct(p.metrics.recall, 2),
                    pct(p.metrics.benign_throttle_rate, 3),
                    pct(p.metrics.leak_share, 2),
                    if c.feasible {
                        ""
                    } else {
                        " (NO point meets the constraint: this is the least harmful one)"
                    }
                )?;
            }
            _ => writeln!(f, "\nno grid point")?,
        }
        if !self.variant.is_empty() {
            let settings: Vec<String> = self
                .variant
                .iter()
                .map(|s| format!("{} = {}", s.key, s.value))
                .collect();
            writeln!(f, "with: {}", settings.join(", "))?;
        }
        if let Some(p) = &self.plot {
            writeln!(f, "plot: {}", p.display())?;
        }
        match &self.config_written {
            Some(p) => writeln!(f, "config: {}", p.display()),
            None => Ok(()),
        }
    }
}
