//! Every metric live mode exports, in one place: its name (a constant the recording sites use),
//! kind, labels and help text.
//!
//! [`describe`] hands the help texts to the recorder when it is installed, so `/metrics` carries
//! them as `# HELP` lines; `deploy/README.md` lists the same names with the same help (checked
//! by this module's test), and the dashboard and alert rules query only these names (checked by
//! `tests/deploy_metrics.rs`).

/// Input records read (every owned input partition, rejected records included).
pub const RECORDS: &str = "distillguard_live_records_total";
/// Events the records parsed into.
pub const EVENTS: &str = "distillguard_live_events_total";
/// Events a restored checkpoint had processed.
pub const RESTORED_EVENTS: &str = "distillguard_live_restored_events_total";
/// Rejected records, by reason.
pub const REJECTS: &str = "distillguard_live_rejects_total";
/// Records produced to the dead-letter topic.
pub const DEAD_LETTERS: &str = "distillguard_live_dead_letters_total";
/// Verdicts produced, by action.
pub const VERDICTS: &str = "distillguard_live_verdicts_total";
/// Campaign records produced.
pub const CAMPAIGNS: &str = "distillguard_live_campaigns_total";
/// Partition checkpoints written.
pub const CHECKPOINTS: &str = "distillguard_live_checkpoints_total";
/// Size of a partition's last checkpoint.
pub const CHECKPOINT_BYTES: &str = "distillguard_live_checkpoint_bytes";
/// Lag of an owned partition.
pub const CONSUMER_LAG: &str = "distillguard_live_consumer_lag";
/// The stage watermark.
pub const WATERMARK_MS: &str = "distillguard_live_watermark_ms";
/// Input partitions owned.
pub const ASSIGNED_PARTITIONS: &str = "distillguard_live_assigned_partitions";
/// Input partitions paused ahead of the watermark.
pub const PAUSED_PARTITIONS: &str = "distillguard_live_paused_partitions";
/// Produce deliveries that failed.
pub const DELIVERY_FAILURES: &str = "distillguard_live_delivery_failures_total";
/// Offset commits that failed after a written checkpoint.
pub const COMMIT_FAILURES: &str = "distillguard_live_commit_failures_total";
/// Events waiting for the watermark.
pub const ENGINE_PENDING: &str = "distillguard_live_engine_pending";
/// Events processed by the owned engines.
pub const ENGINE_PROCESSED: &str = "distillguard_live_engine_processed";
/// Entries the owned engines hold, by structure.
pub const STATE_ENTRIES: &str = "distillguard_live_state_entries";
/// Estimated bytes the owned engines hold, by structure.
pub const STATE_BYTES: &str = "distillguard_live_state_bytes";
/// 1 while `/readyz` answers 200.
pub const READY: &str = "distillguard_live_ready";
/// Checkpoints that could not be decoded.
pub const CHECKPOINT_DAMAGED: &str = "distillguard_live_checkpoint_damaged_total";
/// Partitions assigned with a committed offset but no checkpoint.
pub const CHECKPOINT_MISSING: &str = "distillguard_live_checkpoint_missing_total";
/// Config reloads, by result.
pub const CONFIG_RELOADS: &str = "distillguard_live_config_reloads_total";
/// Internal (split-mode) messages handled.
pub const INTERNAL: &str = "distillguard_live_internal_total";
/// Observations a key side holds.
pub const KEY_HELD: &str = "distillguard_live_key_held";
/// Internal messages that could not be decoded.
pub const INTERNAL_CORRUPT: &str = "distillguard_live_internal_corrupt_total";
/// 1 while the instance owns no input partition and the group has lag.
pub const UNOWNED_WITH_LAG: &str = "distillguard_live_unowned_with_lag";
/// Input partitions nobody consumes, as this instance sees them.
pub const STALLED_PARTITIONS: &str = "distillguard_live_stalled_partitions";

/// How a metric is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Only goes up.
    Counter,
    /// Set to the current value.
    Gauge,
}

impl Kind {
    /// Prometheus's name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
        }
    }
}

/// One exported metric.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Its name.
    pub name: &'static str,
    /// Counter or gauge.
    pub kind: Kind,
    /// Its labels.
    pub labels: &'static [&'static str],
    /// What it counts or shows (the `# HELP` text and deploy/README.md's description).
    pub help: &'static str,
}

const fn m(
    name: &'static str,
    kind: Kind,
    labels: &'static [&'static str],
    help: &'static str,
) -> Metric {
    Metric {
        name,
        kind,
        labels,
        help,
    }
}

use Kind::{Counter, Gauge};

/// Every exported metric, in the order deploy/README.md lists them.
pub const ALL: &[Metric] = &[
    m(RECORDS, Counter, &[], "input records read, rejected ones included"),
    m(EVENTS, Counter, &[], "events parsed from the input records"),
    m(
        RESTORED_EVENTS,
        Counter,
        &[],
        "events a restored checkpoint had processed: work taken over from the instance that did it, which counted it in its own events_total",
    ),
    m(REJECTS, Counter, &["reason"], "rejected records by reject reason"),
    m(DEAD_LETTERS, Counter, &[], "records produced to the dead-letter topic"),
    m(VERDICTS, Counter, &["action"], "verdicts produced, by action"),
    m(CAMPAIGNS, Counter, &[], "campaign records produced"),
    m(CHECKPOINTS, Counter, &[], "partition checkpoints written"),
    m(
        CHECKPOINT_BYTES,
        Gauge,
        &["partition"],
        "size of the partition's last checkpoint in bytes",
    ),
    m(
        CONSUMER_LAG,
        Gauge,
        &["topic", "partition"],
        "lag of an owned partition, from librdkafka's statistics",
    ),
    m(
        WATERMARK_MS,
        Gauge,
        &[],
        "the stage watermark (event time, epoch milliseconds)",
    ),
    m(ASSIGNED_PARTITIONS, Gauge, &[], "input partitions owned"),
    m(
        PAUSED_PARTITIONS,
        Gauge,
        &[],
        "input partitions paused ahead of the watermark",
    ),
    m(
        DELIVERY_FAILURES,
        Counter,
        &[],
        "produce deliveries that failed: outputs or checkpoints",
    ),
    m(
        COMMIT_FAILURES,
        Counter,
        &[],
        "offset commits after a written checkpoint that failed, retried next round",
    ),
    m(ENGINE_PENDING, Gauge, &[], "events waiting for the watermark"),
    m(
        ENGINE_PROCESSED,
        Gauge,
        &[],
        "events processed by the owned engines, restored state included",
    ),
    m(
        STATE_ENTRIES,
        Gauge,
        &["structure"],
        "entries the owned engines hold, by structure (accounts, single_keys, shared_keys, reorder_buffer, campaigns, dedupe), at each checkpoint round",
    ),
    m(
        STATE_BYTES,
        Gauge,
        &["structure"],
        "estimated bytes the owned engines hold, by structure, at each checkpoint round",
    ),
    m(READY, Gauge, &[], "1 while /readyz answers 200, else 0"),
    m(
        CHECKPOINT_DAMAGED,
        Counter,
        &[],
        "checkpoints read back that could not be decoded",
    ),
    m(
        CHECKPOINT_MISSING,
        Counter,
        &[],
        "partitions assigned with a committed offset but no checkpoint: started without their earlier state",
    ),
    m(
        CONFIG_RELOADS,
        Counter,
        &["result"],
        "config reloads on SIGHUP or a changed file, by result (ok or invalid)",
    ),
    m(
        INTERNAL,
        Counter,
        &[],
        "split mode: internal messages handled",
    ),
    m(
        KEY_HELD,
        Gauge,
        &["partition"],
        "split mode: observations a key side holds until every task has passed them",
    ),
    m(
        INTERNAL_CORRUPT,
        Counter,
        &[],
        "split mode: internal messages that could not be decoded",
    ),
    m(
        UNOWNED_WITH_LAG,
        Gauge,
        &[],
        "1 while the instance has owned no input partition for live.unowned_timeout and the group has lag",
    ),
    m(
        STALLED_PARTITIONS,
        Gauge,
        &[],
        "input partitions this instance does not own whose committed offset has not moved for live.unowned_timeout while they have lag: nobody consumes them",
    ),
];

/// Give every metric's help text to the installed recorder.
pub fn describe() {
    for m in ALL {
        match m.kind {
            Counter => ::metrics::describe_counter!(m.name, m.help),
            Gauge => ::metrics::describe_gauge!(m.name, m.help),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deploy_readme_lists_every_metric_with_its_help() {
        let readme = include_str!("../../../deploy/README.md");
        for m in ALL {
            let row = readme
                .lines()
                .find(|l| l.starts_with(&format!("| `{}", m.name)))
                .unwrap_or_else(|| panic!("deploy/README.md has no row for {}", m.name));
            let labels = if m.labels.is_empty() {
                String::new()
            } else {
                format!("{{{}}}", m.labels.join(","))
            };
            let want = format!(
                "| `{}{labels}` | {} | {} |",
                m.name,
                m.kind.as_str(),
                m.help
            );
            assert_eq!(row, want, "deploy/README.md's row of {}", m.name);
        }
        let rows = readme
            .lines()
            .filter(|l| l.starts_with("| `distillguard_live_"))
            .count();
        assert_eq!(
            rows,
            ALL.len(),
            "deploy/README.md lists a metric the code does not"
        );
    }

    #[test]
    fn names_are_unique_and_counters_end_in_total() {
        let mut names: Vec<&str> = ALL.iter().map(|m| m.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for m in ALL {
            assert_eq!(m.kind == Counter, m.name.ends_with("_total"), "{}", m.name);
        }
    }
}
