//! Unit-test helpers over librdkafka's mock cluster: a cluster with topics and a sink producing
//! to it, and reading a topic back.

use crate::sink::Sink;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError as RdError;
use rdkafka::message::Message;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::{Offset, TopicPartitionList};
use std::time::Duration;

/// A mock cluster with `names` (`parts` partitions each), its bootstrap servers, and a sink
/// producing to it.
pub fn mock(
    names: &[&str],
    parts: i32,
) -> (MockCluster<'static, DefaultProducerContext>, String, Sink) {
    let cluster = MockCluster::new(1).unwrap();
    for t in names {
        cluster.create_topic(t, parts, 1).unwrap();
    }
    let brokers = cluster.bootstrap_servers();
    let sink = Sink::new(ClientConfig::new().set("bootstrap.servers", &brokers)).unwrap();
    (cluster, brokers, sink)
}

/// One message read back: key, value and headers (values as text).
#[derive(Debug, Clone)]
pub struct Read {
    /// The key (empty when none).
    pub key: Vec<u8>,
    /// The value (empty when none).
    pub payload: Vec<u8>,
    /// Headers, name and value as text.
    pub headers: Vec<(String, String)>,
}

/// Every message of `topic` (`parts` partitions), per partition, in order.
pub fn read_all(brokers: &str, topic: &str, parts: i32) -> Vec<Vec<Vec<u8>>> {
    read_messages(brokers, topic, parts)
        .into_iter()
        .map(|p| p.into_iter().map(|m| m.payload).collect())
        .collect()
}

/// [`read_all`] with keys and headers.
pub fn read_messages(brokers: &str, topic: &str, parts: i32) -> Vec<Vec<Read>> {
    use rdkafka::message::Headers;
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "unit-test")
        .set("enable.partition.eof", "true")
        .set("fetch.message.max.bytes", "4000000")
        .create()
        .unwrap();
    let mut tpl = TopicPartitionList::new();
    for p in 0..parts {
        tpl.add_partition_offset(topic, p, Offset::Beginning)
            .unwrap();
    }
    c.assign(&tpl).unwrap();
    let mut got = vec![Vec::new(); parts as usize];
    let mut eof = 0;
    while eof < parts {
        match c.poll(Duration::from_secs(10)) {
            Some(Ok(m)) => {
                let headers = m.headers().map_or_else(Vec::new, |h| {
                    h.iter()
                        .map(|h| {
                            let v = h.value.map(|v| String::from_utf8_lossy(v).into_owned());
                            (h.key.to_string(), v.unwrap_or_default())
                        })
                        .collect()
                });
                got[m.partition() as usize].push(Read {
                    key: m.key().unwrap_or_default().to_vec(),
                    payload: m.payload().unwrap_or_default().to_vec(),
                    headers,
                });
            }
            Some(Err(RdError::PartitionEOF(_))) => eof += 1,
            other => panic!("reading {topic}: {other:?}"),
        }
    }
    got
}
