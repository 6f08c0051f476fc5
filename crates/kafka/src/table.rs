//! The partitions an instance owns and what it holds for each: engine, next offset, progress
//! since the last checkpoint. Shared (under one mutex) by the live loop and the rebalance
//! callback, which runs synchronously inside the loop's `recv()`.

use crate::checkpoint::{self, Checkpoint};
use crate::engine::{Engine, EngineFactory};
use crate::metric;
use crate::repartition::{KeyHeld, SplitState};
use crate::summary::Summary;
use crate::watermark::PartitionTime;
use crate::wire::{decode_held, encode_held};
use rayon::prelude::*;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::Instant;

/// State of one owned input partition.
pub struct PartState<E> {
    /// The partition's engine.
    pub engine: E,
    /// Offset of the next record to process (known after a restore or the first record).
    pub next_offset: Option<i64>,
    /// Split mode: internal offsets and message numbers (checkpointed).
    pub split: SplitState,
    /// Split mode, key side: messages held until every task has passed them (checkpointed).
    pub held: KeyHeld,
    /// Split mode: evidence folded since the last rescore.
    pub rescore_due: bool,
    /// Split mode: the last tick sent (its watermark) and the key partitions that have not
    /// acknowledged it yet; the task advances again only when none is left.
    pub tick: Option<(i64, std::collections::BTreeSet<i32>)>,
    /// The watermark the engine was last advanced to.
    pub engine_wm: i64,
    /// Split mode: the slowest task's watermark as of the last completed tick (`None` before
    /// the first).
    pub slowest: Option<i64>,
    /// The lowest `slowest` among the acknowledgements of the pending tick.
    pub slowest_pending: i64,
    /// Records processed since the last checkpoint.
    pub since_checkpoint: u64,
    /// Advanced (state changed) since the last checkpoint.
    pub advanced: bool,
    /// Slot the next checkpoint is written to.
    pub slot: u8,
    /// Wall time of the last record (or assignment / resume).
    pub last_active: Instant,
    /// Paused for running ahead of the stage watermark.
    pub paused: bool,
}

impl<E: Engine> PartState<E> {
    /// A fresh partition.
    pub fn fresh(engine: E, now: Instant) -> PartState<E> {
        PartState {
            engine,
            next_offset: None,
            split: SplitState::default(),
            held: KeyHeld::default(),
            rescore_due: false,
            tick: None,
            engine_wm: i64::MIN,
            slowest: None,
            slowest_pending: i64::MAX,
            since_checkpoint: 0,
            advanced: false,
            slot: 0,
            last_active: now,
            paused: false,
        }
    }
    /// A partition restored from a checkpoint (with its key side's held messages).
    pub fn restored(engine: E, ckpt: &Checkpoint, held: KeyHeld, now: Instant) -> PartState<E> {
        let engine_wm = engine.watermark();
        PartState {
            engine,
            next_offset: Some(ckpt.next_offset),
            split: ckpt.split.clone(),
            held,
            rescore_due: false,
            tick: None,
            engine_wm,
            slowest: None,
            slowest_pending: i64::MAX,
            since_checkpoint: 0,
            advanced: false,
            slot: 1 - ckpt.slot.min(1),
            last_active: now,
            paused: false,
        }
    }
    /// What the watermark needs.
    pub fn time(&self) -> PartitionTime {
        PartitionTime {
            max_event_ms: self.engine.max_event_ms(),
            last_active: self.last_active,
        }
    }
}

/// The tasks this instance owns (per input partition: engine, checkpoint state, offsets) and
/// the run's counters: everything the loop and the rebalance callback share.
pub struct Tasks<E> {
    /// Owned partitions of the input topic.
    pub parts: BTreeMap<i32, PartState<E>>,
    /// Counters.
    pub summary: Summary,
    /// The assignment changed since the loop last computed the stage watermark.
    pub reassigned: bool,
}

impl<E> Default for Tasks<E> {
    fn default() -> Self {
        Tasks {
            parts: BTreeMap::new(),
            summary: Summary::default(),
            reassigned: false,
        }
    }
}

/// A round of checkpoints built under the lock, to be produced and then committed.
pub struct CheckpointRound {
    /// Checkpoint records (chunks then manifest, per partition).
    /// (A round is built, produced and committed with no record processed in between.)
    pub records: Vec<(String, Vec<u8>)>,
    /// Offsets to commit once the records are acknowledged.
    pub commit: TopicPartitionList,
    /// (partition, slot written, records covered) to mark done after the commit.
    pub done: Vec<(i32, u8, u64)>,
}

impl CheckpointRound {
    /// Nothing to write.
    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }
}

impl<E: Engine> Tasks<E> {
    /// Build checkpoints of the partitions selected by `which` that progressed since their last
    /// checkpoint; their snapshots are taken in parallel on the rayon pool (a snapshot
    /// serializes the partition's whole state).
    pub fn build_round(
        &mut self,
        topic: &str,
        chunk_bytes: usize,
        which: impl Fn(i32) -> bool,
    ) -> CheckpointRound {
        let mut round = CheckpointRound {
            records: Vec::new(),
            commit: TopicPartitionList::new(),
            done: Vec::new(),
        };
        // No input record yet: nothing to commit. (Split mode: what the key side took from the
        // internal topics is re-read from their start after a crash.)
        let mut picked: Vec<(i32, i64, &mut PartState<E>)> = self
            .parts
            .iter_mut()
            .filter_map(|(&p, st)| Some((p, st.next_offset?, st)))
            .filter(|(p, _, st)| (st.since_checkpoint > 0 || st.advanced) && which(*p))
            .collect();
        let encoded: Vec<Vec<(String, Vec<u8>)>> = picked
            .par_iter_mut()
            .map(|(p, next, st)| {
                let ckpt = Checkpoint {
                    next_offset: *next,
                    max_event_ms: st.engine.max_event_ms(),
                    state: st.engine.snapshot(),
                    slot: st.slot,
                    split: st.split.clone(),
                    held: encode_held(&st.held.items),
                };
                metrics::gauge!(metric::CHECKPOINT_BYTES, "partition" => p.to_string())
                    .set((ckpt.state.len() + ckpt.held.len()) as f64);
                checkpoint::encode(topic, *p, &ckpt, chunk_bytes)
            })
            .collect();
        for ((p, next, st), records) in picked.iter().zip(encoded) {
            round.records.extend(records);
            round
                .commit
                .add_partition_offset(topic, *p, Offset::Offset(*next))
                .expect("valid offset");
            round.done.push((*p, st.slot, st.since_checkpoint));
        }
        round
    }

    /// Mark a produced-and-committed round.
    pub fn finish_round(&mut self, round: &CheckpointRound) {
        for &(p, slot, covered) in &round.done {
            if let Some(st) = self.parts.get_mut(&p) {
                st.since_checkpoint = st.since_checkpoint.saturating_sub(covered);
                st.advanced = false;
                st.slot = 1 - slot;
            }
            self.summary.checkpoints += 1;
        }
        if !round.done.is_empty() {
            self.summary.commits += 1;
        }
        metrics::counter!(metric::CHECKPOINTS).increment(round.done.len() as u64);
    }

    /// Take over a partition: restore from its checkpoint when there is one.
    pub fn adopt<F: EngineFactory<Engine = E>>(
        &mut self,
        factory: &F,
        partition: i32,
        ckpt: Option<&Checkpoint>,
        now: Instant,
    ) -> Result<Option<i64>, String> {
        match ckpt {
            Some(c) => {
                let engine = factory.restore(&c.state)?;
                self.summary.restored_events += engine.processed();
                let items = decode_held(&c.held).map_err(|e| format!("held messages: {e}"))?;
                let held = KeyHeld { items };
                self.parts
                    .insert(partition, PartState::restored(engine, c, held, now));
                self.summary.restored += 1;
                Ok(Some(c.next_offset))
            }
            None => {
                self.parts
                    .insert(partition, PartState::fresh(factory.create(), now));
                self.summary.fresh += 1;
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::CheckpointStore;
    use crate::engine::{Outputs, RecordParse};
    use crate::repartition::HeldMsg;
    use distillguard_types::corr::{CorrKey, KeyKind, Observation, ToKeys};
    use distillguard_types::{Event, RejectReason};

    /// An engine whose whole state is one number.
    struct Fixed(u8);

    impl Engine for Fixed {
        fn offer(
            &mut self,
            _: Event,
            _: impl FnOnce() -> distillguard_types::RecordOrigin,
        ) -> Result<(), RejectReason> {
            Ok(())
        }
        fn advance_to(&mut self, _: i64, _: &mut Outputs) {}
        fn max_event_ms(&self) -> i64 {
            1_000
        }
        fn snapshot(&self) -> Vec<u8> {
            vec![self.0; 3000]
        }
    }

    struct NoParse;

    impl RecordParse for NoParse {
        fn parse(&mut self, _: &mut Vec<u8>) -> Result<Event, RejectReason> {
            Err(RejectReason::InvalidUtf8)
        }
    }

    struct Factory;

    impl EngineFactory for Factory {
        type Engine = Fixed;
        type Parser = NoParse;
        type Settings = ();
        fn create(&self) -> Fixed {
            Fixed(0)
        }
        fn restore(&self, bytes: &[u8]) -> Result<Fixed, String> {
            match bytes {
                [b, rest @ ..] if rest.iter().all(|x| x == b) => Ok(Fixed(*b)),
                _ => Err("not a Fixed snapshot".into()),
            }
        }
        fn parser(&self) -> NoParse {
            NoParse
        }
        fn kept_fields(&self, _: &[u8]) -> String {
            "{}".into()
        }
    }

    fn observe(account: &str, ts_ms: i64) -> ToKeys {
        ToKeys::Observe(Observation {
            key: CorrKey {
                kind: KeyKind::Asn,
                hash: 64_500,
            },
            account: account.into(),
            ts_ms,
            fresh: false,
            extraction: 0,
            org: Some(9),
            activity: 3,
            label: None,
        })
    }

    #[test]
    fn a_key_sides_held_messages_survive_a_checkpoint_round_and_a_restore() {
        let now = Instant::now();
        let mut table: Tasks<Fixed> = Tasks::default();
        let mut st = PartState::fresh(Fixed(7), now);
        st.next_offset = Some(42);
        st.since_checkpoint = 5;
        st.held.push(3, 11, observe("a", 2_000));
        st.held.push(1, 4, observe("b", 1_500));
        st.held.push(3, 12, observe("a", 2_100));
        let held = st.held.clone();
        table.parts.insert(2, st);
        // a partition without an input record yet writes no checkpoint
        table.parts.insert(5, PartState::fresh(Fixed(1), now));
        let round = table.build_round("in", 1024, |_| true);
        assert_eq!(round.done, vec![(2, 0, 5)]);
        let mut store = CheckpointStore::default();
        for (k, v) in &round.records {
            store.apply(k, Some(v));
        }
        let ckpt = store.get("in", 2).unwrap().expect("written");
        let mut other: Tasks<Fixed> = Tasks::default();
        let next = other.adopt(&Factory, 2, Some(&ckpt), now).unwrap();
        assert_eq!(next, Some(42));
        let restored = &other.parts[&2];
        assert_eq!(
            restored.engine.0, 7,
            "the snapshot is the snapshot, not the held bytes"
        );
        let by_sender = |h: &KeyHeld, src: i32| -> Vec<HeldMsg> {
            h.items.iter().filter(|m| m.src == src).cloned().collect()
        };
        for src in [1, 3] {
            assert_eq!(by_sender(&restored.held, src), by_sender(&held, src));
        }
        assert_eq!(restored.held.len(), 3);
    }
}
