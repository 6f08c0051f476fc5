//! What the engine holds, by structure: counts and estimated bytes, for the run summary and
//! live mode's `/metrics` (the resident size of the whole process is measured by the callers).

use serde::Serialize;

/// One structure: how many entries it holds and their estimated bytes (the state structs and
/// their heap parts; allocator and hash-table slack not included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Footprint {
    /// Entries.
    pub entries: usize,
    /// Estimated bytes.
    pub bytes: usize,
}

/// The engine's state by structure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct StateSize {
    /// Per-account state.
    pub accounts: Footprint,
    /// Correlation keys seen by one account so far (and whole prompts, for `prompt_horizon`).
    pub single_keys: Footprint,
    /// Correlation keys shared by accounts, with their members.
    pub shared_keys: Footprint,
    /// Events waiting for the watermark, and records held ahead of the clock.
    pub reorder_buffer: Footprint,
    /// Campaign and cohort records' members and figures.
    pub campaigns: Footprint,
    /// Request ids remembered for `dedupe_window`.
    pub dedupe: Footprint,
}

impl StateSize {
    /// Every structure with its stable name (summary lines, metric labels).
    pub fn named(&self) -> [(&'static str, Footprint); 6] {
        [
            ("accounts", self.accounts),
            ("single_keys", self.single_keys),
            ("shared_keys", self.shared_keys),
            ("reorder_buffer", self.reorder_buffer),
            ("campaigns", self.campaigns),
            ("dedupe", self.dedupe),
        ]
    }

    /// Add `other`'s structures to these (engines of one run held side by side).
    pub fn add(&mut self, other: &StateSize) {
        for (mine, theirs) in [
            (&mut self.accounts, other.accounts),
            (&mut self.single_keys, other.single_keys),
            (&mut self.shared_keys, other.shared_keys),
            (&mut self.reorder_buffer, other.reorder_buffer),
            (&mut self.campaigns, other.campaigns),
            (&mut self.dedupe, other.dedupe),
        ] {
            mine.entries += theirs.entries;
            mine.bytes += theirs.bytes;
        }
    }

    /// Estimated bytes of all structures.
    pub fn total_bytes(&self) -> usize {
        self.named().iter().map(|(_, h)| h.bytes).sum()
    }
}
