//! The consumer context: rebalance handling (checkpoint restore on assignment, a final
//! checkpoint and commit on revocation), librdkafka statistics as lag metrics, and librdkafka
//! logs as tracing events.
//!
//! The callback runs synchronously inside the live loop's `recv()`, so it may lock the
//! partition table and block on the producer and on reading the checkpoint topic.

use crate::checkpoint::CheckpointStore;
use crate::config::LiveConfig;
use crate::engine::EngineFactory;
use crate::error::KafkaError;
use crate::metric;
use crate::restore::{self, ReaderContext};
use crate::sink::{Out, Sink};
use crate::table::Tasks;
use rdkafka::client::ClientContext;
use rdkafka::config::{ClientConfig, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, StreamConsumer};
use rdkafka::statistics::Statistics;
use rdkafka::types::RDKafkaRespErr;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Re-reads of the checkpoint topic when a partition with a committed offset shows no checkpoint.
const REREADS: u32 = 3;
/// Pause before each re-read.
const REREAD_PAUSE: Duration = Duration::from_millis(500);

/// State shared by the live loop and the consumer context.
pub struct LiveState<F: EngineFactory> {
    /// The `[live]` section.
    pub live: LiveConfig,
    /// Makes and restores engines.
    pub factory: Arc<F>,
    /// The output producer.
    pub sink: Sink,
    /// Config of the group-less checkpoint reader.
    pub reader: ClientConfig,
    /// Owned partitions.
    pub tasks: Mutex<Tasks<F::Engine>>,
    /// An error the callback could not return; the loop stops on it.
    pub fatal: Mutex<Option<KafkaError>>,
    /// Split mode: the reader of the observation and evidence topics.
    pub internal: Option<StreamConsumer<ReaderContext>>,
    /// Rebalances so far (records copied out before one are dropped: every partition is
    /// repositioned at its checkpoint by the eager rebalance).
    pub generation: std::sync::atomic::AtomicU64,
}

impl<F: EngineFactory> LiveState<F> {
    /// Lock the table (a poisoned lock means a panic elsewhere; keep going with its data).
    pub fn tasks(&self) -> std::sync::MutexGuard<'_, Tasks<F::Engine>> {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_fatal(&self, e: KafkaError) {
        tracing::error!(error = %e, "live transport stopping");
        let mut f = self.fatal.lock().unwrap_or_else(|e| e.into_inner());
        f.get_or_insert(e);
    }

    /// Produce a round's checkpoint records.
    pub fn send_round(&self, records: &[(String, Vec<u8>)]) -> Result<(), KafkaError> {
        let topic = self.live.checkpoint_topic();
        for (k, v) in records {
            self.sink.send(Out {
                topic: &topic,
                partition: None,
                key: k.as_bytes(),
                payload: Some(v),
                headers: None,
            })?;
        }
        Ok(())
    }

    /// Split mode: point the internal reader at partition `p` of the observation and evidence
    /// topics for every owned input partition `p`, at the offsets its state covers.
    fn reassign_internal(&self, table: &Tasks<F::Engine>) {
        let Some(internal) = &self.internal else {
            return;
        };
        let (obs, evi) = (self.live.observation_topic(), self.live.evidence_topic());
        let mut tpl = TopicPartitionList::new();
        let at = |o: Option<i64>| o.map_or(Offset::Beginning, Offset::Offset);
        for (&p, st) in &table.parts {
            let _ = tpl.add_partition_offset(&obs, p, at(st.split.obs_next));
            let _ = tpl.add_partition_offset(&evi, p, at(st.split.evi_next));
        }
        if let Err(e) = internal.assign(&tpl) {
            self.set_fatal(KafkaError::Client {
                op: "assign internal topics",
                source: e,
            });
        }
    }

    fn on_assign(&self, consumer: &BaseConsumer<LiveContext<F>>, tpl: &mut TopicPartitionList) {
        let topic = self.live.input_topic.clone();
        let parts: Vec<i32> = tpl
            .elements_for_topic(&topic)
            .iter()
            .map(|e| e.partition())
            .collect();
        tracing::info!(?parts, "partitions assigned");
        if parts.is_empty() {
            return;
        }
        // a committed offset means a checkpoint was acknowledged before it (see restore.rs)
        let committed = self.committed(consumer, &topic, &parts);
        let expected: Vec<i32> = committed.keys().copied().collect();
        let read = || {
            restore::read_store(
                &self.reader,
                &self.live.checkpoint_topic(),
                self.live.restore_timeout,
            )
        };
        let has = |s: &CheckpointStore, p: i32| !matches!(s.get(&topic, p), Ok(None));
        let store = match restore::read_expecting(read, &expected, has, REREADS, REREAD_PAUSE) {
            Ok((s, missing)) => {
                for p in missing {
                    tracing::warn!(
                        partition = p,
                        offset = committed[&p],
                        "committed offset but no checkpoint (group offsets reset, or the \
                         checkpoint topic deleted?): starting from the committed offset \
                         without this partition's earlier state"
                    );
                    metrics::counter!(metric::CHECKPOINT_MISSING).increment(1);
                }
                s
            }
            Err(e) => return self.set_fatal(e),
        };
        let now = Instant::now();
        let mut table = self.tasks();
        for p in parts {
            let ckpt = match store.get(&topic, p) {
                Ok(c) => c,
                Err(message) => {
                    tracing::error!(partition = p, %message, "damaged checkpoint; starting this partition without state");
                    metrics::counter!(metric::CHECKPOINT_DAMAGED).increment(1);
                    None
                }
            };
            match table.adopt(&*self.factory, p, ckpt.as_ref(), now) {
                Ok(Some(offset)) => {
                    tracing::info!(partition = p, offset, "restored from checkpoint");
                    if let Err(e) = tpl.set_partition_offset(&topic, p, Offset::Offset(offset)) {
                        return self.set_fatal(KafkaError::Client {
                            op: "seek to checkpoint",
                            source: e,
                        });
                    }
                }
                Ok(None) => tracing::info!(
                    partition = p,
                    "no checkpoint; starting from the committed offset"
                ),
                Err(message) => {
                    return self.set_fatal(KafkaError::Checkpoint {
                        key: format!("{topic}/{p}"),
                        message,
                    })
                }
            }
        }
        metrics::gauge!(metric::ASSIGNED_PARTITIONS).set(table.parts.len() as f64);
        table.reassigned = true;
        self.reassign_internal(&table);
    }

    /// The group's committed offsets of `parts` of `topic` (partitions without one left out; a
    /// failed lookup, logged, reads as none).
    fn committed(
        &self,
        consumer: &BaseConsumer<LiveContext<F>>,
        topic: &str,
        parts: &[i32],
    ) -> BTreeMap<i32, i64> {
        let mut tpl = TopicPartitionList::new();
        for &p in parts {
            tpl.add_partition(topic, p);
        }
        match consumer.committed_offsets(tpl, self.live.restore_timeout) {
            Ok(got) => got
                .elements()
                .iter()
                .filter_map(|e| match e.offset() {
                    Offset::Offset(o) if o > 0 => Some((e.partition(), o)),
                    _ => None,
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "committed offsets lookup failed");
                BTreeMap::new()
            }
        }
    }

    fn on_revoke(&self, consumer: &BaseConsumer<LiveContext<F>>, tpl: &TopicPartitionList) {
        let topic = &self.live.input_topic;
        let revoked: HashSet<i32> = tpl
            .elements_for_topic(topic)
            .iter()
            .map(|e| e.partition())
            .collect();
        tracing::info!(?revoked, "partitions revoked");
        if !consumer.assignment_lost() {
            if let Err(e) = self.checkpoint_blocking(consumer, &revoked) {
                tracing::warn!(error = %e, "no final checkpoint for revoked partitions; the next owner replays from the last one");
            }
        }
        let mut table = self.tasks();
        table.parts.retain(|p, _| !revoked.contains(p));
        metrics::gauge!(metric::ASSIGNED_PARTITIONS).set(table.parts.len() as f64);
        zero_partition_gauges(topic, &revoked);
        self.reassign_internal(&table);
    }

    fn checkpoint_blocking(
        &self,
        consumer: &BaseConsumer<LiveContext<F>>,
        which: &HashSet<i32>,
    ) -> Result<(), KafkaError> {
        self.sink.flush_blocking(self.live.flush_timeout)?;
        let round = self.tasks().build_round(
            &self.live.input_topic,
            self.live.checkpoint_chunk_bytes,
            |p| which.contains(&p),
        );
        if round.is_empty() {
            return Ok(());
        }
        self.send_round(&round.records)?;
        self.sink.flush_blocking(self.live.flush_timeout)?;
        consumer
            .commit(&round.commit, CommitMode::Sync)
            .map_err(KafkaError::client("commit on revoke"))?;
        self.tasks().finish_round(&round);
        Ok(())
    }
}

/// Per-partition gauges of partitions this instance no longer owns go to 0, so the last lag,
/// checkpoint size or held-message count of a partition that moved does not stay on for ever
/// (the `metrics` facade cannot unregister a series; summed over instances, 0 adds nothing to
/// the owner's value).
pub fn zero_partition_gauges(topic: &str, partitions: &HashSet<i32>) {
    for p in partitions {
        let part = p.to_string();
        metrics::gauge!(metric::CONSUMER_LAG, "topic" => topic.to_string(), "partition" => part.clone())
            .set(0.0);
        metrics::gauge!(metric::CHECKPOINT_BYTES, "partition" => part.clone()).set(0.0);
        metrics::gauge!(metric::KEY_HELD, "partition" => part).set(0.0);
    }
}

/// The consumer context handed to librdkafka.
pub struct LiveContext<F: EngineFactory> {
    /// Shared with the live loop.
    pub shared: Arc<LiveState<F>>,
}

impl<F: EngineFactory> ClientContext for LiveContext<F> {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, msg: &str) {
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => tracing::error!(target: "librdkafka", "{fac} {msg}"),
            RDKafkaLogLevel::Warning => tracing::warn!(target: "librdkafka", "{fac} {msg}"),
            RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
                tracing::info!(target: "librdkafka", "{fac} {msg}")
            }
            RDKafkaLogLevel::Debug => tracing::debug!(target: "librdkafka", "{fac} {msg}"),
        }
    }

    fn stats(&self, stats: Statistics) {
        let topic = &self.shared.live.input_topic;
        if let Some(t) = stats.topics.get(topic) {
            for (p, part) in &t.partitions {
                if *p < 0 || part.consumer_lag < 0 {
                    continue;
                }
                metrics::gauge!(metric::CONSUMER_LAG, "topic" => topic.clone(), "partition" => p.to_string())
                    .set(part.consumer_lag as f64);
            }
        }
    }
}

impl<F: EngineFactory> ConsumerContext for LiveContext<F> {
    fn rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        err: RDKafkaRespErr,
        tpl: &mut TopicPartitionList,
    ) {
        self.shared
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        match err {
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS => {
                self.shared.on_assign(consumer, tpl);
                if let Err(e) = consumer.assign(tpl) {
                    self.shared.set_fatal(KafkaError::Client {
                        op: "assign",
                        source: e,
                    });
                }
                // a partition paused under its previous assignment stays paused in librdkafka;
                // the table starts every assigned partition unpaused
                if let Err(e) = consumer.resume(tpl) {
                    tracing::warn!(error = %e, "resume after assign failed");
                }
            }
            RDKafkaRespErr::RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS => {
                self.shared.on_revoke(consumer, tpl);
                if let Err(e) = consumer.unassign() {
                    tracing::warn!(error = %e, "unassign failed");
                }
            }
            other => {
                tracing::error!(?other, "rebalance error; dropping the assignment");
                let mut table = self.shared.tasks();
                table.parts.clear();
                self.shared.reassign_internal(&table);
                drop(table);
                let _ = consumer.unassign();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A revoked partition's gauges read 0 afterwards; others keep their value.
    #[test]
    fn revoked_partition_gauges_go_to_zero() {
        let prom = crate::health::prometheus();
        for p in ["971", "972"] {
            metrics::gauge!(metric::CONSUMER_LAG, "topic" => "gauge-test", "partition" => p)
                .set(8902.0);
            metrics::gauge!(metric::CHECKPOINT_BYTES, "partition" => p).set(4096.0);
        }
        zero_partition_gauges("gauge-test", &HashSet::from([971]));
        let text = prom.render();
        let value = |name: &str, p: &str| {
            text.lines()
                .find(|l| l.starts_with(name) && l.contains(&format!("partition=\"{p}\"")))
                .and_then(|l| l.rsplit(' ').next())
                .map(str::to_string)
        };
        assert_eq!(
            value("distillguard_live_consumer_lag", "971").as_deref(),
            Some("0")
        );
        assert_eq!(
            value("distillguard_live_consumer_lag", "972").as_deref(),
            Some("8902")
        );
        assert_eq!(
            value("distillguard_live_checkpoint_bytes", "971").as_deref(),
            Some("0")
        );
        assert_eq!(
            value("distillguard_live_checkpoint_bytes", "972").as_deref(),
            Some("4096")
        );
    }
}
