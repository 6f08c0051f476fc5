//! Input partitions nobody consumes: lag whose committed offset does not move.
//!
//! A broker can keep a member that died in the group (tansu 0.6 kept one that a restarted
//! instance's join overtook): its partitions stay assigned to it and nobody reads them, while
//! every live instance owns something and looks healthy. Every instance therefore also watches
//! the partitions it does not own: one with lag whose committed offset has not moved for
//! `live.unowned_timeout` is stalled: the instance logs them once per change and sets
//! `distillguard_live_stalled_partitions` (readiness is left alone: the instance itself is
//! fine). A partition its owner keeps paused far ahead of the others through a long backlog
//! looks the same for a while, hence the alert's own delay.

use crate::error::KafkaError;
use rdkafka::consumer::Consumer;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How often the group's offsets are read at most (less when `unowned_timeout` is shorter).
pub const STALL_CHECK_EVERY: Duration = Duration::from_secs(30);

/// One input partition as the group sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionProgress {
    /// The partition.
    pub partition: i32,
    /// The group's committed offset (the partition's start when none).
    pub committed: i64,
    /// The partition's end.
    pub high: i64,
}

/// Each watched partition's committed offset and since when it has not moved.
#[derive(Debug, Default)]
pub struct StallWatch {
    seen: BTreeMap<i32, (i64, Instant)>,
    last_check: Option<Instant>,
    /// The stalled partitions last reported (empty: none).
    pub stalled: Vec<i32>,
}

impl StallWatch {
    /// Whether the group's offsets should be read now.
    pub fn due(&self, now: Instant, timeout: Duration) -> bool {
        let every = STALL_CHECK_EVERY.min(timeout);
        self.last_check
            .is_none_or(|t| now.saturating_duration_since(t) >= every)
    }

    /// Take a reading at `now`; `owned` tells the partitions this instance owns (their progress
    /// is its own business). Returns the stalled partitions, ascending.
    pub fn update(
        &mut self,
        progress: &[PartitionProgress],
        owned: impl Fn(i32) -> bool,
        now: Instant,
        timeout: Duration,
    ) -> Vec<i32> {
        self.last_check = Some(now);
        let mut stalled = Vec::new();
        for p in progress {
            let (committed, since) = self.seen.entry(p.partition).or_insert((p.committed, now));
            if *committed != p.committed {
                *committed = p.committed;
                *since = now;
            }
            let lag = p.high > p.committed;
            if lag && !owned(p.partition) && now.saturating_duration_since(*since) >= timeout {
                stalled.push(p.partition);
            }
        }
        stalled
    }
}

/// The group's committed offset and the end of every partition of `topic`. Blocking: call it
/// off the async loop.
pub fn group_progress<C: Consumer<X>, X: rdkafka::consumer::ConsumerContext>(
    consumer: &C,
    topic: &str,
    timeout: Duration,
) -> Result<Vec<PartitionProgress>, KafkaError> {
    let md = consumer
        .fetch_metadata(Some(topic), timeout)
        .map_err(KafkaError::client("metadata for the group's progress"))?;
    let mut tpl = TopicPartitionList::new();
    for t in md.topics().iter().filter(|t| t.name() == topic) {
        for p in t.partitions() {
            tpl.add_partition(topic, p.id());
        }
    }
    let committed = consumer
        .committed_offsets(tpl, timeout)
        .map_err(KafkaError::client("committed offsets of the group"))?;
    let mut out = Vec::new();
    for e in committed.elements_for_topic(topic) {
        let (low, high) = consumer
            .fetch_watermarks(topic, e.partition(), timeout)
            .map_err(KafkaError::client("watermarks of the input"))?;
        let committed = match e.offset() {
            Offset::Offset(o) => o.max(low),
            _ => low,
        };
        out.push(PartitionProgress {
            partition: e.partition(),
            committed,
            high,
        });
    }
    out.sort_by_key(|p| p.partition);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(partition: i32, committed: i64, high: i64) -> PartitionProgress {
        PartitionProgress {
            partition,
            committed,
            high,
        }
    }

    #[test]
    fn a_partition_with_lag_and_no_progress_for_the_timeout_is_stalled() {
        let t0 = Instant::now();
        let s = |n: u64| t0 + Duration::from_secs(n);
        let timeout = Duration::from_secs(10);
        let mut w = StallWatch::default();
        let owned = |p: i32| p == 2;
        assert!(w.due(s(0), timeout));
        // 0: lag, stuck; 1: lag, moving; 2: owned, stuck; 3: no lag
        let first = [at(0, 5, 9), at(1, 5, 9), at(2, 5, 9), at(3, 9, 9)];
        assert!(w.update(&first, owned, s(0), timeout).is_empty());
        assert!(!w.due(s(5), timeout));
        assert!(w.due(s(10), timeout));
        let later = [at(0, 5, 12), at(1, 8, 12), at(2, 5, 12), at(3, 9, 9)];
        assert_eq!(w.update(&later, owned, s(10), timeout), [0]);
        // partition 0 moves again: no longer stalled
        let moved = [at(0, 6, 12), at(1, 12, 12), at(2, 5, 12), at(3, 9, 9)];
        assert!(w.update(&moved, owned, s(20), timeout).is_empty());
    }
}
