//! librdkafka client configurations: the transport's own settings, then `[live.kafka]` verbatim.
//!
//! Settings that at-least-once delivery depends on (manual offset commit, eager classic
//! rebalances) are refused in `[live.kafka]` by [`LiveConfig::validate`]; everything else a
//! user sets there overrides the defaults below.

use crate::config::LiveConfig;
use rdkafka::config::ClientConfig;

/// How soon a consumer whose prefetch buffer was full fetches again (librdkafka's default is
/// 1000 ms).
const FETCH_QUEUE_BACKOFF_MS: &str = "20";

/// Settings common to every client, then the user's table.
fn base(live: &LiveConfig, defaults: &[(&str, String)]) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", &live.brokers);
    for (k, v) in defaults {
        c.set(*k, v);
    }
    for (k, v) in &live.kafka {
        c.set(k, v);
    }
    c
}

/// The input consumer (group member, manual commits, statistics for lag metrics).
pub fn consumer(live: &LiveConfig) -> ClientConfig {
    let mut c = base(
        live,
        &[
            ("auto.offset.reset", "earliest".into()),
            ("statistics.interval.ms", "5000".into()),
            // bound librdkafka's prefetch buffer so a fast topic cannot fill memory
            ("queued.max.messages.kbytes", "65536".into()),
            // once that buffer is full, look again soon: at the default (1 s) a consumer that is
            // behind drains the buffer and then sits idle until the backoff ends
            ("fetch.queue.backoff.ms", FETCH_QUEUE_BACKOFF_MS.into()),
            // a resumed partition should not wait the default 500 ms for its next fetch
            ("fetch.wait.max.ms", "50".into()),
        ],
    );
    c.set("group.id", &live.group_id);
    c.set("enable.auto.commit", "false");
    c.set("enable.auto.offset.store", "false");
    c.set("group.protocol", "classic");
    c
}

/// The output producer (verdicts, campaigns, dead letters, checkpoints, observations).
pub fn producer(live: &LiveConfig) -> ClientConfig {
    let max_msg = (live.checkpoint_chunk_bytes + 64 * 1024).max(1_000_000);
    base(
        live,
        &[
            ("acks", "all".into()),
            ("enable.idempotence", "true".into()),
            ("linger.ms", "5".into()),
            ("message.max.bytes", max_msg.to_string()),
        ],
    )
}

/// A group-less reader (checkpoint restore, evidence partitions), stopping at partition ends.
pub fn reader(live: &LiveConfig) -> ClientConfig {
    let mut c = base(
        live,
        &[
            ("auto.offset.reset", "earliest".into()),
            ("fetch.queue.backoff.ms", FETCH_QUEUE_BACKOFF_MS.into()),
        ],
    );
    c.set("group.id", format!("{}-reader", live.group_id));
    c.set("enable.auto.commit", "false");
    c.set("enable.auto.offset.store", "false");
    c.set("enable.partition.eof", "true");
    c
}

/// The split-mode reader of the internal topics (observations, evidence): assigned by hand to
/// the partitions of the tasks this instance owns, positioned from their checkpoints; never
/// commits (the offsets live in the checkpoints).
pub fn internal(live: &LiveConfig) -> ClientConfig {
    let mut c = base(
        live,
        &[
            ("auto.offset.reset", "earliest".into()),
            ("queued.max.messages.kbytes", "65536".into()),
            ("fetch.queue.backoff.ms", FETCH_QUEUE_BACKOFF_MS.into()),
            // ticks and acks make round trips: do not wait for a fuller fetch
            ("fetch.wait.max.ms", "5".into()),
        ],
    );
    c.set("group.id", format!("{}-internal", live.group_id));
    c.set("enable.auto.commit", "false");
    c.set("enable.auto.offset.store", "false");
    c
}

/// The admin client (topic creation).
pub fn admin(live: &LiveConfig) -> ClientConfig {
    base(live, &[])
}
