//! Repartition topics of the cross-account stage (the Kafka Streams pattern).
//!
//! Each input partition `p` is one task: its engine holds the accounts of input partition `p`
//! *and* the correlation keys and campaign labels whose route hash maps to `p`. The account
//! side produces every [`ToKeys`] message to `<prefix>-observations` on partition
//! `route % partitions`, wrapped with its own partition number; the task owning that partition
//! answers an observation with [`Evidence`], produced to `<prefix>-evidence` on the *source*
//! partition number, so evidence lands with the task that owns the account whatever
//! partitioner the gateway used for the request log. Both internal topics have exactly as many
//! partitions as the input; the instance owning input partition `p` (as assigned by the
//! consumer group) reads partition `p` of both, from the offsets stored in `p`'s checkpoint.
//!
//! Order and pacing: after advancing to watermark `wm`, a task sends a tick of `wm` to every
//! observation partition (on the step's last envelope for that partition, or alone). A key
//! side holds what it receives ([`KeyHeld`]) and applies it, in event-time order, once the
//! slowest task's tick has passed it, so a key answers an account as the replay would, after
//! every other account's earlier observations. It answers a task's tick with an [`Ack`] on the
//! task's evidence partition, after the evidence for everything before the tick, once the
//! slowest task has reached the tick ([`ack_due`]; held ticks are in [`SplitState`], held
//! messages in the checkpoint). A task advances again only when every key side has
//! acknowledged its last tick, so evidence lags the events that caused it by one advance step,
//! as in the in-process split test, and never by a whole backlog.
//!
//! What one emit produces for one key partition travels as one Kafka message (up to [`PACK`]
//! items), and so does the evidence answering one such message with its acknowledgement; the
//! encoding (tables of accounts and keys, deltas) is in [`crate::wire`].

use distillguard_types::corr::{Evidence, ToKeys};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A task's split-mode transport state, stored in its checkpoint manifest with the engine
/// snapshot, so the three streams (input, observations, evidence) resume consistently.
///
/// Observations and evidence carry a per-sender sequence number and receivers skip what they
/// have already applied: a restored task re-sends, in the same order and with the same numbers,
/// the observations of the events after its checkpoint (and a restored key side the evidence),
/// so the other side does not count them twice. Campaign moves and ticks are idempotent and
/// carry no number.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitState {
    /// Next offset of this task's observation-topic partition (key side).
    pub obs_next: Option<i64>,
    /// Next offset of this task's evidence-topic partition (account side).
    pub evi_next: Option<i64>,
    /// Observations sent.
    pub obs_seq: u64,
    /// Evidence sent.
    pub evi_seq: u64,
    /// Highest observation number applied, per sending task.
    pub seen_obs: BTreeMap<i32, u64>,
    /// Highest evidence number applied, per sending key side.
    pub seen_evi: BTreeMap<i32, u64>,
    /// Key side: the latest tick (watermark) received from each task.
    pub ticks: BTreeMap<i32, i64>,
    /// Key side: ticks handled but not acknowledged yet, per task (see [`ack_due`]).
    #[serde(default)]
    pub pending_acks: BTreeMap<i32, i64>,
}

impl SplitState {
    /// Key side: note a tick of task `src`; the slowest task's watermark over `partitions`
    /// tasks (`i64::MIN` while one has not ticked yet). The latest tick counts, not the
    /// highest: a task restored from an older checkpoint is behind again.
    pub fn tick(&mut self, src: i32, wm: i64, partitions: i32) -> i64 {
        self.ticks.insert(src, wm);
        self.slowest(partitions)
    }

    /// Key side: the slowest task's watermark over `partitions` tasks, as of the latest ticks
    /// (`i64::MIN` while one has not ticked yet).
    pub fn slowest(&self, partitions: i32) -> i64 {
        (0..partitions)
            .map(|p| self.ticks.get(&p).copied().unwrap_or(i64::MIN))
            .min()
            .unwrap_or(i64::MIN)
    }
}

/// Where the rest of the group is, as this instance's key sides have heard: the slowest latest
/// tick above `above` (the instance's stage watermark) of the tasks it does not own (over
/// `states`, its own tasks' split states; a task's highest tick across them), or `None` when
/// there is none. An instance whose input partitions are all idle advances its tasks to this
/// (see [`crate::watermark`]), so its tasks tick and the key sides do not wait on partitions
/// that have nothing to say.
///
/// Tasks at or behind `above` are left out: they are idle too (following in the same way), or
/// slow, and either way they hold the key sides back on their own. Taking the minimum over
/// them instead, two all-idle instances followed each other and stayed where they were, while
/// the busy task waited for them (as the test
/// `split_instances_owning_only_silent_partitions_follow_the_group` found). Tasks that never
/// ticked are left out for the same reason.
pub fn others_floor<'a>(
    states: impl IntoIterator<Item = (i32, &'a SplitState)>,
    above: i64,
) -> Option<i64> {
    let mut owned = Vec::new();
    let mut heard: BTreeMap<i32, i64> = BTreeMap::new();
    for (p, st) in states {
        owned.push(p);
        for (&src, &wm) in &st.ticks {
            let e = heard.entry(src).or_insert(wm);
            *e = (*e).max(wm);
        }
    }
    heard
        .into_iter()
        .filter(|(src, wm)| !owned.contains(src) && *wm > above)
        .map(|(_, wm)| wm)
        .min()
}

/// Key side: whether a task's tick of `wm` is acknowledged now, the slowest task being at
/// `slowest`, or held until the slowest task reaches it. Observations are applied only once
/// the slowest task has passed them ([`KeyHeld`]), so the evidence answering a task's step
/// exists only then; the acknowledgement follows that evidence. A tick from the slowest task
/// is always due, so the slowest task always moves on, and with it every held tick in time;
/// before every task has ticked once (`slowest` is `i64::MIN`) every tick is due (nothing is
/// applied yet, the evidence follows later).
pub fn ack_due(wm: i64, slowest: i64) -> bool {
    slowest == i64::MIN || wm <= slowest
}

/// A key-stage message received but not applied yet, with its sender and number.
#[derive(Debug, Clone, PartialEq)]
pub struct HeldMsg {
    /// The sending task.
    pub src: i32,
    /// Its number from that task (0: unnumbered).
    pub seq: u64,
    /// The message.
    pub msg: ToKeys,
}

/// Key side: messages held until every task has passed their event time, then applied in
/// event-time order.
///
/// The replay applies observations in event time across all accounts; a key side fed by
/// several tasks receives each task's step as one block, one task after another. Applied as
/// they arrive, a key could answer an account before it had seen other tasks' earlier
/// observations, and a campaign account could be answered by a key that did not look
/// suspicious yet. With steps as coarse as a backlog allows (the throughput bench's day-long
/// steps on the repeated fixture) that cost one or two of the replay's 360 actioned accounts
/// per run, and the outcome changed from run to run with the arrival order. Held until the
/// slowest task's tick passes them, they are applied sorted by
/// (event time, account, sender), each sender's own order kept for ties, which is the order a
/// replay applies them in, up to events of equal time. What is applied when is a function
/// of the partition's order (ticks travel in it), so a key side restored from a checkpoint
/// (which stores what is held) answers re-read messages exactly as before.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyHeld {
    /// In arrival order.
    pub items: Vec<HeldMsg>,
}

impl KeyHeld {
    /// Hold a message.
    pub fn push(&mut self, src: i32, seq: u64, msg: ToKeys) {
        self.items.push(HeldMsg { src, seq, msg });
    }

    /// Number held.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Nothing held.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Apply the messages at or before `slowest` with `f`, sorted by (event time, account,
    /// sender), each sender's own order kept for ties, then drop them; nothing while a task
    /// has not ticked (`i64::MIN`). `order` is scratch: indices are sorted and the messages
    /// applied in place, because moving the messages themselves out and back cost measurable
    /// CPU. An error from `f` stops there and drops nothing.
    pub fn apply_due<E>(
        &mut self,
        slowest: i64,
        order: &mut Vec<u32>,
        mut f: impl FnMut(&HeldMsg) -> Result<(), E>,
    ) -> Result<(), E> {
        order.clear();
        if slowest == i64::MIN {
            return Ok(());
        }
        let due = |h: &HeldMsg| h.msg.time_and_account().0 <= slowest;
        order.extend((0..self.items.len() as u32).filter(|&i| due(&self.items[i as usize])));
        if order.is_empty() {
            return Ok(());
        }
        let items = &self.items;
        order.sort_unstable_by(|&a, &b| {
            let (x, y) = (&items[a as usize], &items[b as usize]);
            (x.msg.time_and_account(), x.src, a).cmp(&(y.msg.time_and_account(), y.src, b))
        });
        for &i in order.iter() {
            f(&self.items[i as usize])?;
        }
        self.items.retain(|h| !due(h));
        Ok(())
    }
}

/// Whether message `seq` from `from` is new (and note it); 0 means unnumbered.
pub fn fresh(seen: &mut BTreeMap<i32, u64>, from: i32, seq: u64) -> bool {
    if seq == 0 {
        return true;
    }
    let last = seen.entry(from).or_insert(0);
    if seq <= *last {
        return false;
    }
    *last = seq;
    true
}

/// Messages for one key partition from one task, in the task's order (one Kafka message
/// carries up to [`PACK`] of them: an advance step makes about ten observations per event, and
/// a Kafka message each was most of split mode's cost).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyEnvelope {
    /// Input partition of the account that sent it (where its evidence goes back to).
    pub src: i32,
    /// The messages, each with its sequence number (observations; 0: unnumbered, applied
    /// every time it arrives).
    pub msgs: Vec<(u64, ToKeys)>,
    /// A tick: the sender advanced to this watermark (after the messages).
    pub tick: Option<i64>,
}

/// Messages (or evidence) packed into one Kafka message at most.
pub const PACK: usize = 1024;

/// What travels on the evidence topic: evidence for the partition's accounts from key
/// partition `from`, each numbered, in the key partition's order, then possibly an
/// acknowledgement of a tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvidenceEnvelope {
    /// The key partition.
    pub from: i32,
    /// (sequence number, evidence).
    pub items: Vec<(u64, Evidence)>,
    /// After the items: the key partition has handled everything the task sent before a tick.
    pub ack: Option<Ack>,
}

/// Key partition `from` has handled everything sent before the tick of watermark `wm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The tick's watermark.
    pub wm: i64,
    /// The lowest latest tick over all tasks the key side has heard of (`i64::MIN`: one has
    /// not ticked yet).
    pub slowest: i64,
}

/// The partition (of `partitions`) of the observation topic a message goes to.
pub fn key_partition(msg: &ToKeys, partitions: i32) -> i32 {
    msg.partition(partitions.max(1) as u32) as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::corr::{CampaignLabel, CorrKey, KeyKind, Observation};

    fn obs(kind: KeyKind, hash: u64) -> Observation {
        Observation {
            key: CorrKey { kind, hash },
            account: "acct-1".into(),
            ts_ms: 1_776_812_601_862,
            fresh: true,
            extraction: 0,
            org: None,
            activity: 1,
            label: None,
        }
    }

    #[test]
    fn key_partition_is_stable_in_range_and_follows_the_route() {
        for h in 0..1000u64 {
            let o = obs(KeyKind::Ip, h.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let route = o.key.route_hash();
            let p = key_partition(&ToKeys::Observe(o), 7);
            assert!((0..7).contains(&p));
            assert_eq!(p as u64, route % 7);
            // a label's registry lives with the key that named it
            let label = CampaignLabel {
                cohort: false,
                since_ms: 5,
                key: route,
            };
            let leave = ToKeys::Leave {
                account: "a".into(),
                label,
                ts_ms: 0,
            };
            assert_eq!(key_partition(&leave, 7), p);
        }
    }

    #[test]
    fn numbered_messages_apply_once_per_sender() {
        let mut seen = BTreeMap::new();
        let got: Vec<bool> = [
            (0, 1),
            (0, 2),
            (1, 1),
            (0, 2),
            (0, 1),
            (0, 0),
            (0, 0),
            (0, 3),
        ]
        .iter()
        .map(|&(from, seq)| fresh(&mut seen, from, seq))
        .collect();
        assert_eq!(got, [true, true, true, false, false, true, true, true]);
    }

    #[test]
    fn acks_wait_until_the_slowest_task_reaches_the_tick() {
        let check = |wm, slowest, expected| {
            assert_eq!(ack_due(wm, slowest), expected, "wm {wm} slowest {slowest}")
        };
        check(100, i64::MIN, true);
        check(100, 100, true);
        check(100, 170, true);
        check(100, 99, false);
        check(i64::MAX, i64::MAX - 1, false);
    }

    #[test]
    fn held_messages_apply_in_event_time_once_the_slowest_task_passed_them() {
        let o = |account: &str, ts_ms: i64| {
            ToKeys::Observe(Observation {
                account: account.into(),
                ts_ms,
                ..obs(KeyKind::Ip, 1)
            })
        };
        let mut held = KeyHeld::default();
        // task 1's step arrives first, then task 0's; a campaign move of task 0 with seq 0
        held.push(1, 1, o("b", 30));
        held.push(1, 2, o("b", 10));
        held.push(1, 3, o("c", 50));
        held.push(0, 1, o("a", 20));
        held.push(0, 2, o("d", 10));
        let leave = ToKeys::Leave {
            account: "d".into(),
            label: CampaignLabel {
                cohort: false,
                since_ms: 1,
                key: 2,
            },
            ts_ms: 10,
        };
        held.push(0, 0, leave.clone());
        let mut order = Vec::new();
        let mut take = |held: &mut KeyHeld, slowest| {
            let mut got = Vec::new();
            held.apply_due(slowest, &mut order, |h| {
                got.push((h.src, h.seq, h.msg.clone()));
                Ok::<(), ()>(())
            })
            .unwrap();
            got
        };
        assert!(
            take(&mut held, i64::MIN).is_empty(),
            "nothing before every task ticked"
        );
        let due = take(&mut held, 30);
        let got: Vec<(i32, u64)> = due.iter().map(|h| (h.0, h.1)).collect();
        // (time, account, sender), each sender's order kept for ties
        assert_eq!(got, [(1, 2), (0, 2), (0, 0), (0, 1), (1, 1)]);
        assert_eq!(due[2].2, leave);
        assert_eq!(held.len(), 1, "task 1's event at 50 waits");
        assert!(take(&mut held, 49).is_empty());
        assert_eq!(take(&mut held, 50).len(), 1);
        assert!(held.is_empty());
        // an error stops the application and keeps everything
        held.push(0, 5, o("e", 60));
        let failed = held.apply_due(60, &mut order, |_| Err("engine failed"));
        assert_eq!(failed, Err("engine failed"));
        assert_eq!(held.len(), 1);
    }

    #[test]
    fn the_floor_is_the_slowest_task_of_the_other_instances_ahead_of_this_one() {
        let with = |ticks: &[(i32, i64)]| SplitState {
            ticks: ticks.iter().copied().collect(),
            ..SplitState::default()
        };
        // this instance owns tasks 1 and 3; 0 and 2 are elsewhere
        let a = with(&[(0, 500), (1, 100), (2, 700)]);
        let b = with(&[(0, 600), (3, 50)]);
        let floor = |states: &[(i32, &SplitState)], above| {
            others_floor(states.iter().map(|&(p, s)| (p, s)), above)
        };
        assert_eq!(
            floor(&[(1, &a), (3, &b)], i64::MIN),
            Some(600),
            "0's latest tick"
        );
        let c = with(&[(2, 300)]);
        assert_eq!(floor(&[(1, &a), (3, &c)], i64::MIN), Some(500));
        // another idle instance at this one's watermark (following it) is left out
        assert_eq!(floor(&[(1, &a), (3, &c)], 500), Some(700));
        assert_eq!(floor(&[(1, &a), (3, &c)], 700), None);
        // only its own tasks ticked, or nothing owned: nothing to follow
        let own = with(&[(1, 100), (3, 9)]);
        assert_eq!(floor(&[(1, &own), (3, &own)], i64::MIN), None);
        assert_eq!(floor(&[], i64::MIN), None);
    }

    #[test]
    fn slowest_task_is_known_once_every_task_ticked() {
        let mut s = SplitState::default();
        assert_eq!(s.tick(0, 100, 3), i64::MIN);
        assert_eq!(s.tick(2, 50, 3), i64::MIN);
        assert_eq!(s.tick(1, 70, 3), 50);
        assert_eq!(s.tick(2, 40, 3), 40, "a restored task is behind again");
        assert_eq!(s.tick(2, 300, 3), 70);
    }
}
