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
use crate::repartition::{ack_due, fresh, Ack, Back};
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
/// partitions this instance does not own are skipped. A key side acknowledges a task's tick
/// once the slowest task is within `pace` of it ([`ack_due`]). Returns whether some task's tick was
/// completed (every key side answered it), with the counts to add to the instance's summary.
pub fn handle_batch<E: Engine>(
    sink: &Sink,
    topics: &Topics,
    pace: i64,
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
        let (mut evs, mut out) = (Vec::new(), Outputs::default());
        let mut done = false;
        for m in msgs.iter().filter(|m| m.partition == *p) {
            done |= handle(sink, topics, pace, *p, st, &mut evs, &mut out, m, &mut sum)?;
        }
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

/// One message for task `p`: a key-stage message (observation topic: observations, campaign
/// moves, a tick) or evidence and an acknowledgement (evidence topic). Messages already
/// covered by the task's state are skipped; undecodable ones are counted and skipped. Returns
/// true when the message completed the task's tick.
#[allow(clippy::too_many_arguments)]
fn handle<E: Engine>(
    sink: &Sink,
    topics: &Topics,
    pace: i64,
    p: i32,
    st: &mut PartState<E>,
    evs: &mut Vec<Evidence>,
    out: &mut Outputs,
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
            Ok(env) => {
                for (seq, m) in env.msgs {
                    if fresh(&mut st.split.seen_obs, env.src, seq) {
                        st.engine.key_message(m, evs, out);
                    }
                }
                // a tick: everything the task sent before it is handled; answer after the
                // evidence, now or once the slowest task is within `pace` of it
                let mut slowest = None;
                let ack = env.tick.and_then(|wm| {
                    let parts = topics.observations.as_ref().map_or(1, |o| o.1);
                    let now = st.split.tick(env.src, wm, parts);
                    st.engine.key_clock(now);
                    slowest = Some(now);
                    let held = &mut st.split.pending_acks;
                    if ack_due(wm, now, pace) {
                        held.remove(&env.src);
                        Some(Ack { wm, slowest: now })
                    } else {
                        held.insert(env.src, wm);
                        None
                    }
                });
                let seq = &mut st.split.evi_seq;
                emit::evidence(sink, topics, (p, env.src), seq, evs, ack, summary)?;
                if let Some(now) = slowest {
                    // the slowest task may have moved on: other tasks' held ticks now due
                    let due: Vec<(i32, i64)> = st
                        .split
                        .pending_acks
                        .iter()
                        .filter(|&(_, &wm)| ack_due(wm, now, pace))
                        .map(|(&t, &wm)| (t, wm))
                        .collect();
                    for (t, wm) in due {
                        st.split.pending_acks.remove(&t);
                        let ack = Some(Ack { wm, slowest: now });
                        let seq = &mut st.split.evi_seq;
                        emit::evidence(sink, topics, (p, t), seq, evs, ack, summary)?;
                    }
                }
                if !out.is_empty() {
                    let seq = &mut st.split.obs_seq;
                    emit::outputs(sink, topics, p, seq, out, None, summary)?;
                }
            }
            Err(e) => corrupt(summary, topics, msg, &e.to_string()),
        }
    } else {
        match decode_back(&msg.payload) {
            Ok(Back { from, items, ack }) => {
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

fn corrupt(summary: &mut Summary, topics: &Topics, msg: &InternalMsg, error: &str) {
    summary.internal_corrupt += 1;
    metrics::counter!("distillguard_live_internal_corrupt_total").increment(1);
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
