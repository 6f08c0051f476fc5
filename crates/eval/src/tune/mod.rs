//! `distillguard tune`: sweeps the action thresholds over recorded score trajectories.
//!
//! The engine runs once and records every account's score trajectory
//! ([`Trajectories`]); each grid point is then evaluated by replaying the action ladder
//! over the trajectories ([`sweep`], in parallel). The [`Objective`] picks a point, a
//! plot and a frontier table show the trade-off, and the chosen thresholds can be
//! written into a copy of the configuration. Settings that change the evidence itself are
//! varied with `--vary` ([`variants`]): one engine run and one sweep per variant, and the
//! objective picks the best variant's best point.

mod config;
mod frontier;
mod grid;
mod objective;
mod plot;
mod report;
mod sweep;
#[cfg(test)]
mod tests;
mod trajectories;
mod vary;

pub use config::{check_config, config_text, load_config, rewrite_thresholds};
pub use frontier::frontier;
pub use grid::{GridSpec, Thresholds};
pub use objective::{Choice, Objective};
pub use plot::plot_tradeoff;
pub use report::{variants_table, TunePoint, TuneReport};
pub use sweep::{replay_account, sweep, sweep_with_floor, Bounds, Outcome, PointMetrics};
pub use trajectories::{Sample, ScoreSample, Trajectories, TrajectoryBuilder};
pub use vary::{variants, Setting, Variant, Variation, MAX_VARIANTS};

use crate::action::Action;
use crate::error::EvalError;
use crate::labels::Labels;
use distillguard_types::ladder::LadderState;
use std::path::{Path, PathBuf};

/// Arguments of `distillguard tune`.
#[derive(Debug, Clone, clap::Args)]
pub struct TuneArgs {
    /// Ground-truth labels CSV (`account_id,class,campaign`).
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// Request logs to run the engine over once (files or directories of
    /// .jsonl/.jsonl.gz/.jsonl.zst).
    #[arg(long, value_name = "INPUT", num_args = 1.., required = true)]
    pub logs: Vec<PathBuf>,
    /// Configuration to start from (default: the built-in defaults); its hysteresis is
    /// used in the replay.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Largest acceptable share of benign accounts throttled or suspended.
    #[arg(long, default_value_t = 0.001)]
    pub max_benign_throttle: f64,
    /// Lowest throttle/suspend threshold of the grid.
    #[arg(long, default_value_t = 0.30)]
    pub grid_min: f64,
    /// Highest throttle/suspend threshold of the grid.
    #[arg(long, default_value_t = 0.99)]
    pub grid_max: f64,
    /// Grid spacing.
    #[arg(long, default_value_t = 0.02)]
    pub grid_step: f64,
    /// Distance of the monitor threshold below the throttle threshold.
    #[arg(long, default_value_t = 0.15)]
    pub monitor_gap: f64,
    /// Trade-off plot (SVG).
    #[arg(long, value_name = "FILE", default_value = "tune.svg")]
    pub plot: PathBuf,
    /// Write the configuration with the chosen thresholds here (only when a point meets
    /// the constraint).
    #[arg(long, value_name = "FILE")]
    pub write_config: Option<PathBuf>,
    /// Also write the report (every grid point) as JSON here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Run the engine once per combination of these settings (repeatable; values in TOML
    /// syntax, e.g. `--vary 'extraction.group=[0.2, 0.5]|[0.25, 0.55]'`), sweep each, and
    /// keep the best; at most 32 combinations.
    #[arg(long, value_name = "KEY=V1|V2")]
    pub vary: Vec<Variation>,
}

impl TuneArgs {
    /// The grid layout the arguments ask for.
    pub fn grid_spec(&self) -> GridSpec {
        GridSpec {
            min: self.grid_min,
            max: self.grid_max,
            step: self.grid_step,
            monitor_gap: self.monitor_gap,
        }
    }
}

/// Sweeps the grid over the trajectories and picks a point; no file is touched. Accounts
/// whose scores never reach a point's monitor threshold are not replayed for it.
pub fn tune<S, F>(
    trajectories: &Trajectories,
    labels: &Labels,
    spec: GridSpec,
    objective: Objective,
    step_fn: F,
) -> Result<TuneReport, EvalError>
where
    S: Default,
    F: Fn(&mut S, f64, i64, &Thresholds) -> Option<Action> + Sync,
{
    if !(0.0..=1.0).contains(&objective.max_benign_throttle) {
        return Err(EvalError::Invalid(
            "max benign throttle must be within 0..=1".into(),
        ));
    }
    let grid = spec.build()?;
    let metrics = sweep_with_floor(trajectories, labels, &grid, |t| t.monitor, step_fn);
    let points: Vec<TunePoint> = grid
        .into_iter()
        .zip(metrics)
        .map(|(thresholds, metrics)| TunePoint {
            thresholds,
            feasible: objective.feasible(&metrics),
            metrics,
        })
        .collect();
    let all: Vec<PointMetrics> = points.iter().map(|p| p.metrics.clone()).collect();
    Ok(TuneReport {
        accounts: trajectories.accounts(),
        samples: trajectories.len(),
        grid: spec,
        objective,
        choice: objective.choose(&all),
        frontier: frontier(&all),
        points,
        variant: Vec::new(),
        plot: None,
        config_written: None,
    })
}

/// The report whose chosen point the objective prefers over every other report's (the
/// reports of one `tune` run's variants); `None` when no report has a choice.
pub fn best_variant(objective: Objective, reports: &[TuneReport]) -> Option<usize> {
    let chosen: Vec<(usize, PointMetrics)> = reports
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.chosen().map(|p| (i, p.metrics.clone())))
        .collect();
    let metrics: Vec<PointMetrics> = chosen.iter().map(|(_, m)| m.clone()).collect();
    objective.choose(&metrics).map(|c| chosen[c.index].0)
}

/// Runs `distillguard tune` once the engine has recorded the trajectories (the caller
/// runs the pipeline over `args.logs` with the configuration from [`config_text`]`(args
/// .config)`): replays the ladder of `distillguard_types` with the configuration's
/// hysteresis under every grid point, draws `args.plot`, writes `args.write_config` when a
/// point meets the constraint, and `args.json`.
pub fn run_tune(args: &TuneArgs, trajectories: &Trajectories) -> Result<TuneReport, EvalError> {
    let text = config_text(args.config.as_deref())?;
    let mut report = sweep_config(args, trajectories, &text)?;
    write_outputs(args, &mut report, &text)?;
    Ok(report)
}

/// Sweeps the grid over trajectories the engine recorded with the configuration
/// `config_toml` (whose hysteresis the ladder uses); writes nothing.
pub fn sweep_config(
    args: &TuneArgs,
    trajectories: &Trajectories,
    config_toml: &str,
) -> Result<TuneReport, EvalError> {
    let hysteresis = load_config(config_toml)?.score.hysteresis;
    sweep_with(
        args,
        trajectories,
        config_toml,
        move |s: &mut LadderState, score, ts_ms, t: &Thresholds| {
            s.step(score, ts_ms, t, &hysteresis)
        },
    )
}

/// [`run_tune`] with any ladder: `step_fn(state, score, ts_ms, thresholds)` returns the new
/// action when it changes. `config_toml` is the configuration the tuned one is derived
/// from.
pub fn run_tune_with<S, F>(
    args: &TuneArgs,
    trajectories: &Trajectories,
    config_toml: &str,
    step_fn: F,
) -> Result<TuneReport, EvalError>
where
    S: Default,
    F: Fn(&mut S, f64, i64, &Thresholds) -> Option<Action> + Sync,
{
    let mut report = sweep_with(args, trajectories, config_toml, step_fn)?;
    write_outputs(args, &mut report, config_toml)?;
    Ok(report)
}

fn sweep_with<S, F>(
    args: &TuneArgs,
    trajectories: &Trajectories,
    config_toml: &str,
    step_fn: F,
) -> Result<TuneReport, EvalError>
where
    S: Default,
    F: Fn(&mut S, f64, i64, &Thresholds) -> Option<Action> + Sync,
{
    let labels = Labels::load(&args.labels)?;
    check_config(config_toml)?;
    let objective = Objective {
        max_benign_throttle: args.max_benign_throttle,
    };
    tune(trajectories, &labels, args.grid_spec(), objective, step_fn)
}

/// Draws `args.plot`, writes `args.write_config` (from `config_toml`, the configuration the
/// report's trajectories were recorded with) when the chosen point meets the constraint,
/// and `args.json`.
pub fn write_outputs(
    args: &TuneArgs,
    report: &mut TuneReport,
    config_toml: &str,
) -> Result<(), EvalError> {
    plot_tradeoff(report, &args.plot)?;
    report.plot = Some(args.plot.clone());
    if let (Some(path), Some(choice)) = (&args.write_config, report.choice) {
        if choice.feasible {
            let text = rewrite_thresholds(config_toml, &report.points[choice.index].thresholds)?;
            load_config(&text)?;
            write_file(path, &text)?;
            report.config_written = Some(path.clone());
        }
    }
    if let Some(path) = &args.json {
        report.write_json(path)?;
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> Result<(), EvalError> {
    std::fs::write(path, text).map_err(|e| EvalError::io(path, e))
}
