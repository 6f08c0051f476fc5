//! Turning engine outputs and rejects into produced records.
//!
//! Verdicts are keyed by account_id, campaign records by campaign_id, observations go to the
//! partition of their key's route hash; rejected records keep their raw value and carry their
//! origin in headers.

use crate::engine::Outputs;
use crate::error::KafkaError;
use crate::repartition::ObservationEnvelope;
use crate::sink::{Out, Sink};
use crate::summary::Summary;
use distillguard_types::RejectReason;
use rdkafka::message::{Header, OwnedHeaders};

/// Topic names the emitter writes to.
#[derive(Debug, Clone)]
pub struct Topics {
    /// Input (for dead-letter headers).
    pub input: String,
    /// Verdicts.
    pub verdicts: String,
    /// Campaigns.
    pub campaigns: String,
    /// Dead letters.
    pub dead_letter: String,
    /// Observations and their partition count (split mode).
    pub observations: Option<(String, i32)>,
}

/// Produce everything in `out` (then clear it), counting into `summary`.
pub fn outputs(
    sink: &Sink,
    topics: &Topics,
    source_partition: i32,
    out: &mut Outputs,
    summary: &mut Summary,
) -> Result<(), KafkaError> {
    for v in out.verdicts.drain(..) {
        let payload = serde_json::to_vec(&v).expect("verdict serializes");
        sink.send(Out {
            topic: &topics.verdicts,
            partition: None,
            key: v.account_id.as_bytes(),
            payload: Some(&payload),
            headers: None,
        })?;
        summary.verdicts += 1;
        metrics::counter!("distillguard_live_verdicts_total", "action" => v.action.as_str())
            .increment(1);
    }
    for c in out.campaigns.drain(..) {
        let payload = serde_json::to_vec(&c).expect("campaign serializes");
        sink.send(Out {
            topic: &topics.campaigns,
            partition: None,
            key: c.campaign_id.as_bytes(),
            payload: Some(&payload),
            headers: None,
        })?;
        summary.campaigns += 1;
        metrics::counter!("distillguard_live_campaigns_total").increment(1);
    }
    if let Some((topic, parts)) = &topics.observations {
        for o in out.observations.drain(..) {
            let partition = crate::repartition::key_partition(&o.key, *parts);
            let env = ObservationEnvelope {
                src: source_partition,
                obs: o,
            };
            let payload = serde_json::to_vec(&env).expect("observation serializes");
            let key = env.obs.key.display();
            sink.send(Out {
                topic,
                partition: Some(partition),
                key: key.as_bytes(),
                payload: Some(&payload),
                headers: None,
            })?;
            summary.observations += 1;
        }
    } else {
        out.observations.clear();
    }
    Ok(())
}

/// Count a reject and, unless it is a duplicate, write the raw record to the dead-letter topic.
#[allow(clippy::too_many_arguments)]
pub fn reject(
    sink: &Sink,
    topics: &Topics,
    reason: RejectReason,
    partition: i32,
    offset: i64,
    key: Option<&[u8]>,
    raw: Option<&[u8]>,
    summary: &mut Summary,
) -> Result<(), KafkaError> {
    summary.rejects.add(reason);
    metrics::counter!("distillguard_live_rejects_total", "reason" => reason.as_str()).increment(1);
    if reason == RejectReason::Duplicate {
        return Ok(());
    }
    let part = partition.to_string();
    let off = offset.to_string();
    let headers = OwnedHeaders::new()
        .insert(Header {
            key: "reason",
            value: Some(reason.as_str()),
        })
        .insert(Header {
            key: "source_topic",
            value: Some(topics.input.as_str()),
        })
        .insert(Header {
            key: "source_partition",
            value: Some(part.as_str()),
        })
        .insert(Header {
            key: "source_offset",
            value: Some(off.as_str()),
        });
    sink.send(Out {
        topic: &topics.dead_letter,
        partition: None,
        key: key.unwrap_or(&[]),
        payload: Some(raw.unwrap_or(&[])),
        headers: Some(headers),
    })?;
    summary.dead_letters += 1;
    Ok(())
}
