//! `[live]`: brokers, topics, checkpoints, back-pressure, metrics and librdkafka pass-through.
//!
//! Deserialized with unknown keys refused; [`LiveConfig::validate`] lists every problem at once,
//! with its key path under `live.`. The `[live.kafka]` table is handed to librdkafka verbatim
//! (SASL, TLS, compression, timeouts …) after the settings the transport depends on.

use crate::error::LiveConfigError;
use distillguard_types::config::{Problem, Problems};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

/// librdkafka settings the transport owns: setting them in `[live.kafka]` is an error, because
/// at-least-once delivery and checkpoint restore depend on their values.
pub const RESERVED_KAFKA_KEYS: &[(&str, &str)] = &[
    ("bootstrap.servers", "use live.brokers"),
    ("group.id", "use live.group_id"),
    (
        "enable.auto.commit",
        "offsets are committed after checkpoints (must stay false)",
    ),
    (
        "enable.auto.offset.store",
        "offsets are stored explicitly (must stay false)",
    ),
    (
        "group.protocol",
        "the classic group protocol is required (eager rebalances)",
    ),
    (
        "partition.assignment.strategy",
        "checkpoint restore needs an eager assignor (range / roundrobin, the default)",
    ),
];

/// The live-mode (Kafka) section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiveConfig {
    /// Bootstrap servers, `host:port[,host:port…]`.
    pub brokers: String,
    /// Consumer group of the engine instances.
    pub group_id: String,
    /// Request-log topic (JSON records keyed by account_id).
    pub input_topic: String,
    /// Verdicts, keyed by account_id.
    pub verdict_topic: String,
    /// Campaign records, keyed by campaign_id.
    pub campaign_topic: String,
    /// Rejected records (raw value, headers `reason`, `source_topic`, `source_partition`,
    /// `source_offset`).
    pub dead_letter_topic: String,
    /// Prefix of the internal topics `<prefix>-checkpoints`, `<prefix>-observations`,
    /// `<prefix>-evidence`.
    pub internal_prefix: String,
    /// Checkpoint (and commit) every partition with progress at least this often.
    #[serde(with = "humantime_serde")]
    pub checkpoint_interval: Duration,
    /// … or as soon as one partition has this many records since its last checkpoint.
    pub checkpoint_records: u64,
    /// A snapshot larger than this is written as several records (broker message size limits).
    pub checkpoint_chunk_bytes: usize,
    /// Reading the checkpoint topic on assignment gives up after this long.
    #[serde(with = "humantime_serde")]
    pub restore_timeout: Duration,
    /// Shutdown: how long to wait for the producer to drain.
    #[serde(with = "humantime_serde")]
    pub flush_timeout: Duration,
    /// A partition whose own watermark runs this far (event time) ahead of the stage watermark
    /// *and* that holds more than `max_buffered_events` is paused until the others catch up
    /// (or its buffer halves), bounding the reorder buffers.
    #[serde(with = "humantime_serde")]
    pub max_partition_lead: Duration,
    /// See `max_partition_lead` (events held per partition, ~0.5 KiB each).
    pub max_buffered_events: usize,
    /// Produced records awaiting acknowledgement before the loop waits for the producer.
    pub max_in_flight: usize,
    /// Create missing output / internal topics at start (internal checkpoints compacted).
    pub create_topics: bool,
    /// Replication factor for created topics.
    pub replication_factor: i32,
    /// Address of the HTTP listener serving `/metrics`, `/healthz`, `/readyz`; none disables it.
    pub metrics_listen: Option<SocketAddr>,
    /// Cross-account stage over repartition topics instead of per-instance correlation.
    pub repartition: bool,
    /// Split mode: how far (event time) a task may run ahead of the slowest task of the group,
    /// as learnt from the key sides' acknowledgements: the largest step a backlog is drained
    /// in (key sides apply observations in event time once every task has passed them, and
    /// evidence lags by one step).
    #[serde(with = "humantime_serde")]
    pub max_task_skew: Duration,
    /// An instance that owns no input partition this long while the group has lag reports not
    /// ready (`/readyz`), logs why and sets `distillguard_live_unowned_with_lag`.
    #[serde(with = "humantime_serde")]
    pub unowned_timeout: Duration,
    /// Passed verbatim to librdkafka for every client (SASL, TLS, compression, …).
    pub kafka: BTreeMap<String, String>,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            brokers: "localhost:9092".into(),
            group_id: "distillguard".into(),
            input_topic: "request-log".into(),
            verdict_topic: "distillguard-verdicts".into(),
            campaign_topic: "distillguard-campaigns".into(),
            dead_letter_topic: "distillguard-dead-letter".into(),
            internal_prefix: "distillguard".into(),
            checkpoint_interval: Duration::from_secs(30),
            checkpoint_records: 100_000,
            checkpoint_chunk_bytes: 512 * 1024,
            restore_timeout: Duration::from_secs(60),
            flush_timeout: Duration::from_secs(30),
            max_partition_lead: Duration::from_secs(600),
            max_buffered_events: 50_000,
            max_in_flight: 50_000,
            create_topics: true,
            replication_factor: 1,
            metrics_listen: None,
            repartition: true,
            max_task_skew: Duration::from_secs(3600),
            unowned_timeout: Duration::from_secs(300),
            kafka: BTreeMap::new(),
        }
    }
}

/// Kafka's legal topic-name characters.
fn topic_ok(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 249
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

impl LiveConfig {
    /// `<prefix>-checkpoints` (compacted).
    pub fn checkpoint_topic(&self) -> String {
        format!("{}-checkpoints", self.internal_prefix)
    }
    /// `<prefix>-observations` (repartition by correlation key).
    pub fn observation_topic(&self) -> String {
        format!("{}-observations", self.internal_prefix)
    }
    /// `<prefix>-evidence` (repartition back by account; same partition count as the input).
    pub fn evidence_topic(&self) -> String {
        format!("{}-evidence", self.internal_prefix)
    }

    /// Parse a `[live]` table (TOML text of the section body) without validating values.
    pub fn from_toml(text: &str) -> Result<LiveConfig, LiveConfigError> {
        Ok(toml::from_str(text)?)
    }

    /// The `[live]` table of a config file already parsed (`table["live"]`), without
    /// validating values.
    pub fn from_value(section: toml::Value) -> Result<LiveConfig, LiveConfigError> {
        Ok(section.try_into()?)
    }

    /// Check every value; report every problem at once (paths start with `live.`).
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let mut p = Problems::default();
        if self.brokers.trim().is_empty() {
            p.add("live.brokers", "must list at least one host:port");
        } else {
            for b in self.brokers.split(',') {
                let b = b.trim();
                let port = b.rsplit_once(':').map(|(_, port)| port.parse::<u16>());
                if !matches!(port, Some(Ok(_))) {
                    p.add("live.brokers", format!("`{b}` is not host:port"));
                }
            }
        }
        if self.group_id.trim().is_empty() {
            p.add("live.group_id", "must not be empty");
        }
        let topics = [
            ("live.input_topic", &self.input_topic),
            ("live.verdict_topic", &self.verdict_topic),
            ("live.campaign_topic", &self.campaign_topic),
            ("live.dead_letter_topic", &self.dead_letter_topic),
        ];
        for (path, t) in topics {
            if !topic_ok(t) {
                p.add(
                    path,
                    format!("`{t}` is not a legal topic name ([A-Za-z0-9._-], 1..249)"),
                );
            }
        }
        for (i, (pa, a)) in topics.iter().enumerate() {
            for (pb, b) in &topics[i + 1..] {
                if a == b {
                    p.add(*pb, format!("must differ from {pa}"));
                }
            }
        }
        if !topic_ok(&self.checkpoint_topic()) {
            p.add(
                "live.internal_prefix",
                "must form legal topic names ([A-Za-z0-9._-])",
            );
        }
        let internal = [
            self.checkpoint_topic(),
            self.observation_topic(),
            self.evidence_topic(),
        ];
        if topics.iter().any(|(_, t)| internal.contains(t)) {
            p.add(
                "live.internal_prefix",
                "an internal topic collides with a configured topic",
            );
        }
        p.positive("live.checkpoint_interval", self.checkpoint_interval);
        if self.checkpoint_records == 0 {
            p.add("live.checkpoint_records", "must be greater than zero");
        }
        if !(1024..=64 * 1024 * 1024).contains(&self.checkpoint_chunk_bytes) {
            p.add(
                "live.checkpoint_chunk_bytes",
                "must be between 1 KiB and 64 MiB",
            );
        }
        p.positive("live.restore_timeout", self.restore_timeout);
        p.positive("live.flush_timeout", self.flush_timeout);
        p.positive("live.max_partition_lead", self.max_partition_lead);
        p.positive("live.max_task_skew", self.max_task_skew);
        p.positive("live.unowned_timeout", self.unowned_timeout);
        if self.max_buffered_events == 0 {
            p.add("live.max_buffered_events", "must be greater than zero");
        }
        if self.max_in_flight == 0 {
            p.add("live.max_in_flight", "must be greater than zero");
        }
        if self.replication_factor < 1 {
            p.add("live.replication_factor", "must be at least 1");
        }
        for (key, why) in RESERVED_KAFKA_KEYS {
            if self.kafka.contains_key(*key) {
                p.add(
                    format!("live.kafka.\"{key}\""),
                    format!("is set by distillguard: {why}"),
                );
            }
        }
        for (k, v) in &self.kafka {
            if k.trim().is_empty() || v.is_empty() {
                p.add(
                    format!("live.kafka.\"{k}\""),
                    "keys and values must not be empty",
                );
            }
        }
        if p.0.is_empty() {
            Ok(())
        } else {
            Err(p.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `[live]` table of a whole config file.
    fn section(text: &str) -> LiveConfig {
        let mut t: toml::Table = toml::from_str(text).unwrap();
        LiveConfig::from_value(t.remove("live").unwrap()).unwrap()
    }

    #[test]
    fn shipped_example_is_valid_and_at_defaults() {
        let c = section(include_str!("../../../configs/live.toml"));
        c.validate().unwrap();
        assert_eq!(c, LiveConfig::default());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = LiveConfig::from_toml("brokerz = \"x:1\"").unwrap_err();
        assert!(e.to_string().contains("brokerz"), "{e}");
        let table: toml::Table = toml::from_str("[live]\nbrokerz = \"x:1\"").unwrap();
        let e = LiveConfig::from_value(table["live"].clone()).unwrap_err();
        assert!(matches!(&e, LiveConfigError::Parse(p) if p.to_string().contains("brokerz")));
    }

    #[test]
    fn every_problem_is_listed() {
        let c = LiveConfig::from_toml(
            r#"
            brokers = "nohostport"
            group_id = ""
            verdict_topic = "bad topic"
            campaign_topic = "request-log"
            checkpoint_interval = "0s"
            checkpoint_records = 0
            checkpoint_chunk_bytes = 10
            [kafka]
            "enable.auto.commit" = "true"
            "partition.assignment.strategy" = "cooperative-sticky"
            "#,
        )
        .unwrap();
        let paths: Vec<String> = c
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|p| p.path)
            .collect();
        for want in [
            "live.brokers",
            "live.group_id",
            "live.verdict_topic",
            "live.campaign_topic",
            "live.checkpoint_interval",
            "live.checkpoint_records",
            "live.checkpoint_chunk_bytes",
            "live.kafka.\"enable.auto.commit\"",
            "live.kafka.\"partition.assignment.strategy\"",
        ] {
            assert!(
                paths.iter().any(|p| p == want),
                "missing {want} in {paths:?}"
            );
        }
    }

    #[test]
    fn internal_topic_names() {
        let c = LiveConfig {
            internal_prefix: "dg".into(),
            ..LiveConfig::default()
        };
        assert_eq!(c.checkpoint_topic(), "dg-checkpoints");
        assert_eq!(c.observation_topic(), "dg-observations");
        assert_eq!(c.evidence_topic(), "dg-evidence");
    }
}
