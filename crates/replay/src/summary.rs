//! [`ReplaySummary`]: what a replay did, and why it stopped early if it did ([`Stopped`]).

use distillguard_pipeline::{Counters, StateSize};
use distillguard_types::reject::RejectCounts;
use serde::Serialize;
use std::path::PathBuf;

/// Why a replay stopped before the end of its inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// The stop flag was raised (SIGINT / SIGTERM in the binary).
    Interrupted,
    /// The share of rejected records passed `input.reject_share_limit` once at least
    /// [`crate::REJECT_SHARE_MIN_RECORDS`] records had been read.
    RejectShare,
}

/// What a replay did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplaySummary {
    /// Lines read (blank ones included).
    pub lines: u64,
    /// Blank lines (skipped, not rejected).
    pub blank: u64,
    /// Bytes read (decompressed).
    pub bytes: u64,
    /// Records that became events and were processed.
    pub events: u64,
    /// Rejects by reason (duplicates included, not written to the reject file).
    #[serde(skip)]
    pub rejects: RejectCounts,
    /// Rejected records (all reasons but duplicates).
    pub rejected: u64,
    /// Verdicts by action: clear, monitor, throttle, suspend.
    pub verdicts: [u64; 4],
    /// Campaign records written.
    pub campaign_records: u64,
    /// Campaigns at the end.
    pub campaigns: usize,
    /// Shards the engine was spread over (`replay.shards`).
    pub shards: usize,
    /// Threads that stepped them.
    pub threads: usize,
    /// Engine counters.
    pub counters: Counters,
    /// What the engine held at the end, by structure.
    pub state: StateSize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Processed events per wall-clock second.
    pub events_per_s: f64,
    /// Set when the run stopped before the end of its inputs; its outputs were then kept
    /// whole-line as `NAME.partial` files ([`ReplaySummary::partial`]).
    pub stopped: Option<Stopped>,
    /// Where a stopped run's outputs are (file outputs only).
    pub partial: Vec<PathBuf>,
}

impl ReplaySummary {
    /// Share of records rejected (duplicates excluded).
    pub fn reject_share(&self) -> f64 {
        share(self.rejected, self.events)
    }
}

/// `rejected / (rejected + accepted)`, 0 when both are 0.
pub(crate) fn share(rejected: u64, accepted: u64) -> f64 {
    let total = accepted + rejected;
    if total == 0 {
        0.0
    } else {
        rejected as f64 / total as f64
    }
}
