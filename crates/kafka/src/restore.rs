//! Reading the checkpoint topic back: every partition from its start to its high watermark,
//! keeping the last value per key (what compaction would keep).
//!
//! Blocking: it runs inside the rebalance callback, before the assignment is applied, so that
//! the input can be positioned at each checkpoint's offset.
//!
//! A partition whose group has a committed offset had a checkpoint acknowledged before that
//! commit (offsets are committed only after the checkpoint covering them). If a read does not
//! show it (a broker whose high watermark lags an acknowledged write), the partition would
//! start from the committed offset with none of its earlier state, so [`read_expecting`] reads
//! again a few times before giving up on it.

use crate::checkpoint::CheckpointStore;
use crate::error::KafkaError;
use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// A reader's context: end-of-partition events are expected, not errors worth logging.
pub struct ReaderContext;

impl ClientContext for ReaderContext {
    fn error(&self, error: RdError, reason: &str) {
        if !matches!(error, RdError::PartitionEOF(_)) {
            tracing::warn!(%error, reason, "kafka reader");
        }
    }
}

impl ConsumerContext for ReaderContext {}

/// Read `topic` completely (as of now). A missing topic reads as empty.
pub fn read_store(
    cfg: &ClientConfig,
    topic: &str,
    timeout: Duration,
) -> Result<CheckpointStore, KafkaError> {
    let deadline = Instant::now() + timeout;
    let consumer: BaseConsumer<ReaderContext> = cfg
        .create_with_context(ReaderContext)
        .map_err(KafkaError::client("create checkpoint reader"))?;
    let md = consumer
        .fetch_metadata(Some(topic), timeout)
        .map_err(KafkaError::client("checkpoint topic metadata"))?;
    let mut store = CheckpointStore::default();
    let Some(t) = md.topics().iter().find(|t| t.name() == topic) else {
        return Ok(store);
    };
    if t.error().is_some() || t.partitions().is_empty() {
        return Ok(store);
    }
    let mut tpl = TopicPartitionList::new();
    // partition -> high watermark when the read began: done once the record before it is read
    // (waiting for end-of-partition instead costs a fetch wait, 500 ms by default, on every
    // assignment)
    let mut pending: HashMap<i32, i64> = HashMap::new();
    for p in t.partitions() {
        let left = deadline.saturating_duration_since(Instant::now());
        let (lo, hi) = consumer
            .fetch_watermarks(topic, p.id(), left)
            .map_err(KafkaError::client("checkpoint topic watermarks"))?;
        if hi > lo {
            tpl.add_partition_offset(topic, p.id(), Offset::Beginning)
                .map_err(KafkaError::client("checkpoint assignment"))?;
            pending.insert(p.id(), hi);
        }
    }
    if pending.is_empty() {
        return Ok(store);
    }
    consumer
        .assign(&tpl)
        .map_err(KafkaError::client("assign checkpoint reader"))?;
    while !pending.is_empty() {
        if Instant::now() >= deadline {
            return Err(KafkaError::Checkpoint {
                key: topic.to_owned(),
                message: format!("not read to its end within {timeout:?}"),
            });
        }
        match consumer.poll(Duration::from_millis(100)) {
            None => {}
            Some(Ok(m)) => {
                if let Some(k) = m.key().and_then(|k| std::str::from_utf8(k).ok()) {
                    store.apply(k, m.payload());
                }
                let p = m.partition();
                if pending.get(&p).is_some_and(|&hi| m.offset() + 1 >= hi) {
                    pending.remove(&p);
                }
            }
            Some(Err(RdError::PartitionEOF(p))) => {
                pending.remove(&p);
            }
            Some(Err(e)) if is_transient(&e) => {}
            Some(Err(e)) => {
                return Err(KafkaError::Client {
                    op: "read checkpoints",
                    source: e,
                })
            }
        }
    }
    Ok(store)
}

/// Read the store with `read`; while it lacks a checkpoint for one of `expected` (the
/// partitions with a committed offset, per `has`), wait `pause` and read again, up to `rereads`
/// more times. Returns the last store read and the partitions of `expected` it still lacks.
pub fn read_expecting<S>(
    mut read: impl FnMut() -> Result<S, KafkaError>,
    expected: &[i32],
    has: impl Fn(&S, i32) -> bool,
    rereads: u32,
    pause: Duration,
) -> Result<(S, Vec<i32>), KafkaError> {
    let missing =
        |s: &S| -> Vec<i32> { expected.iter().copied().filter(|&p| !has(s, p)).collect() };
    let mut store = read()?;
    for attempt in 1..=rereads {
        let now = missing(&store);
        if now.is_empty() {
            break;
        }
        tracing::warn!(
            missing = ?now,
            attempt,
            "committed offsets without a checkpoint in the read: reading the checkpoints again"
        );
        std::thread::sleep(pause);
        store = read()?;
    }
    let left = missing(&store);
    Ok((store, left))
}

fn is_transient(e: &RdError) -> bool {
    matches!(
        e.rdkafka_error_code(),
        Some(
            RDKafkaErrorCode::BrokerTransportFailure
                | RDKafkaErrorCode::AllBrokersDown
                | RDKafkaErrorCode::OperationTimedOut
                | RDKafkaErrorCode::NotLeaderForPartition
                | RDKafkaErrorCode::LeaderNotAvailable
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// `reads` are what successive reads return (the partitions holding a checkpoint); returns
    /// (reads made, partitions still missing).
    fn check(reads: &[&[i32]], expected: &[i32], rereads: u32) -> (usize, Vec<i32>) {
        let mut n = 0;
        let (_, missing) = read_expecting(
            || {
                let got: BTreeSet<i32> = reads[n.min(reads.len() - 1)].iter().copied().collect();
                n += 1;
                Ok(got)
            },
            expected,
            |s, p| s.contains(&p),
            rereads,
            Duration::ZERO,
        )
        .unwrap();
        (n, missing)
    }

    #[test]
    fn a_checkpoint_missing_behind_a_commit_is_read_again() {
        // everything there at once: one read
        assert_eq!(check(&[&[0, 1]], &[0, 1], 3), (1, vec![]));
        // nothing expected (no committed offsets): one read, whatever is missing
        assert_eq!(check(&[&[]], &[], 3), (1, vec![]));
        // partition 1's checkpoint becomes visible on the third read
        assert_eq!(check(&[&[0], &[0], &[0, 1]], &[0, 1], 3), (3, vec![]));
        // never visible: 1 + rereads reads, then reported missing
        assert_eq!(check(&[&[0]], &[0, 1], 3), (4, vec![1]));
    }

    #[test]
    fn a_failed_reread_is_an_error() {
        let mut n = 0;
        let got = read_expecting(
            || {
                n += 1;
                if n == 1 {
                    Ok(BTreeSet::<i32>::new())
                } else {
                    Err(KafkaError::Checkpoint {
                        key: "t".into(),
                        message: "not read to its end".into(),
                    })
                }
            },
            &[0],
            |s, p| s.contains(&p),
            2,
            Duration::ZERO,
        );
        assert!(got.is_err());
    }
}
