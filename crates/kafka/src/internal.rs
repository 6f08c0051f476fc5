//! Split mode: messages of the internal topics (observations to the key sides, evidence and
//! acknowledgements back to the account sides), read in batches and handled per task.
//!
//! Each message belongs to the task of its partition, and a task's messages are handled in
//! partition order; different tasks share nothing, so the tasks of one batch are handled in
//! parallel on the rayon pool (the loop's mutex on the partition table is held meanwhile, and
//! each worker gets one task's state). Sends from different tasks interleave on the producer,
//! but each task's own sends keep their order, which is all the protocol relies on.

use crate::batch::Slots;
use crate::emit::{self, Topics};
use crate::engine::{Engine, Outputs};
use crate::error::KafkaError;
use crate::metric;
use crate::repartition::{ack_due, fresh, Ack, EvidenceEnvelope, KeyEnvelope};
use crate::sink::Sink;
use crate::summary::Summary;
use crate::table::PartState;
use crate::wire::{decode_back, decode_key};
use distillguard_types::corr::Evidence;
use rayon::prelude::*;
use rdkafka::message::{BorrowedMessage, Message};
use std::collections::BTreeMap;

/// One internal message, copied out of the consumer.
#[derive(Debug, Default)]
pub struct InternalMsg {
    /// Partition (= the task it is for).
    pub partition: i32,
    /// Offset in that partition.
    pub offset: i64,
    /// From the observation topic (else the evidence topic).
    pub obs: bool,
    payload: Vec<u8>,
}

/// Internal messages read together; the buffers are kept between batches.
pub type InternalBatch = Slots<InternalMsg>;

impl InternalBatch {
    /// Copy `msg` in; `obs_topic` names the observation topic.
    pub fn push(&mut self, msg: &BorrowedMessage<'_>, obs_topic: &str) {
        let slot = self.next_slot();
        slot.partition = msg.partition();
        slot.offset = msg.offset();
        slot.obs = msg.topic() == obs_topic;
        slot.payload.clear();
        slot.payload.extend_from_slice(msg.payload().unwrap_or(&[]));
    }

    /// The messages, in read order.
    pub fn msgs(&self) -> &[InternalMsg] {
        self.items()
    }
}

/// Handle a batch: each owned task's messages in order, tasks in parallel. Messages for
/// partitions this instance does not own are skipped. A key side applies observations once
/// every task has passed them, in event-time order ([`KeyHeld`](crate::repartition::KeyHeld)),
/// and acknowledges a task's tick once the slowest task has reached it ([`ack_due`]). Returns
/// whether some task's tick was completed (every key side answered it), with the counts to add
/// to the instance's summary.
pub fn handle_batch<E: Engine>(
    sink: &Sink,
    topics: &Topics,
    parts: &mut BTreeMap<i32, PartState<E>>,
    batch: &InternalBatch,
) -> Result<(bool, Summary), KafkaError> {
    let msgs = batch.msgs();
    let mut work: Vec<(i32, &mut PartState<E>)> = parts
        .iter_mut()
        .filter(|(p, _)| msgs.iter().any(|m| m.partition == **p))
        .map(|(&p, st)| (p, st))
        .collect();
    let task = |(p, st): &mut (i32, &mut PartState<E>)| -> Result<(bool, Summary), KafkaError> {
        let mut sum = Summary::default();
        let mut scratch = Scratch::default();
        let mut done = false;
        for m in msgs.iter().filter(|m| m.partition == *p) {
            done |= handle(sink, topics, *p, st, &mut scratch, m, &mut sum)?;
        }
        metrics::gauge!(metric::KEY_HELD, "partition" => p.to_string()).set(st.held.len() as f64);
        Ok((done, sum))
    };
    let results: Vec<Result<(bool, Summary), KafkaError>> = if work.len() > 1 {
        work.par_iter_mut().map(task).collect()
    } else {
        work.iter_mut().map(task).collect()
    };
    let mut total = (false, Summary::default());
    for r in results {
        let (done, sum) = r?;
        total.0 |= done;
        total.1.absorb(&sum);
    }
    Ok(total)
}

/// Buffers one task reuses from message to message.
#[derive(Default)]
struct Scratch {
    /// Order of the held messages due now (indices).
    order: Vec<u32>,
    /// Evidence of one applied message.
    evs: Vec<Evidence>,
    /// Evidence to send, per sending task.
    by_src: BTreeMap<i32, Vec<Evidence>>,
    /// Acknowledgements to send, per task.
    acks: BTreeMap<i32, Ack>,
    /// Outputs of the key side (campaign records).
    out: Outputs,
}

/// One message for task `p`: a key-stage message (observation topic: observations, campaign
/// moves, a tick) or evidence and an acknowledgement (evidence topic). Messages already
/// covered by the task's state are skipped; undecodable ones are counted and skipped. Returns
/// true when the message completed the task's tick.
fn handle<E: Engine>(
    sink: &Sink,
    topics: &Topics,
    p: i32,
    st: &mut PartState<E>,
    scratch: &mut Scratch,
    msg: &InternalMsg,
    summary: &mut Summary,
) -> Result<bool, KafkaError> {
    let off = msg.offset;
    let next = if msg.obs {
        &mut st.split.obs_next
    } else {
        &mut st.split.evi_next
    };
    if next.is_some_and(|n| off < n) {
        return Ok(false);
    }
    *next = Some(off + 1);
    st.since_checkpoint += 1;
    summary.internal += 1;
    let mut step_done = false;
    if msg.obs {
        match decode_key(&msg.payload) {
            Ok(env) => key_side(sink, topics, p, st, scratch, env, summary)?,
            Err(e) => corrupt(summary, topics, msg, &e.to_string()),
        }
    } else {
        match decode_back(&msg.payload) {
            Ok(EvidenceEnvelope { from, items, ack }) => {
                for (seq, ev) in items {
                    if fresh(&mut st.split.seen_evi, from, seq) {
                        st.engine.evidence(&ev);
                        st.rescore_due = true;
                    }
                }
                if let (Some(Ack { wm, slowest }), Some((sent, waiting))) = (ack, &mut st.tick) {
                    if wm >= *sent && waiting.remove(&from) {
                        st.slowest_pending = st.slowest_pending.min(slowest);
                    }
                    if waiting.is_empty() {
                        st.tick = None;
                        st.slowest = Some(st.slowest_pending);
                        st.slowest_pending = i64::MAX;
                        step_done = true;
                    }
                }
            }
            Err(e) => corrupt(summary, topics, msg, &e.to_string()),
        }
    }
    Ok(step_done)
}

/// Key side of task `p`: hold the envelope's new messages; on a tick, note the sender's
/// watermark; apply, in event-time order, what the slowest task has passed; answer each
/// sender with its evidence, then the acknowledgements now due.
fn key_side<E: Engine>(
    sink: &Sink,
    topics: &Topics,
    p: i32,
    st: &mut PartState<E>,
    scratch: &mut Scratch,
    env: KeyEnvelope,
    summary: &mut Summary,
) -> Result<(), KafkaError> {
    let parts = topics.observations.as_ref().map_or(1, |o| o.1);
    let before = st.split.slowest(parts);
    // something to apply: a message the slowest task has already passed (a campaign move
    // from a rescore), or a tick that moves the slowest task on
    let mut due = false;
    for (seq, m) in env.msgs {
        if fresh(&mut st.split.seen_obs, env.src, seq) {
            due |= before != i64::MIN && m.time_and_account().0 <= before;
            st.held.push(env.src, seq, m);
        }
    }
    let Scratch {
        order,
        evs,
        by_src,
        acks,
        out,
    } = scratch;
    let mut now = before;
    if let Some(wm) = env.tick {
        now = st.split.tick(env.src, wm, parts);
        due |= now > before && !st.held.is_empty();
        if ack_due(wm, now) {
            st.split.pending_acks.remove(&env.src);
            acks.insert(env.src, Ack { wm, slowest: now });
        } else {
            st.split.pending_acks.insert(env.src, wm);
        }
    }
    if due {
        let engine = &mut st.engine;
        st.held
            .apply_due(now, order, |h| -> Result<(), KafkaError> {
                engine.key_message(&h.msg, evs, out);
                if !evs.is_empty() {
                    by_src.entry(h.src).or_default().append(evs);
                }
                Ok(())
            })?;
    }
    if env.tick.is_some() {
        st.engine.key_clock(now);
        // the slowest task may have moved on: other tasks' held ticks now due
        st.split.pending_acks.retain(|&t, &mut wm| {
            let go = ack_due(wm, now);
            if go {
                acks.insert(t, Ack { wm, slowest: now });
            }
            !go
        });
    }
    // each sender's evidence, then its acknowledgement (on the last message, or alone)
    for (&src, items) in by_src.iter_mut() {
        let ack = acks.remove(&src);
        emit::evidence(
            sink,
            topics,
            (p, src),
            &mut st.split.evi_seq,
            items,
            ack,
            summary,
        )?;
    }
    for (src, ack) in std::mem::take(acks) {
        let none = &mut Vec::new();
        emit::evidence(
            sink,
            topics,
            (p, src),
            &mut st.split.evi_seq,
            none,
            Some(ack),
            summary,
        )?;
    }
    if !out.is_empty() {
        emit::outputs(sink, topics, p, &mut st.split.obs_seq, out, None, summary)?;
    }
    Ok(())
}

fn corrupt(summary: &mut Summary, topics: &Topics, msg: &InternalMsg, error: &str) {
    summary.internal_corrupt += 1;
    metrics::counter!(metric::INTERNAL_CORRUPT).increment(1);
    let topic = match (&topics.observations, &topics.evidence) {
        (Some((t, _)), _) if msg.obs => t.as_str(),
        (_, Some(t)) => t.as_str(),
        _ => "",
    };
    tracing::error!(
        topic,
        partition = msg.partition,
        offset = msg.offset,
        error,
        "undecodable internal message skipped"
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{mock, read_all};
    use crate::wire::encode_key;
    use distillguard_types::corr::{CorrKey, KeyKind, Observation, ToKeys};
    use distillguard_types::{Event, RejectReason};
    use std::time::{Duration, Instant};

    const PARTS: i32 = 2;

    /// A key side that records what it applies and answers every observation.
    #[derive(Default)]
    struct Recorder {
        applied: Vec<(String, i64)>,
    }

    impl Engine for Recorder {
        fn offer(
            &mut self,
            _: Event,
            _: impl FnOnce() -> distillguard_types::RecordOrigin,
        ) -> Result<(), RejectReason> {
            Ok(())
        }
        fn advance_to(&mut self, _: i64, _: &mut Outputs) {}
        fn max_event_ms(&self) -> i64 {
            i64::MIN
        }
        fn snapshot(&self) -> Vec<u8> {
            Vec::new()
        }
        fn key_message(&mut self, msg: &ToKeys, evidence: &mut Vec<Evidence>, _: &mut Outputs) {
            if let ToKeys::Observe(o) = msg {
                self.applied.push((o.account.to_string(), o.ts_ms));
                evidence.push(Evidence {
                    account: o.account.clone(),
                    key: o.key,
                    ts_ms: o.ts_ms,
                    strength: 0.5,
                    group_extraction: 0,
                    suspect_members: 2,
                    members: 2,
                    sync: 0.0,
                    label: None,
                });
            }
        }
    }

    fn topics() -> Topics {
        Topics::for_tests(PARTS)
    }

    /// Task `src`'s envelope for key partition 0 at `offset`: observations (account, time)
    /// numbered from `seq0`, then a tick.
    fn envelope(offset: i64, src: i32, seq0: u64, obs: &[(&str, i64)], tick: i64) -> InternalMsg {
        let msgs: Vec<ToKeys> = obs
            .iter()
            .map(|&(account, ts_ms)| {
                ToKeys::Observe(Observation {
                    key: CorrKey {
                        kind: KeyKind::Template,
                        hash: 7,
                    },
                    account: account.into(),
                    ts_ms,
                    fresh: true,
                    extraction: 0,
                    org: None,
                    activity: 1,
                    label: None,
                })
            })
            .collect();
        let numbers: Vec<u64> = (0..msgs.len() as u64).map(|i| seq0 + i).collect();
        let which: Vec<usize> = (0..msgs.len()).collect();
        let mut payload = Vec::new();
        encode_key(src, Some(tick), (&msgs, &numbers, &which), &mut payload);
        InternalMsg {
            partition: 0,
            offset,
            obs: true,
            payload,
        }
    }

    /// (accounts of the evidence, acknowledged tick) of each evidence message, per partition.
    fn answers(brokers: &str) -> Vec<Vec<(Vec<String>, Option<i64>)>> {
        read_all(brokers, "evi", PARTS)
            .iter()
            .map(|part| {
                part.iter()
                    .map(|m| {
                        let b = decode_back(m).unwrap();
                        let accounts = b.items.iter().map(|(_, e)| e.account.to_string());
                        (accounts.collect(), b.ack.map(|a| a.wm))
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn key_side_applies_in_event_time_once_the_slowest_task_passed_and_acks_after() {
        let (_cluster, brokers, sink) = mock(&["obs", "evi", "campaigns"], PARTS);
        let topics = topics();
        let mut st = PartState::fresh(Recorder::default(), Instant::now());
        let (mut scratch, mut sum) = (Scratch::default(), Summary::default());
        let mut step = |st: &mut PartState<Recorder>, m: InternalMsg| {
            handle(&sink, &topics, 0, st, &mut scratch, &m, &mut sum).unwrap();
        };
        // task 1's step arrives first: nothing is applied before task 0 has ticked (its tick is
        // acknowledged at once, as every tick is before every task has ticked)
        step(&mut st, envelope(0, 1, 1, &[("b", 10), ("b", 30)], 30));
        assert!(st.engine.applied.is_empty());
        // task 0 ticks at 25: what both passed applies in event time, task 1's 30 waits
        step(&mut st, envelope(1, 0, 1, &[("a", 20), ("d", 25)], 25));
        let order = |st: &PartState<Recorder>| -> Vec<(String, i64)> { st.engine.applied.clone() };
        let want = |v: &[(&str, i64)]| -> Vec<(String, i64)> {
            v.iter().map(|&(a, t)| (a.to_string(), t)).collect()
        };
        assert_eq!(order(&st), want(&[("b", 10), ("a", 20), ("d", 25)]));
        assert_eq!(st.held.len(), 1);
        // a re-sent envelope (a restored task) is skipped by its numbers
        step(&mut st, envelope(2, 0, 1, &[("a", 20), ("d", 25)], 25));
        assert_eq!(st.engine.applied.len(), 3);
        // task 0 ticks at 40: the slowest is task 1 at 30; task 0's acknowledgement waits
        step(&mut st, envelope(3, 0, 3, &[], 40));
        assert_eq!(order(&st).last().unwrap(), &("b".to_string(), 30));
        assert_eq!(st.split.pending_acks.get(&0), Some(&40));
        // task 1 ticks at 50: the slowest reaches 40, task 0's tick is answered; 50 waits
        step(&mut st, envelope(4, 1, 3, &[], 50));
        assert_eq!(st.split.pending_acks.get(&1), Some(&50));
        assert!(!st.split.pending_acks.contains_key(&0));
        sink.flush_blocking(Duration::from_secs(10)).unwrap();
        let s = |v: &[&str]| -> Vec<String> { v.iter().map(|a| a.to_string()).collect() };
        let got = answers(&brokers);
        // each task's evidence on its own partition, its acknowledgement after it (a re-sent
        // tick is answered again: the restored task waits for it)
        assert_eq!(
            got[0],
            vec![
                (s(&["a", "d"]), Some(25)),
                (s(&[]), Some(25)),
                (s(&[]), Some(40))
            ],
            "task 0"
        );
        assert_eq!(
            got[1],
            vec![(s(&[]), Some(30)), (s(&["b"]), None), (s(&["b"]), None)],
            "task 1"
        );
    }
}
