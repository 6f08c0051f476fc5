//! Kafka helpers for tests: produce, read a topic to its end, committed offsets.

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// A record read back.
#[derive(Debug, Clone)]
pub struct Rec {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: BTreeMap<String, String>,
}

/// Produce (partition, key, value) records and wait for them.
pub fn produce(brokers: &str, topic: &str, recs: &[(i32, String, Vec<u8>)]) {
    produce_with(brokers, topic, recs, &[]);
}

/// [`produce`] with extra producer settings (e.g. `compression.type`: the mock cluster keeps at
/// most 5 MiB per partition and drops older batches beyond that).
pub fn produce_with(
    brokers: &str,
    topic: &str,
    recs: &[(i32, String, Vec<u8>)],
    settings: &[(&str, &str)],
) {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", brokers).set("linger.ms", "5");
    for (k, v) in settings {
        cfg.set(*k, *v);
    }
    let p: ThreadedProducer<DefaultProducerContext> = cfg.create().expect("producer");
    for (part, k, v) in recs {
        send(&p, topic, *part, k, v);
    }
    p.flush(Duration::from_secs(30)).expect("flush");
}

/// Queue one record, waiting while the producer's queue is full.
pub fn send(
    p: &ThreadedProducer<DefaultProducerContext>,
    topic: &str,
    part: i32,
    key: &str,
    value: &[u8],
) {
    let mut r = BaseRecord::to(topic)
        .partition(part)
        .key(key)
        .payload(value);
    while let Err((_, back)) = p.send(r) {
        r = back;
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn reader(brokers: &str) -> BaseConsumer {
    ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "test-reader")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "true")
        .create()
        .expect("reader")
}

/// Partition count of a topic (0 when missing).
pub fn partitions(brokers: &str, topic: &str) -> i32 {
    let c = reader(brokers);
    let md = c
        .fetch_metadata(Some(topic), Duration::from_secs(10))
        .expect("metadata");
    md.topics()
        .iter()
        .find(|t| t.name() == topic)
        .map_or(0, |t| t.partitions().len() as i32)
}

/// Read every partition of `topic` from the start to its current end.
pub fn read_all(brokers: &str, topic: &str) -> Vec<Rec> {
    let c = reader(brokers);
    let n = partitions(brokers, topic);
    let mut tpl = TopicPartitionList::new();
    let mut pending = std::collections::HashSet::new();
    for p in 0..n {
        let (lo, hi) = c
            .fetch_watermarks(topic, p, Duration::from_secs(10))
            .expect("watermarks");
        if hi > lo {
            tpl.add_partition_offset(topic, p, Offset::Beginning)
                .unwrap();
            pending.insert(p);
        }
    }
    let mut out = Vec::new();
    if pending.is_empty() {
        return out;
    }
    c.assign(&tpl).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pending.is_empty() && Instant::now() < deadline {
        match c.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                let mut headers = BTreeMap::new();
                if let Some(h) = m.headers() {
                    for i in 0..h.count() {
                        let hd = h.get(i);
                        headers.insert(
                            hd.key.to_string(),
                            String::from_utf8_lossy(hd.value.unwrap_or(&[])).into_owned(),
                        );
                    }
                }
                out.push(Rec {
                    partition: m.partition(),
                    offset: m.offset(),
                    key: m.key().map(|k| k.to_vec()),
                    value: m.payload().map(|v| v.to_vec()),
                    headers,
                });
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                pending.remove(&p);
            }
            _ => {}
        }
    }
    assert!(pending.is_empty(), "{topic} not read to its end");
    out
}

/// High watermark of each partition.
pub fn high_watermarks(brokers: &str, topic: &str) -> BTreeMap<i32, i64> {
    let c = reader(brokers);
    (0..partitions(brokers, topic))
        .map(|p| {
            (
                p,
                c.fetch_watermarks(topic, p, Duration::from_secs(10))
                    .unwrap()
                    .1,
            )
        })
        .collect()
}

/// Offsets committed by `group` on `topic` (partitions without a commit are absent).
pub fn committed(brokers: &str, group: &str, topic: &str) -> BTreeMap<i32, i64> {
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions(brokers, topic) {
        tpl.add_partition(topic, p);
    }
    let got = c
        .committed_offsets(tpl, Duration::from_secs(10))
        .expect("committed");
    got.elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) => Some((e.partition(), o)),
            _ => None,
        })
        .collect()
}

/// Create topics with the admin API (real brokers); existing topics are fine.
pub fn create_topics(brokers: &str, topics: &[(&str, i32, bool)]) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    use rdkafka::client::DefaultClientContext;
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .expect("admin");
    let new: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|(name, parts, compact)| {
            let t = NewTopic::new(name, *parts, TopicReplication::Fixed(1));
            if *compact {
                t.set("cleanup.policy", "compact")
            } else {
                t
            }
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(20)));
    let res = rt
        .block_on(admin.create_topics(new.iter(), &opts))
        .expect("create topics");
    for r in res {
        match r {
            Ok(_) | Err((_, rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((t, e)) => panic!("create topic {t}: {e}"),
        }
    }
}

/// A one-broker mock cluster holding the default topics of a per-partition (not split) live
/// run, one partition each: input, outputs and checkpoints.
pub fn single_partition_cluster() -> rdkafka::mocking::MockCluster<'static, DefaultProducerContext>
{
    let cluster = rdkafka::mocking::MockCluster::new(1).expect("mock cluster");
    for t in [
        "request-log",
        "distillguard-verdicts",
        "distillguard-campaigns",
        "distillguard-dead-letter",
        "distillguard-checkpoints",
    ] {
        cluster.create_topic(t, 1, 1).expect("mock topic");
    }
    cluster
}
