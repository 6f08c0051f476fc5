//! Turning engine outputs and rejects into produced records.
//!
//! Verdicts are keyed by account_id, campaign records by campaign_id, key-stage messages go to
//! the partition of their route hash and evidence to the partition of the account's task;
//! rejected records keep their raw value and carry their origin in headers.

use crate::engine::Outputs;
use crate::error::KafkaError;
use crate::repartition::{encode, encode_into, key_partition, Back, KeyEnvelope, PACK};
use crate::sink::{Out, Sink};
use crate::summary::Summary;
use distillguard_types::corr::{Evidence, ToKeys};
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
    /// Split mode: the observation topic and its partition count (= the input's).
    pub observations: Option<(String, i32)>,
    /// Split mode: the evidence topic.
    pub evidence: Option<String>,
}

/// Produce everything in `out` (then clear it), counting into `summary`; observations are
/// numbered from `obs_seq` (the sending task's counter).
pub fn outputs(
    sink: &Sink,
    topics: &Topics,
    source_partition: i32,
    obs_seq: &mut u64,
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
        if out.to_keys.is_empty() {
            return Ok(());
        }
        // one envelope per key partition (per PACK messages), messages in emit order
        let mut packs: Vec<KeyEnvelope> = (0..*parts)
            .map(|_| KeyEnvelope {
                src: source_partition,
                msgs: Vec::new(),
                tick: None,
            })
            .collect();
        let mut buf = Vec::new();
        let key = source_partition.to_be_bytes();
        let mut send = |partition: usize, env: &mut KeyEnvelope| -> Result<(), KafkaError> {
            encode_into(env, &mut buf);
            summary.observations += env.msgs.len() as u64;
            env.msgs.clear();
            sink.send(Out {
                topic,
                partition: Some(partition as i32),
                key: &key,
                payload: Some(&buf),
                headers: None,
            })
        };
        for msg in out.to_keys.drain(..) {
            let partition = key_partition(&msg, *parts) as usize;
            let seq = if matches!(msg, ToKeys::Observe(_)) {
                *obs_seq += 1;
                *obs_seq
            } else {
                0
            };
            let env = &mut packs[partition];
            env.msgs.push((seq, msg));
            if env.msgs.len() >= PACK {
                send(partition, env)?;
            }
        }
        for (partition, env) in packs.iter_mut().enumerate() {
            if !env.msgs.is_empty() {
                send(partition, env)?;
            }
        }
    } else {
        out.to_keys.clear();
    }
    Ok(())
}

/// Produce key partition `from`'s evidence to the evidence topic's partition `dst` (the
/// account's task), keyed by account, numbered from `evi_seq`.
pub fn evidence(
    sink: &Sink,
    topics: &Topics,
    (from, dst): (i32, i32),
    evi_seq: &mut u64,
    evs: &mut Vec<Evidence>,
    summary: &mut Summary,
) -> Result<(), KafkaError> {
    let Some(topic) = &topics.evidence else {
        evs.clear();
        return Ok(());
    };
    let mut buf = Vec::new();
    let key = from.to_be_bytes();
    while !evs.is_empty() {
        let n = evs.len().min(PACK);
        let items = evs
            .drain(..n)
            .map(|ev| {
                *evi_seq += 1;
                (*evi_seq, ev)
            })
            .collect();
        encode_into(&Back::Evidence { from, items }, &mut buf);
        sink.send(Out {
            topic,
            partition: Some(dst),
            key: &key,
            payload: Some(&buf),
            headers: None,
        })?;
        summary.evidence += n as u64;
    }
    Ok(())
}

/// Split mode: after task `src` advanced to `wm`, a tick to every observation partition.
pub fn ticks(sink: &Sink, topics: &Topics, src: i32, wm: i64) -> Result<(), KafkaError> {
    let Some((topic, parts)) = &topics.observations else {
        return Ok(());
    };
    let payload = encode(&KeyEnvelope {
        src,
        msgs: Vec::new(),
        tick: Some(wm),
    });
    for q in 0..*parts {
        sink.send(Out {
            topic,
            partition: Some(q),
            key: b"tick",
            payload: Some(&payload),
            headers: None,
        })?;
    }
    Ok(())
}

/// Split mode: key partition `from` acknowledges task `dst`'s tick of `wm`, telling it where
/// the slowest task is.
pub fn ack(
    sink: &Sink,
    topics: &Topics,
    (from, dst): (i32, i32),
    wm: i64,
    slowest: i64,
) -> Result<(), KafkaError> {
    let Some(topic) = &topics.evidence else {
        return Ok(());
    };
    sink.send(Out {
        topic,
        partition: Some(dst),
        key: b"ack",
        payload: Some(&encode(&Back::Ack { from, wm, slowest })),
        headers: None,
    })
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
