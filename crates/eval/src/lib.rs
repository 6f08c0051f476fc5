//! Evaluation and threshold tuning for distillguard.
//!
//! * [`eval`]: `distillguard eval` scores an engine run's verdicts against the
//!   simulator's ground-truth labels (recall, precision, benign false-positive rates, time
//!   to detect, leaked exchanges, per campaign).
//! * [`tune`]: `distillguard tune` replays recorded score trajectories under a grid of
//!   action thresholds, picks the best point under a benign-harm constraint, plots the
//!   trade-off and writes the chosen thresholds into a configuration file.
//!
//! Wiring in the binary:
//!
//! ```ignore
//! // distillguard eval ...
//! let report = distillguard_eval::run_eval(&eval_args)?; // writes --json itself
//! println!("{report}");
//!
//! // distillguard tune ...: run the engine once over tune_args.logs, recording samples
//! let config_text = distillguard_eval::tune::config_text(tune_args.config.as_deref())?;
//! let mut builder = distillguard_eval::TrajectoryBuilder::new();
//! // for every scored request: builder.push(ScoreSample { account, ts_ms, n_request, score, bound });
//! let trajectories = builder.finish();
//! let report = distillguard_eval::run_tune(&tune_args, &trajectories)?; // plot, config, json
//! println!("{report}");
//! ```

pub mod action;
pub mod error;
pub mod eval;
pub mod labels;
pub mod logs;
pub mod stats;
pub mod table;
pub mod timestamp;
pub mod tune;
pub mod verdicts;

pub use action::{Action, Level};
pub use error::EvalError;
pub use eval::{evaluate, run_eval, EvalArgs, EvalReport};
pub use labels::{Class, Label, Labels};
pub use logs::{scan_logs, LogScan};
pub use tune::{
    run_tune, run_tune_with, sweep, tune, Objective, PointMetrics, ScoreSample, Thresholds,
    Trajectories, TrajectoryBuilder, TuneArgs, TuneReport,
};
pub use verdicts::VerdictSet;
