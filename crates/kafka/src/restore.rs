//! Reading the checkpoint topic back: every partition from its start to its high watermark,
//! keeping the last value per key (what compaction would keep).
//!
//! Blocking: it runs inside the rebalance callback, before the assignment is applied, so that
//! the input can be positioned at each checkpoint's offset.

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
