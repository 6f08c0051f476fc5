//! Creating the output and internal topics at start (best effort: a broker that refuses topic
//! creation, or topics created by an operator beforehand, are both fine).
//!
//! The checkpoint topic is compacted; the evidence topic gets the input's partition count.

use crate::clients;
use crate::config::LiveConfig;
use crate::error::KafkaError;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::RDKafkaErrorCode;
use std::time::Duration;

/// Partition count of `topic`, if it exists.
pub fn partition_count(
    admin: &AdminClient<DefaultClientContext>,
    topic: &str,
    timeout: Duration,
) -> Result<Option<i32>, KafkaError> {
    let md = admin
        .inner()
        .fetch_metadata(Some(topic), timeout)
        .map_err(KafkaError::client("metadata"))?;
    Ok(md
        .topics()
        .iter()
        .find(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty())
        .map(|t| t.partitions().len() as i32))
}

/// Create missing topics; returns the input topic's partition count (1 when unknown).
pub async fn ensure(live: &LiveConfig) -> Result<i32, KafkaError> {
    let admin: AdminClient<DefaultClientContext> = clients::admin(live)
        .create()
        .map_err(KafkaError::client("create admin client"))?;
    let timeout = Duration::from_secs(10);
    let input = partition_count(&admin, &live.input_topic, timeout)?.unwrap_or_else(|| {
        tracing::warn!(topic = %live.input_topic, "input topic not found; assuming 1 partition");
        1
    });
    if !live.create_topics {
        return Ok(input);
    }
    let rf = || TopicReplication::Fixed(live.replication_factor);
    let ckpt = live.checkpoint_topic();
    let max_bytes = (live.checkpoint_chunk_bytes + 64 * 1024)
        .max(1_000_000)
        .to_string();
    let mut wanted = vec![
        NewTopic::new(&live.verdict_topic, input, rf()),
        NewTopic::new(&live.campaign_topic, input, rf()),
        NewTopic::new(&live.dead_letter_topic, input, rf()),
        NewTopic::new(&ckpt, input, rf())
            .set("cleanup.policy", "compact")
            .set("max.message.bytes", &max_bytes),
    ];
    let (obs, evi) = (live.observation_topic(), live.evidence_topic());
    if live.repartition {
        wanted.push(NewTopic::new(&obs, input, rf()));
        wanted.push(NewTopic::new(&evi, input, rf()));
    }
    let opts = AdminOptions::new()
        .operation_timeout(Some(timeout))
        .request_timeout(Some(timeout));
    match admin.create_topics(wanted.iter(), &opts).await {
        Ok(results) => {
            for r in results {
                match r {
                    Ok(t) => tracing::info!(topic = %t, "created topic"),
                    Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                    Err((t, e)) => tracing::warn!(topic = %t, error = %e, "could not create topic"),
                }
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "topic creation not available; expecting topics to exist")
        }
    }
    Ok(input)
}
