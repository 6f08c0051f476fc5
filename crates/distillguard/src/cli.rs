//! Command-line arguments.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Catch distillation campaigns in LLM API request logs.
#[derive(Debug, Parser)]
#[command(name = "distillguard", version, about)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Replay captured request logs (JSONL, .gz, .zst or - for stdin) and write verdicts.
    Replay(ReplayArgs),
    /// Check a configuration file; reports every problem at once.
    CheckConfig {
        /// The TOML file.
        file: PathBuf,
    },
    /// Generate synthetic request logs with ground-truth labels.
    Simulate(distillguard_sim::SimulateArgs),
    /// Score verdicts against ground-truth labels.
    Eval(distillguard_eval::EvalArgs),
    /// Run live as a Kafka consumer group (the `[live]` section of the config file).
    Run {
        /// Configuration file with a `[live]` section.
        #[arg(long)]
        config: PathBuf,
    },
    /// Sweep action thresholds over recorded score trajectories and write a tuned config.
    Tune(distillguard_eval::TuneArgs),
    /// Write one self-contained HTML report of verdicts and campaign records.
    Report(ReportArgs),
    /// Replay logs and explain one account: score trajectory per signal, verdicts with their
    /// reasons, the keys and groups it shares.
    Explain(ExplainArgs),
}

/// Arguments of `explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The account to explain.
    #[arg(long)]
    pub account: String,
    /// Configuration file (default: the documented defaults of configs/default.toml).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Also write an SVG plot of the score over time with the action thresholds.
    #[arg(long)]
    pub svg: Option<PathBuf>,
    /// Rows of the trajectory table (sampled evenly; every verdict's row is added).
    #[arg(long, default_value_t = 40)]
    pub rows: usize,
    /// Input files: .jsonl, .jsonl.gz, .jsonl.zst or - (stdin); several are merged in event time.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
}

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Verdicts (JSONL, as `replay --output` writes them).
    #[arg(long)]
    pub verdicts: PathBuf,
    /// Campaign records (JSONL, as `replay --campaigns` writes them).
    #[arg(long)]
    pub campaigns: Option<PathBuf>,
    /// The HTML file to write.
    #[arg(long)]
    pub output: PathBuf,
}

/// Arguments of `replay`.
#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// Configuration file (default: the documented defaults of configs/default.toml).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Verdicts output (JSONL), `-` for stdout.
    #[arg(long, default_value = "-")]
    pub output: PathBuf,
    /// Campaign records output (JSONL).
    #[arg(long)]
    pub campaigns: Option<PathBuf>,
    /// Reject file (JSONL: source, line, reason, raw); created only when something is rejected.
    #[arg(long, default_value = "rejects.jsonl")]
    pub rejects: PathBuf,
    /// Threads stepping the engine's shards (default: the cores available). Verdicts do not
    /// depend on it (`[replay]` in the configuration: shards and step).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Input files: .jsonl, .jsonl.gz, .jsonl.zst or - (stdin); several are merged in event time.
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
}
