//! An instance that owns no input partitions while the group has work to do says so.
//!
//! After a restart the group may hand this instance nothing for a long time (the issue saw 8+
//! minutes on one broker) while `/readyz` still said ready. Once it has owned no partition for
//! `live.unowned_timeout`, the loop asks the group's lag ([`group_lag`]: committed offsets
//! against the partitions' ends); with lag the instance turns not ready with the reason,
//! logs it once and sets `distillguard_live_unowned_with_lag` to 1, until a partition is
//! assigned again. An instance owning nothing in a group without lag (more instances than
//! partitions) stays ready.

use crate::error::KafkaError;
use rdkafka::consumer::Consumer;
use std::time::{Duration, Instant};

/// How often the lag is asked again while nothing is owned.
pub const LAG_CHECK_EVERY: Duration = Duration::from_secs(30);

/// Tracks how long nothing has been owned and when to ask about lag.
#[derive(Debug, Default)]
pub struct Unowned {
    since: Option<Instant>,
    last_check: Option<Instant>,
    /// Reported not ready (cleared when a partition is owned again).
    pub flagged: bool,
}

/// What the loop should do now.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing.
    Nothing,
    /// Ask the group's lag (nothing owned for `after` now).
    CheckLag {
        /// How long nothing has been owned.
        after: Duration,
    },
    /// A partition is owned again after the instance was reported not ready: ready again.
    Recovered,
}

impl Unowned {
    /// Note whether any partition is owned at `now`.
    pub fn observe(&mut self, owns: bool, now: Instant, timeout: Duration) -> Step {
        if owns {
            self.since = None;
            self.last_check = None;
            return if std::mem::take(&mut self.flagged) {
                Step::Recovered
            } else {
                Step::Nothing
            };
        }
        let since = *self.since.get_or_insert(now);
        let after = now.saturating_duration_since(since);
        let checked_recently = self
            .last_check
            .is_some_and(|t| now.saturating_duration_since(t) < LAG_CHECK_EVERY);
        if after < timeout || checked_recently {
            return Step::Nothing;
        }
        self.last_check = Some(now);
        Step::CheckLag { after }
    }
}

/// Records of `topic` not yet committed by the consumer's group, summed over its partitions (a
/// partition without a committed offset counts from its start). Blocking: call it off the
/// async loop.
pub fn group_lag<C: Consumer<X>, X: rdkafka::consumer::ConsumerContext>(
    consumer: &C,
    topic: &str,
    timeout: Duration,
) -> Result<i64, KafkaError> {
    let progress = crate::stalled::group_progress(consumer, topic, timeout)?;
    Ok(progress.iter().map(|p| (p.high - p.committed).max(0)).sum())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, CommitMode};
    use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
    use rdkafka::{Offset, TopicPartitionList};

    #[test]
    fn asks_about_lag_after_the_timeout_and_recovers_on_assignment() {
        let t0 = Instant::now();
        let s = |n: u64| t0 + Duration::from_secs(n);
        let timeout = Duration::from_secs(300);
        let mut u = Unowned::default();
        // (owns, at seconds, expected)
        let steps = [
            (true, 0, Step::Nothing),
            (false, 10, Step::Nothing),
            (false, 309, Step::Nothing),
            (
                false,
                310,
                Step::CheckLag {
                    after: Duration::from_secs(300),
                },
            ),
            (false, 320, Step::Nothing),
            (
                false,
                340,
                Step::CheckLag {
                    after: Duration::from_secs(330),
                },
            ),
        ];
        for (owns, at, want) in steps {
            assert_eq!(u.observe(owns, s(at), timeout), want, "at {at}s");
        }
        u.flagged = true;
        assert_eq!(u.observe(true, s(350), timeout), Step::Recovered);
        assert_eq!(u.observe(true, s(351), timeout), Step::Nothing);
        // the clock starts over
        assert_eq!(u.observe(false, s(400), timeout), Step::Nothing);
        assert_eq!(u.observe(false, s(650), timeout), Step::Nothing);
    }

    /// Lag over librdkafka's mock cluster: uncommitted partitions count whole, committed ones
    /// from their offset.
    #[test]
    fn group_lag_counts_what_the_group_has_not_committed() {
        let cluster = rdkafka::mocking::MockCluster::new(1).unwrap();
        cluster.create_topic("in", 2, 1).unwrap();
        let brokers = cluster.bootstrap_servers();
        let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .create()
            .unwrap();
        for (p, n) in [(0, 5), (1, 3)] {
            for i in 0..n {
                let v = format!("{i}");
                producer
                    .send(BaseRecord::<(), str>::to("in").partition(p).payload(&v))
                    .unwrap();
            }
        }
        producer.flush(Duration::from_secs(10)).unwrap();
        let c: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &brokers)
            .set("group.id", "lag-test")
            .set("enable.auto.commit", "false")
            .create()
            .unwrap();
        let t = Duration::from_secs(10);
        assert_eq!(group_lag(&c, "in", t).unwrap(), 8);
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition_offset("in", 0, Offset::Offset(4))
            .unwrap();
        c.commit(&tpl, CommitMode::Sync).unwrap();
        assert_eq!(group_lag(&c, "in", t).unwrap(), 1 + 3);
    }
}
