//! `distillguard tune`: sweeps the action thresholds over recorded score trajectories.
//!
//! The engine runs once and records every account's score trajectory
//! ([`Trajectories`]); each grid point is then evaluated by replaying the action ladder
//! over the trajectories ([`sweep`], in parallel). The [`Objective`] picks a point, a
//! plot and a frontier table show the trade-off, and the chosen thresholds can be
//! written into a copy of the configuration.

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

pub use config::{check_config, config_text, load_config, rewrite_thresholds};
pub use frontier::frontier;
pub use grid::{GridSpec, Thresholds};
pub use objective::{Choice, Objective};
pub use plot::plot_tradeoff;
pub use report::{TunePoint, TuneReport};
pub use sweep::{replay_account, sweep, sweep_with_floor, Bounds, Outcome, PointMetrics};
pub use trajectories::{Sample, ScoreSample, Trajectories, TrajectoryBuilder};

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
        plot: None,
        config_written: None,
    })
}

/// Runs `distillguard tune` once the engine has recorded the trajectories (the caller
/// runs the pipeline over `args.logs` with the configuration from [`config_text`]`(args
/// .config)`): replays the ladder of `distillguard_types` with the configuration's
/// hysteresis under every grid point, draws `args.plot`, writes `args.write_config` when a
/// point meets the constraint, and `args.json`.
pub fn run_tune(args: &TuneArgs, trajectories: &Trajectories) -> Result<TuneReport, EvalError> {
    let text = config_text(args.config.as_deref())?;
    let hysteresis = load_config(&text)?.score.hysteresis;
    run_tune_with(
        args,
        trajectories,
        &text,
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
    let labels = Labels::load(&args.labels)?;
    check_config(config_toml)?;
    let objective = Objective {
        max_benign_throttle: args.max_benign_throttle,
    };
    let mut report = tune(trajectories, &labels, args.grid_spec(), objective, step_fn)?;
    plot_tradeoff(&report, &args.plot)?;
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
    Ok(report)
}

fn write_file(path: &Path, text: &str) -> Result<(), EvalError> {
    std::fs::write(path, text).map_err(|e| EvalError::io(path, e))
}
