//! Turning engine outputs and rejects into produced records.
//!
//! Verdicts are keyed by account_id, campaign records by campaign_id, key-stage messages go to
//! the partition of their route hash and evidence to the partition of the account's task;
//! rejected records keep their raw value and carry their origin in headers.

use crate::engine::Outputs;
use crate::error::KafkaError;
use crate::metric;
use crate::repartition::{key_partition, Ack, PACK};
use crate::sink::{Out, Sink};
use crate::summary::Summary;
use crate::wire::{encode_back, encode_key};
use distillguard_types::corr::{Evidence, ToKeys};
use distillguard_types::RejectReason;
use rdkafka::message::{Header, OwnedHeaders};

/// Buffers of the split-mode emitters, kept per thread and reused from call to call (an emit
/// happens per step and per evidence message, tens of thousands of times a second).
#[derive(Default)]
struct Scratch {
    /// The encoded message.
    buf: Vec<u8>,
    /// Per message of the step, its number.
    numbered: Vec<u64>,
    /// Per key partition, the indices of its messages.
    lists: Vec<Vec<usize>>,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::default();
}

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

#[cfg(test)]
impl Topics {
    /// Topic names for tests, split mode with `parts` partitions on the internal topics.
    pub(crate) fn for_tests(parts: i32) -> Topics {
        Topics {
            input: "in".into(),
            verdicts: "verdicts".into(),
            campaigns: "campaigns".into(),
            dead_letter: "dead".into(),
            observations: Some(("obs".into(), parts)),
            evidence: Some("evi".into()),
        }
    }
}

/// Produce everything in `out` (then clear it), counting into `summary`; observations are
/// numbered from `obs_seq` (the sending task's counter). Split mode, `tick`: the task advanced
/// to this watermark; every key partition gets it after the step's messages (on the last
/// envelope for that partition, or alone).
pub fn outputs(
    sink: &Sink,
    topics: &Topics,
    source_partition: i32,
    obs_seq: &mut u64,
    out: &mut Outputs,
    tick: Option<i64>,
    summary: &mut Summary,
) -> Result<(), KafkaError> {
    for (origin, reason) in out.refused.drain(..) {
        let fields = DeadLetterBody::KeptFields(origin.kept_fields.as_bytes());
        let (p, off) = (origin.source as i32, origin.position as i64);
        reject(sink, topics, reason, p, off, None, fields, summary)?;
    }
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
        metrics::counter!(metric::VERDICTS, "action" => v.action.as_str()).increment(1);
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
        metrics::counter!(metric::CAMPAIGNS).increment(1);
    }
    if let Some((topic, parts)) = &topics.observations {
        if out.to_keys.is_empty() && tick.is_none() {
            return Ok(());
        }
        let mut scratch = SCRATCH.take();
        let Scratch {
            buf,
            numbered,
            lists,
        } = &mut scratch;
        // per key partition, its messages in emit order (by index), each with its number
        numbered.clear();
        lists.iter_mut().for_each(Vec::clear);
        lists.resize_with(*parts as usize, Vec::new);
        for (i, msg) in out.to_keys.iter().enumerate() {
            numbered.push(if matches!(msg, ToKeys::Observe(_)) {
                *obs_seq += 1;
                *obs_seq
            } else {
                0
            });
            lists[key_partition(msg, *parts) as usize].push(i);
        }
        let key = source_partition.to_be_bytes();
        let mut sent = Ok(());
        'send: for (partition, list) in lists.iter().enumerate() {
            // up to PACK messages an envelope; the tick on the last one, or alone
            let chunks = list.len().div_ceil(PACK).max(usize::from(tick.is_some()));
            for c in 0..chunks {
                let idx = &list[(c * PACK).min(list.len())..((c + 1) * PACK).min(list.len())];
                let last = c + 1 == chunks;
                let msgs = (&out.to_keys[..], &numbered[..], idx);
                encode_key(source_partition, tick.filter(|_| last), msgs, buf);
                summary.observations += idx.len() as u64;
                summary.internal_bytes += buf.len() as u64;
                sent = sink.send(Out {
                    topic,
                    partition: Some(partition as i32),
                    key: &key,
                    payload: Some(buf),
                    headers: None,
                });
                if sent.is_err() {
                    break 'send;
                }
            }
        }
        SCRATCH.set(scratch);
        out.to_keys.clear();
        sent?;
    } else {
        out.to_keys.clear();
    }
    Ok(())
}

/// Produce key partition `from`'s evidence to the evidence topic's partition `dst` (the
/// account's task), numbered from `evi_seq`, then `ack` (on the last message, or alone).
pub fn evidence(
    sink: &Sink,
    topics: &Topics,
    (from, dst): (i32, i32),
    evi_seq: &mut u64,
    evs: &mut Vec<Evidence>,
    ack: Option<Ack>,
    summary: &mut Summary,
) -> Result<(), KafkaError> {
    let Some(topic) = &topics.evidence else {
        evs.clear();
        return Ok(());
    };
    let mut scratch = SCRATCH.take();
    let buf = &mut scratch.buf;
    let key = from.to_be_bytes();
    let mut sent = Ok(());
    // up to PACK items a message; the ack on the last one, or alone
    let chunks = evs.len().div_ceil(PACK).max(usize::from(ack.is_some()));
    for c in 0..chunks {
        let items = &evs[(c * PACK).min(evs.len())..((c + 1) * PACK).min(evs.len())];
        let last = c + 1 == chunks;
        encode_back(from, ack.filter(|_| last), *evi_seq + 1, items, buf);
        *evi_seq += items.len() as u64;
        summary.evidence += items.len() as u64;
        summary.internal_bytes += buf.len() as u64;
        sent = sink.send(Out {
            topic,
            partition: Some(dst),
            key: &key,
            payload: Some(buf),
            headers: None,
        });
        if sent.is_err() {
            break;
        }
    }
    SCRATCH.set(scratch);
    evs.clear();
    sent
}

/// Bytes of a rejected value a dead letter carries at most. The producer refuses a message over
/// its `message.max.bytes` (at least 1,000,000 here, key and headers included), and a refused
/// dead letter used to stop the instance and lose the record: a longer value is cut to this
/// many bytes and the dead letter says so (headers `truncated: true`, `original_bytes: N`).
pub const DEAD_LETTER_MAX_BYTES: usize = 900_000;

/// Bytes of a rejected record's key a dead letter carries at most (headers
/// `key_truncated: true`, `original_key_bytes: N` when cut).
pub const DEAD_LETTER_MAX_KEY_BYTES: usize = 16 * 1024;

/// What a dead letter carries (its `payload` header names which).
#[derive(Debug, Clone, Copy)]
pub enum DeadLetterBody<'a> {
    /// A malformed record: its value as consumed (`payload: raw`).
    Raw(Option<&'a [u8]>),
    /// A well-formed record the engine refused: its kept contract fields as a JSON object,
    /// never prompt text (`payload: kept_fields`).
    KeptFields(&'a [u8]),
}

/// Count a reject and, unless it is a duplicate, write it to the dead-letter topic (cut to
/// [`DEAD_LETTER_MAX_BYTES`] / [`DEAD_LETTER_MAX_KEY_BYTES`], with headers saying so).
#[allow(clippy::too_many_arguments)]
pub fn reject(
    sink: &Sink,
    topics: &Topics,
    reason: RejectReason,
    partition: i32,
    offset: i64,
    key: Option<&[u8]>,
    body: DeadLetterBody<'_>,
    summary: &mut Summary,
) -> Result<(), KafkaError> {
    summary.rejects.add(reason);
    metrics::counter!(metric::REJECTS, "reason" => reason.as_str()).increment(1);
    if reason == RejectReason::Duplicate {
        return Ok(());
    }
    let part = partition.to_string();
    let off = offset.to_string();
    let (raw, kind) = match body {
        DeadLetterBody::Raw(raw) => (raw.unwrap_or(&[]), "raw"),
        DeadLetterBody::KeptFields(fields) => (fields, "kept_fields"),
    };
    let key = key.unwrap_or(&[]);
    let (raw_len, key_len) = (raw.len().to_string(), key.len().to_string());
    let mut headers = OwnedHeaders::new()
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
        })
        .insert(Header {
            key: "payload",
            value: Some(kind),
        });
    if raw.len() > DEAD_LETTER_MAX_BYTES {
        headers = headers
            .insert(Header {
                key: "truncated",
                value: Some("true"),
            })
            .insert(Header {
                key: "original_bytes",
                value: Some(raw_len.as_str()),
            });
    }
    if key.len() > DEAD_LETTER_MAX_KEY_BYTES {
        headers = headers
            .insert(Header {
                key: "key_truncated",
                value: Some("true"),
            })
            .insert(Header {
                key: "original_key_bytes",
                value: Some(key_len.as_str()),
            });
    }
    sink.send(Out {
        topic: &topics.dead_letter,
        partition: None,
        key: &key[..key.len().min(DEAD_LETTER_MAX_KEY_BYTES)],
        payload: Some(&raw[..raw.len().min(DEAD_LETTER_MAX_BYTES)]),
        headers: Some(headers),
    })?;
    summary.dead_letters += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repartition::{EvidenceEnvelope, KeyEnvelope};
    use crate::wire::{decode_back, decode_key};
    use distillguard_types::corr::{CorrKey, KeyKind, Observation};
    use rdkafka::mocking::MockCluster;
    use rdkafka::producer::DefaultProducerContext;
    use std::time::Duration;

    const PARTS: i32 = 3;

    fn topics() -> Topics {
        Topics::for_tests(PARTS)
    }

    fn mock(names: &[&str]) -> (MockCluster<'static, DefaultProducerContext>, String, Sink) {
        crate::testkit::mock(names, PARTS)
    }

    fn read_all(brokers: &str, topic: &str) -> Vec<Vec<Vec<u8>>> {
        crate::testkit::read_all(brokers, topic, PARTS)
    }

    fn observe(hash: u64, partition: i32) -> ToKeys {
        // a hash routed to `partition`
        let key = (hash..)
            .map(|h| CorrKey {
                kind: KeyKind::Ip,
                hash: h,
            })
            .find(|k| (k.route_hash() % PARTS as u64) as i32 == partition)
            .unwrap();
        ToKeys::Observe(Observation {
            key,
            account: format!("acct-{hash}").into(),
            ts_ms: 1_000 + hash as i64,
            fresh: false,
            extraction: 0,
            org: None,
            activity: 1,
            label: None,
        })
    }

    #[test]
    fn a_tick_rides_on_the_last_envelope_of_every_key_partition() {
        let (_cluster, brokers, sink) = mock(&["obs", "evi", "verdicts", "campaigns"]);
        let (topics, mut summary, mut seq) = (topics(), Summary::default(), 0);
        // a step: three observations for partition 0, one for 2, none for 1; then the tick
        let mut out = Outputs {
            to_keys: vec![observe(1, 0), observe(2, 2), observe(3, 0), observe(4, 0)],
            ..Outputs::default()
        };
        outputs(
            &sink,
            &topics,
            1,
            &mut seq,
            &mut out,
            Some(77),
            &mut summary,
        )
        .unwrap();
        // a step with no tick (campaign flush): only the partitions with messages
        out.to_keys = vec![observe(5, 2)];
        outputs(&sink, &topics, 1, &mut seq, &mut out, None, &mut summary).unwrap();
        sink.flush_blocking(Duration::from_secs(10)).unwrap();
        assert_eq!((seq, summary.observations), (5, 5));
        let got: Vec<Vec<KeyEnvelope>> = read_all(&brokers, "obs")
            .iter()
            .map(|p| p.iter().map(|b| decode_key(b).unwrap()).collect())
            .collect();
        let seqs = |e: &KeyEnvelope| e.msgs.iter().map(|m| m.0).collect::<Vec<_>>();
        assert_eq!(got[0].len(), 1);
        assert_eq!(
            (seqs(&got[0][0]), got[0][0].tick),
            (vec![1, 3, 4], Some(77))
        );
        assert_eq!(
            got[1].len(),
            1,
            "a partition without messages gets the tick alone"
        );
        assert_eq!((seqs(&got[1][0]), got[1][0].tick), (vec![], Some(77)));
        assert_eq!(got[2].len(), 2);
        assert_eq!((seqs(&got[2][0]), got[2][0].tick), (vec![2], Some(77)));
        assert_eq!((seqs(&got[2][1]), got[2][1].tick), (vec![5], None));
        assert!(got.iter().flatten().all(|e| e.src == 1));
    }

    #[test]
    fn a_full_partition_is_split_into_packs_with_the_tick_on_the_last() {
        let (_cluster, brokers, sink) = mock(&["obs"]);
        let (topics, mut summary, mut seq) = (topics(), Summary::default(), 10);
        let n = 2 * PACK as u64 + 1;
        let mut out = Outputs {
            to_keys: (0..n).map(|i| observe(i * 7, 1)).collect(),
            ..Outputs::default()
        };
        outputs(&sink, &topics, 2, &mut seq, &mut out, Some(5), &mut summary).unwrap();
        sink.flush_blocking(Duration::from_secs(10)).unwrap();
        assert!(out.to_keys.is_empty());
        let got: Vec<Vec<KeyEnvelope>> = read_all(&brokers, "obs")
            .iter()
            .map(|p| p.iter().map(|b| decode_key(b).unwrap()).collect())
            .collect();
        let shape: Vec<(usize, Option<i64>)> =
            got[1].iter().map(|e| (e.msgs.len(), e.tick)).collect();
        assert_eq!(shape, [(PACK, None), (PACK, None), (1, Some(5))]);
        let numbers: Vec<u64> = got[1]
            .iter()
            .flat_map(|e| e.msgs.iter().map(|m| m.0))
            .collect();
        assert_eq!(numbers, (11..=10 + n).collect::<Vec<_>>());
        // the other partitions get the tick alone
        for p in [0, 2] {
            let shape: Vec<(usize, Option<i64>)> =
                got[p].iter().map(|e| (e.msgs.len(), e.tick)).collect();
            assert_eq!(shape, [(0, Some(5))]);
        }
        assert_eq!((seq, summary.observations), (10 + n, n));
        assert!(summary.internal_bytes > 0);
    }

    #[test]
    fn an_ack_follows_the_evidence_on_its_last_message() {
        let (_cluster, brokers, sink) = mock(&["evi"]);
        let (topics, mut summary, mut seq) = (topics(), Summary::default(), 0);
        let ev = |i: u64| Evidence {
            account: format!("acct-{i}").into(),
            key: CorrKey {
                kind: KeyKind::Template,
                hash: i,
            },
            ts_ms: i as i64,
            strength: 0.5,
            group_extraction: 0,
            suspect_members: 1,
            members: 2,
            sync: 0.0,
            label: None,
        };
        let ack = Ack { wm: 9, slowest: 4 };
        // more than one pack of evidence, then the ack: it rides on the last pack only
        let mut evs: Vec<Evidence> = (0..PACK as u64 + 3).map(ev).collect();
        let mut send = |evs: &mut Vec<Evidence>, ack| {
            evidence(&sink, &topics, (2, 0), &mut seq, evs, ack, &mut summary).unwrap()
        };
        send(&mut evs, Some(ack));
        // no evidence, an ack: sent alone; no evidence, no ack: nothing
        send(&mut evs, Some(ack));
        send(&mut evs, None);
        sink.flush_blocking(Duration::from_secs(10)).unwrap();
        let got: Vec<EvidenceEnvelope> = read_all(&brokers, "evi")[0]
            .iter()
            .map(|b| decode_back(b).unwrap())
            .collect();
        let shape: Vec<(usize, Option<Ack>)> = got.iter().map(|b| (b.items.len(), b.ack)).collect();
        assert_eq!(shape, [(PACK, None), (3, Some(ack)), (0, Some(ack))]);
        let numbers: Vec<u64> = got
            .iter()
            .flat_map(|b| b.items.iter().map(|i| i.0))
            .collect();
        assert_eq!(numbers, (1..=PACK as u64 + 3).collect::<Vec<_>>());
        assert_eq!(summary.evidence, PACK as u64 + 3);
        assert!(got.iter().all(|b| b.from == 2));
    }

    /// A value over the producer's message limit is dead-lettered cut, with headers saying so,
    /// instead of failing the send (which stopped the instance and lost the record).
    #[test]
    fn oversized_rejects_are_dead_lettered_cut() {
        let (_cluster, brokers, sink) = mock(&["dead"]);
        let topics = topics();
        let mut summary = Summary::default();
        let big = vec![b'{'; 2 << 20];
        let long_key = vec![b'k'; DEAD_LETTER_MAX_KEY_BYTES + 1];
        reject(
            &sink,
            &topics,
            RejectReason::TooLarge,
            0,
            41,
            Some(&long_key),
            DeadLetterBody::Raw(Some(&big)),
            &mut summary,
        )
        .unwrap();
        reject(
            &sink,
            &topics,
            RejectReason::BadJson,
            0,
            42,
            None,
            DeadLetterBody::Raw(Some(b"{x")),
            &mut summary,
        )
        .unwrap();
        sink.flush_blocking(Duration::from_secs(10)).unwrap();
        let mut got: Vec<_> = crate::testkit::read_messages(&brokers, "dead", PARTS)
            .into_iter()
            .flatten()
            .collect();
        let header = |m: &crate::testkit::Read, k: &str| {
            m.headers
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        got.sort_by_key(|m| header(m, "source_offset"));
        assert_eq!(summary.dead_letters, 2);
        assert_eq!(got.len(), 2);
        let (cut, whole) = (&got[0], &got[1]);
        assert_eq!(header(cut, "source_offset").as_deref(), Some("41"));
        assert_eq!(cut.payload.len(), DEAD_LETTER_MAX_BYTES);
        assert_eq!(cut.key.len(), DEAD_LETTER_MAX_KEY_BYTES);
        assert_eq!(header(cut, "truncated").as_deref(), Some("true"));
        assert_eq!(header(cut, "original_bytes"), Some((2 << 20).to_string()));
        assert_eq!(header(cut, "key_truncated").as_deref(), Some("true"));
        assert_eq!(header(cut, "reason").as_deref(), Some("too_large"));
        assert_eq!(whole.payload, b"{x");
        assert_eq!(header(whole, "truncated"), None);
    }
}
