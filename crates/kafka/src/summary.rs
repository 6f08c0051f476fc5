//! What a live run did, returned by [`crate::run`] when it stops.

use distillguard_types::reject::RejectCounts;
use serde::Serialize;

/// Counters of one live run (this instance only).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Input records consumed.
    pub records: u64,
    /// Events admitted to an engine.
    pub events: u64,
    /// Rejects by reason (duplicates are counted, not dead-lettered).
    pub rejects: RejectCounts,
    /// Records written to the dead-letter topic.
    pub dead_letters: u64,
    /// Verdicts produced.
    pub verdicts: u64,
    /// Campaign records produced.
    pub campaigns: u64,
    /// Key-stage messages produced (split mode).
    pub observations: u64,
    /// Evidence produced by this instance's key stages (split mode).
    pub evidence: u64,
    /// Internal messages (observations, evidence) consumed (split mode).
    pub internal: u64,
    /// Internal messages that did not decode (skipped and counted).
    pub internal_corrupt: u64,
    /// Checkpoints written (one per partition each time).
    pub checkpoints: u64,
    /// Offset commits (one per checkpoint round).
    pub commits: u64,
    /// Partition assignments restored from a checkpoint.
    pub restored: u64,
    /// Partition assignments started without a checkpoint.
    pub fresh: u64,
    /// Records skipped because a checkpoint already covered them.
    pub skipped: u64,
}
