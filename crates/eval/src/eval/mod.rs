//! `distillguard eval`: scores verdicts against ground-truth labels (and, optionally, the
//! request logs for request counts, time to detect and leaked exchanges).

mod attribution;
mod compute;
mod display;
mod report;
#[cfg(test)]
mod tests;

pub use attribution::{attribute, load_campaigns, read_campaigns, CampaignFinal};
pub use compute::evaluate;
pub use report::{
    ActionCounts, AttackSummary, Attribution, AttributionRow, BenignFpr, CampaignRow, ClassRow,
    CohortGroupRow, CohortSummary, DetectTimes, EvalReport, FprRow, InputSummary, JudgedRecall,
    Leak, UnlabelledSummary,
};

use crate::error::EvalError;
use crate::labels::Labels;
use crate::logs::scan_logs;
use crate::verdicts::VerdictSet;
use std::path::PathBuf;

/// Arguments of `distillguard eval`.
#[derive(Debug, Clone, clap::Args)]
pub struct EvalArgs {
    /// Ground-truth labels CSV (`account_id,class,campaign`).
    #[arg(long, value_name = "FILE")]
    pub labels: PathBuf,
    /// Verdicts JSONL written by the engine.
    #[arg(long, value_name = "FILE")]
    pub verdicts: PathBuf,
    /// Request logs (files or directories of .jsonl/.jsonl.gz/.jsonl.zst); enables
    /// requests-to-detect, hours from first request and leak share.
    #[arg(long, value_name = "INPUT", num_args = 1..)]
    pub logs: Vec<PathBuf>,
    /// Also write the report as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// The engine's campaign records (JSONL, last record per `campaign_id` = final
    /// state); enables attribution: the labels of each record's members.
    #[arg(long, value_name = "FILE")]
    pub campaigns: Option<PathBuf>,
}

/// Runs the evaluation: reads labels, verdicts and (if given) logs, computes the report,
/// and writes it as JSON when `--json` is given. Print the result with `{}`.
pub fn run_eval(args: &EvalArgs) -> Result<EvalReport, EvalError> {
    let labels = Labels::load(&args.labels)?;
    let verdicts = VerdictSet::load(&args.verdicts)?;
    let logs = if args.logs.is_empty() {
        None
    } else {
        Some(scan_logs(&args.logs, &verdicts.action_cutoffs())?)
    };
    let mut report = evaluate(&labels, &verdicts, logs.as_ref());
    if let Some(path) = &args.campaigns {
        let (finals, lines, skipped) = load_campaigns(path)?;
        report.attribution = Some(attribute(&labels, &finals, lines, skipped));
    }
    if let Some(path) = &args.json {
        report.write_json(path)?;
    }
    Ok(report)
}
