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
    /// Bytes of internal messages produced (observation and evidence payloads, split mode).
    pub internal_bytes: u64,
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
    /// Events the restored checkpoints had processed: work carried over, not redone (it was
    /// counted in `events` by the instance that did it).
    pub restored_events: u64,
    /// Partition assignments started without a checkpoint.
    pub fresh: u64,
    /// Records skipped because a checkpoint already covered them.
    pub skipped: u64,
}

impl Summary {
    /// Add another summary's counts (a task's, counted apart while tasks run in parallel).
    pub fn absorb(&mut self, o: &Summary) {
        self.records += o.records;
        self.events += o.events;
        self.rejects.merge(&o.rejects);
        self.dead_letters += o.dead_letters;
        self.verdicts += o.verdicts;
        self.campaigns += o.campaigns;
        self.observations += o.observations;
        self.evidence += o.evidence;
        self.internal += o.internal;
        self.internal_bytes += o.internal_bytes;
        self.internal_corrupt += o.internal_corrupt;
        self.checkpoints += o.checkpoints;
        self.commits += o.commits;
        self.restored += o.restored;
        self.restored_events += o.restored_events;
        self.fresh += o.fresh;
        self.skipped += o.skipped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::RejectReason;

    #[test]
    fn absorb_adds_every_count() {
        let mut one = Summary {
            records: 1,
            evidence: 2,
            internal: 3,
            ..Summary::default()
        };
        one.rejects.add(RejectReason::Late);
        let mut total = one.clone();
        total.absorb(&one);
        assert_eq!(total.records, 2);
        assert_eq!(total.evidence, 4);
        assert_eq!(total.internal, 6);
        assert_eq!(total.rejects.get(RejectReason::Late), 2);
        let zero = Summary::default();
        total.absorb(&zero);
        assert_eq!(total.internal, 6);
    }
}
