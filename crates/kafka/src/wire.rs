//! The internal topics' wire format: [`KeyEnvelope`]s on the observation topic,
//! [`EvidenceEnvelope`]s on the evidence topic, and a key side's held messages in its
//! checkpoint, each a serde-derived wire struct encoded with postcard.
//!
//! One message packs up to [`PACK`](crate::repartition::PACK) items of one sender for one
//! receiver, and most of an item repeats from item to item: the same few accounts (an account
//! makes about ten observations per event, many events per step), the same keys, nearby event
//! times and close sequence numbers. So a wire message holds a table of the accounts it
//! mentions (with their org and freshness for observations) and one of its correlation keys;
//! its items refer to them by index, and event times and observation numbers are differences
//! from the previous item, which postcard writes as zigzag varints (exact for any value);
//! evidence is numbered on from the message's first number; campaign moves (rare) travel
//! whole. Hashes (keys, orgs, labels) are eight fixed bytes, shorter than a varint of a
//! uniformly spread 64-bit value.
//!
//! Why: the internal topics are split mode's biggest cost (every byte is produced, stored by
//! the broker, fetched and copied), so the tables keep messages small; the encoding itself is
//! derived, so a field added to a wire struct is encoded and decoded without code of its own.
//!
//! Every message starts with [`MAGIC`] and [`VERSION`]. A message without the magic byte, or
//! of another version, is refused with a [`WireError`] that says so, as snapshots refuse
//! another state format: internal topics and checkpoints do not outlive an upgrade that changes
//! the version (deploy/README.md, "Upgrades"). Anything undecodable is a [`WireError`], which
//! the live loop counts and logs.

use crate::repartition::{Ack, EvidenceEnvelope, HeldMsg, KeyEnvelope};
use ahash::AHashMap;
use distillguard_types::corr::{CampaignLabel, CorrKey, Evidence, KeyKind, Observation, ToKeys};
use distillguard_types::event::AccountId;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::hash::Hash;

/// First byte of every internal message.
pub const MAGIC: u8 = 0xFE;
/// The format version after [`MAGIC`]; the only one this build reads.
pub const VERSION: u8 = 3;

/// Why an internal message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The message does not start with [`MAGIC`] (empty, or not written by distillguard).
    #[error("not an internal message: it does not start with magic byte {MAGIC:#04x}")]
    NoMagic,
    /// The message ends after its magic byte.
    #[error("truncated: the message ends before its version byte")]
    NoVersion,
    /// A version this build does not read.
    #[error(
        "internal wire version {0}, this build reads version {VERSION} only (reset the internal \
         topics and checkpoints when upgrading)"
    )]
    Version(u8),
    /// The body after the header does not decode as the message's wire struct.
    #[error("undecodable message body: {0}")]
    Body(postcard::Error),
    /// Bytes left after the message.
    #[error("{0} trailing bytes")]
    Trailing(usize),
    /// An item refers past the end of one of the message's tables.
    #[error("{table} index {index} past the table's {len} entries")]
    Index {
        /// The table (`account` or `key`).
        table: &'static str,
        /// The index the item holds.
        index: u32,
        /// The table's length.
        len: usize,
    },
}

/// A correlation key as it travels: its hash in eight fixed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct WireKey {
    kind: KeyKind,
    #[serde(with = "postcard::fixint::le")]
    hash: u64,
}

impl From<CorrKey> for WireKey {
    fn from(k: CorrKey) -> Self {
        WireKey {
            kind: k.kind,
            hash: k.hash,
        }
    }
}

impl From<WireKey> for CorrKey {
    fn from(k: WireKey) -> Self {
        CorrKey {
            kind: k.kind,
            hash: k.hash,
        }
    }
}

/// A 64-bit hash (an org's) in eight fixed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct FixedHash(#[serde(with = "postcard::fixint::le")] u64);

/// A campaign label as it travels: the key's route hash in eight fixed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct WireLabel {
    cohort: bool,
    since_ms: i64,
    #[serde(with = "postcard::fixint::le")]
    key: u64,
}

impl From<CampaignLabel> for WireLabel {
    fn from(l: CampaignLabel) -> Self {
        WireLabel {
            cohort: l.cohort,
            since_ms: l.since_ms,
            key: l.key,
        }
    }
}

impl From<WireLabel> for CampaignLabel {
    fn from(l: WireLabel) -> Self {
        CampaignLabel {
            cohort: l.cohort,
            since_ms: l.since_ms,
            key: l.key,
        }
    }
}

/// A message of the observation topic, and one sender's part of a key side's held messages.
#[derive(Debug, Serialize, Deserialize)]
struct ObservationMessage<'a> {
    /// The sending task's input partition.
    src: i32,
    /// The sender's tick after the items.
    tick: Option<i64>,
    /// Every account the observations mention.
    #[serde(borrow)]
    accounts: Vec<ObservingAccount<'a>>,
    /// Every key the observations mention.
    keys: Vec<WireKey>,
    /// The messages in the sender's order.
    items: Vec<KeyItem<'a>>,
}

/// An entry of an observation message's account table: what an observation says about its
/// account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct ObservingAccount<'a> {
    id: &'a str,
    fresh: bool,
    org: Option<FixedHash>,
}

/// An item of an observation message. A label, when there is one, makes its own variant, so an
/// unlabelled observation pays no option tag.
#[derive(Debug, Serialize, Deserialize)]
enum KeyItem<'a> {
    /// An observation without a label.
    Observe(ObservationItem),
    /// An observation of a labelled account.
    ObserveLabelled(ObservationItem, WireLabel),
    /// A campaign move (rare), whole, with its number (boxed: items stay small).
    Move { seq: u64, msg: Box<Cow<'a, ToKeys>> },
}

/// An observation, with its account and key as table indices and its number and event time
/// as differences from the previous observation's.
#[derive(Debug, Serialize, Deserialize)]
struct ObservationItem {
    seq_delta: i64,
    account: u32,
    key: u32,
    ts_delta: i64,
    activity: u64,
    extraction: u8,
}

/// A message of the evidence topic.
#[derive(Debug, Serialize, Deserialize)]
struct EvidenceMessage<'a> {
    /// The key partition.
    from: i32,
    /// The acknowledgement after the items.
    ack: Option<Ack>,
    /// Every account the evidence is for.
    #[serde(borrow)]
    accounts: Vec<&'a str>,
    /// Every key the evidence is of.
    keys: Vec<WireKey>,
    /// The first item's number; the others follow one by one.
    first_seq: u64,
    items: Vec<EvidenceItem>,
}

/// A piece of evidence, with its account and key as table indices and its event time as the
/// difference from the previous item's.
#[derive(Debug, Serialize, Deserialize)]
struct EvidenceItem {
    account: u32,
    key: u32,
    ts_delta: i64,
    strength: f64,
    group_extraction: u8,
    suspect_members: u32,
    members: u32,
    sync: f64,
    label: Option<WireLabel>,
}

/// Encode a key-stage envelope into `buf` (cleared first; reused across messages): task
/// `src`'s messages `msgs[i]` for `i` in `which`, numbered `numbers[i]`, then possibly a tick.
pub fn encode_key(
    src: i32,
    tick: Option<i64>,
    (msgs, numbers, which): (&[ToKeys], &[u64], &[usize]),
    buf: &mut Vec<u8>,
) {
    let items = which.iter().map(|&i| (numbers[i], &msgs[i]));
    let message = INTERNER.with_borrow_mut(|t| observation_message(src, tick, items, t));
    write(&message, buf);
}

/// Decode a message of the observation topic.
pub fn decode_key(bytes: &[u8]) -> Result<KeyEnvelope, WireError> {
    key_envelope(read(bytes)?)
}

/// Encode a message of the evidence topic into `buf` (cleared first): key partition `from`'s
/// evidence `items`, numbered from `first_seq` on, then possibly an acknowledgement.
pub fn encode_back(
    from: i32,
    ack: Option<Ack>,
    first_seq: u64,
    items: &[Evidence],
    buf: &mut Vec<u8>,
) {
    let message = INTERNER.with_borrow_mut(|t| {
        t.clear();
        let mut message = EvidenceMessage {
            from,
            ack,
            accounts: Vec::new(),
            keys: Vec::new(),
            first_seq,
            items: Vec::with_capacity(items.len()),
        };
        let mut ts0 = 0i64;
        for e in items {
            message.items.push(EvidenceItem {
                account: t.account(e.account.as_str(), &mut message.accounts),
                key: t.key(e.key, &mut message.keys),
                ts_delta: e.ts_ms.wrapping_sub(ts0),
                strength: e.strength,
                group_extraction: e.group_extraction,
                suspect_members: e.suspect_members,
                members: e.members,
                sync: e.sync,
                label: e.label.map(WireLabel::from),
            });
            ts0 = e.ts_ms;
        }
        message
    });
    write(&message, buf);
}

/// Decode a message of the evidence topic.
pub fn decode_back(bytes: &[u8]) -> Result<EvidenceEnvelope, WireError> {
    let message: EvidenceMessage = read(bytes)?;
    let accounts: Vec<AccountId> = message.accounts.iter().map(|&a| a.into()).collect();
    let mut items = Vec::with_capacity(message.items.len());
    let mut ts0 = 0i64;
    for (i, e) in message.items.into_iter().enumerate() {
        let seq = message.first_seq.wrapping_add(i as u64);
        let ts_ms = ts0.wrapping_add(e.ts_delta);
        ts0 = ts_ms;
        items.push((
            seq,
            Evidence {
                account: pick(&accounts, e.account, "account")?.clone(),
                key: (*pick(&message.keys, e.key, "key")?).into(),
                ts_ms,
                strength: e.strength,
                group_extraction: e.group_extraction,
                suspect_members: e.suspect_members,
                members: e.members,
                sync: e.sync,
                label: e.label.map(CampaignLabel::from),
            },
        ));
    }
    Ok(EvidenceEnvelope {
        from: message.from,
        items,
        ack: message.ack,
    })
}

/// Encode a key side's held messages (for its checkpoint): [`MAGIC`], the version, then per
/// sender, in sender order, one observation message of that sender's held messages in arrival
/// order. Arrival order between senders is not kept: applying sorts by (event time, account,
/// sender) and keeps only each sender's own order. Nothing held encodes as no bytes.
pub fn encode_held(held: &[HeldMsg]) -> Vec<u8> {
    if held.is_empty() {
        return Vec::new();
    }
    let mut by_src: std::collections::BTreeMap<i32, Vec<&HeldMsg>> = Default::default();
    for h in held {
        by_src.entry(h.src).or_default().push(h);
    }
    let senders: Vec<ObservationMessage> = INTERNER.with_borrow_mut(|t| {
        by_src
            .into_iter()
            .map(|(src, list)| {
                let items = list.into_iter().map(|h| (h.seq, &h.msg));
                observation_message(src, None, items, t)
            })
            .collect()
    });
    let mut out = Vec::new();
    write(&senders, &mut out);
    out
}

/// Decode [`encode_held`]'s bytes (empty: nothing held).
pub fn decode_held(bytes: &[u8]) -> Result<Vec<HeldMsg>, WireError> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    let senders: Vec<ObservationMessage> = read(bytes)?;
    let mut held = Vec::new();
    for message in senders {
        let env = key_envelope(message)?;
        held.extend(env.msgs.into_iter().map(|(seq, msg)| HeldMsg {
            src: env.src,
            seq,
            msg,
        }));
    }
    Ok(held)
}

/// The wire message of sender `src`'s numbered `items` and `tick`, its tables interned with
/// `t`.
fn observation_message<'a>(
    src: i32,
    tick: Option<i64>,
    items: impl ExactSizeIterator<Item = (u64, &'a ToKeys)>,
    t: &mut Interner,
) -> ObservationMessage<'a> {
    t.clear();
    let mut message = ObservationMessage {
        src,
        tick,
        accounts: Vec::new(),
        keys: Vec::new(),
        items: Vec::with_capacity(items.len()),
    };
    let (mut seq0, mut ts0) = (0u64, 0i64);
    for (seq, msg) in items {
        let ToKeys::Observe(o) = msg else {
            message.items.push(KeyItem::Move {
                seq,
                msg: Box::new(Cow::Borrowed(msg)),
            });
            continue;
        };
        let account = ObservingAccount {
            id: o.account.as_str(),
            fresh: o.fresh,
            org: o.org.map(FixedHash),
        };
        let item = ObservationItem {
            seq_delta: seq.wrapping_sub(seq0) as i64,
            account: t.account(account, &mut message.accounts),
            key: t.key(o.key, &mut message.keys),
            ts_delta: o.ts_ms.wrapping_sub(ts0),
            activity: o.activity,
            extraction: o.extraction,
        };
        message.items.push(match o.label {
            Some(l) => KeyItem::ObserveLabelled(item, l.into()),
            None => KeyItem::Observe(item),
        });
        (seq0, ts0) = (seq, o.ts_ms);
    }
    message
}

/// The envelope an observation message stands for.
fn key_envelope(message: ObservationMessage) -> Result<KeyEnvelope, WireError> {
    let accounts: Vec<(AccountId, Option<u64>, bool)> = message
        .accounts
        .iter()
        .map(|a| (a.id.into(), a.org.map(|o| o.0), a.fresh))
        .collect();
    let mut msgs = Vec::with_capacity(message.items.len());
    let (mut seq0, mut ts0) = (0u64, 0i64);
    for item in message.items {
        let (item, label) = match item {
            KeyItem::Observe(item) => (item, None),
            KeyItem::ObserveLabelled(item, l) => (item, Some(l.into())),
            KeyItem::Move { seq, msg } => {
                msgs.push((seq, (*msg).into_owned()));
                continue;
            }
        };
        let seq = seq0.wrapping_add(item.seq_delta as u64);
        let ts_ms = ts0.wrapping_add(item.ts_delta);
        (seq0, ts0) = (seq, ts_ms);
        let (account, org, fresh) = pick(&accounts, item.account, "account")?.clone();
        let o = Observation {
            key: (*pick(&message.keys, item.key, "key")?).into(),
            account,
            ts_ms,
            fresh,
            extraction: item.extraction,
            org,
            activity: item.activity,
            label,
        };
        msgs.push((seq, ToKeys::Observe(o)));
    }
    Ok(KeyEnvelope {
        src: message.src,
        msgs,
        tick: message.tick,
    })
}

/// `buf` cleared, then [`MAGIC`], [`VERSION`] and `message`.
fn write<T: Serialize>(message: &T, buf: &mut Vec<u8>) {
    buf.clear();
    buf.extend_from_slice(&[MAGIC, VERSION]);
    postcard::serialize_with_flavor(message, Append(buf))
        .expect("wire structs serialize into a vector");
}

/// Where postcard writes a message: the end of a reused vector (postcard's own vector flavors
/// start a new one).
struct Append<'b>(&'b mut Vec<u8>);

impl postcard::ser_flavors::Flavor for Append<'_> {
    type Output = ();

    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.0.push(byte);
        Ok(())
    }

    fn try_extend(&mut self, bytes: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// The message `bytes` holds, after a header of this version, with nothing after it.
fn read<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, WireError> {
    let body = match bytes {
        [MAGIC, VERSION, body @ ..] => body,
        [MAGIC, version, ..] => return Err(WireError::Version(*version)),
        [MAGIC] => return Err(WireError::NoVersion),
        _ => return Err(WireError::NoMagic),
    };
    let (message, rest) = postcard::take_from_bytes(body).map_err(WireError::Body)?;
    match rest.len() {
        0 => Ok(message),
        n => Err(WireError::Trailing(n)),
    }
}

/// Entry `index` of a message's `table` (named for the error).
fn pick<'t, T>(table: &'t [T], index: u32, name: &'static str) -> Result<&'t T, WireError> {
    usize::try_from(index)
        .ok()
        .and_then(|i| table.get(i))
        .ok_or(WireError::Index {
            table: name,
            index,
            len: table.len(),
        })
}

/// The maps behind a message's account and key tables, kept per thread so that they are reused
/// from message to message (a message is encoded per step and key partition, tens of thousands
/// a second, and growing fresh maps each time was most of encoding).
#[derive(Default)]
struct Interner {
    /// Hash of an account entry → its index; a colliding different entry is found by scan.
    account_by_hash: AHashMap<u64, u32>,
    /// Key → its index.
    key_index: AHashMap<CorrKey, u32>,
    hasher: ahash::RandomState,
}

thread_local! {
    static INTERNER: std::cell::RefCell<Interner> = std::cell::RefCell::default();
}

impl Interner {
    /// Forget the previous message's tables.
    fn clear(&mut self) {
        self.account_by_hash.clear();
        self.key_index.clear();
    }

    /// The index of `entry` in `table`, appended if new.
    fn account<E: Hash + Eq>(&mut self, entry: E, table: &mut Vec<E>) -> u32 {
        let h = self.hasher.hash_one(&entry);
        let next = table.len() as u32;
        match self.account_by_hash.get(&h) {
            Some(&i) if table[i as usize] == entry => i,
            Some(_) => {
                // a hash collision: scan (never seen in practice, but exact all the same)
                match table.iter().position(|e| *e == entry) {
                    Some(i) => i as u32,
                    None => {
                        table.push(entry);
                        next
                    }
                }
            }
            None => {
                self.account_by_hash.insert(h, next);
                table.push(entry);
                next
            }
        }
    }

    /// The index of `key` in `table`, appended if new.
    fn key(&mut self, key: CorrKey, table: &mut Vec<WireKey>) -> u32 {
        let next = table.len() as u32;
        *self.key_index.entry(key).or_insert_with(|| {
            table.push(key.into());
            next
        })
    }
}

/// The messages the codec bench measures, which the tests use too.
#[cfg(test)]
#[path = "../benches/wire/messages.rs"]
mod bench_messages;

#[cfg(test)]
mod tests {
    use super::*;
    use bench_messages::{evidence, join, step, KINDS};

    fn key_bytes(env: &KeyEnvelope) -> Vec<u8> {
        let mut buf = vec![9; 3];
        let msgs: Vec<ToKeys> = env.msgs.iter().map(|m| m.1.clone()).collect();
        let numbers: Vec<u64> = env.msgs.iter().map(|m| m.0).collect();
        let which: Vec<usize> = (0..msgs.len()).collect();
        encode_key(env.src, env.tick, (&msgs, &numbers, &which), &mut buf);
        buf
    }

    /// `back`'s items must be numbered consecutively (as the key side numbers them).
    fn back_bytes(back: &EvidenceEnvelope) -> Vec<u8> {
        let mut buf = vec![9; 3];
        let first = back.items.first().map_or(0, |i| i.0);
        let evs: Vec<Evidence> = back.items.iter().map(|i| i.1.clone()).collect();
        encode_back(back.from, back.ack, first, &evs, &mut buf);
        buf
    }

    fn obs(account: &str, kind: KeyKind, hash: u64, ts_ms: i64) -> Observation {
        Observation {
            key: CorrKey { kind, hash },
            account: account.into(),
            ts_ms,
            fresh: hash % 2 == 0,
            extraction: 0,
            org: (hash % 3 == 0).then_some(hash.rotate_left(17)),
            activity: hash.rotate_left(7) | 1,
            label: (hash % 5 == 0).then_some(CampaignLabel {
                cohort: false,
                since_ms: ts_ms.wrapping_sub(1),
                key: hash,
            }),
        }
    }

    fn ev(account: &str, hash: u64, ts_ms: i64) -> Evidence {
        Evidence {
            account: account.into(),
            key: CorrKey {
                kind: KINDS[(hash % 7) as usize],
                hash,
            },
            ts_ms,
            strength: hash as f64 / 7.0,
            group_extraction: 0,
            suspect_members: (hash % 11) as u32,
            members: (hash % 101) as u32,
            sync: -0.25,
            label: (hash % 4 == 0).then_some(CampaignLabel {
                cohort: false,
                since_ms: ts_ms.wrapping_neg(),
                key: !hash,
            }),
        }
    }

    /// The bench's step as task 4's envelope, with a tick.
    fn envelope() -> KeyEnvelope {
        let (msgs, numbers) = step();
        KeyEnvelope {
            src: 4,
            msgs: numbers.into_iter().zip(msgs).collect(),
            tick: Some(1_776_812_901_862),
        }
    }

    #[test]
    fn account_entries_survive_hash_collisions() {
        let mut t = Interner::default();
        let mut table = Vec::new();
        assert_eq!(t.account("a", &mut table), 0);
        // make every other entry collide with "a": found by scan, never merged with it
        for id in ["b", "c"] {
            let h = t.hasher.hash_one(id);
            t.account_by_hash.insert(h, 0);
        }
        let got: Vec<u32> = ["b", "a", "c", "b"]
            .into_iter()
            .map(|id| t.account(id, &mut table))
            .collect();
        assert_eq!(got, [1, 0, 2, 1]);
        assert_eq!(table, ["a", "b", "c"]);
        t.clear();
        assert_eq!(t.account("c", &mut Vec::new()), 0);
    }

    #[test]
    fn observation_messages_of_every_kind_round_trip() {
        let check = |env: KeyEnvelope| {
            let bytes = key_bytes(&env);
            assert_eq!(&bytes[..2], [MAGIC, VERSION]);
            assert_eq!(decode_key(&bytes), Ok(env));
        };
        let mut unlabelled = obs("acct-1", KeyKind::Ip, 7, 1_776_812_601_862);
        unlabelled.label = None;
        let mut labelled = unlabelled.clone();
        labelled.label = Some(CampaignLabel {
            cohort: true,
            since_ms: -3,
            key: u64::MAX,
        });
        let leave = ToKeys::Leave {
            account: "acct-1".into(),
            label: CampaignLabel {
                cohort: false,
                since_ms: 9,
                key: 1 << 63,
            },
            ts_ms: -1,
        };
        let of = |msgs: Vec<(u64, ToKeys)>, tick| KeyEnvelope { src: 3, msgs, tick };
        // observations with and without a label, campaign moves, ticks, alone and together
        check(of(vec![(1, ToKeys::Observe(unlabelled.clone()))], None));
        check(of(vec![(1, ToKeys::Observe(labelled.clone()))], Some(5)));
        check(of(vec![(0, join("acct-9"))], None));
        check(of(vec![(0, leave.clone())], Some(-5)));
        check(of(Vec::new(), Some(1_776_812_901_862)));
        check(of(Vec::new(), None));
        check(of(
            vec![
                (2, ToKeys::Observe(labelled.clone())),
                (0, leave),
                (3, ToKeys::Observe(unlabelled)),
                (0, join("acct-1")),
                (4, ToKeys::Observe(labelled)),
            ],
            Some(0),
        ));
        check(envelope());
        // extreme values: every delta wraps and comes back exact
        let mut o = obs("", KeyKind::ApiKey, u64::MAX, i64::MAX);
        o.activity = u64::MAX;
        o.org = Some(u64::MAX);
        check(KeyEnvelope {
            src: i32::MAX,
            msgs: vec![
                (u64::MAX, ToKeys::Observe(o.clone())),
                (1, ToKeys::Observe(obs("é", KeyKind::Prompt, 0, i64::MIN))),
                (u64::MAX, ToKeys::Observe(o)),
            ],
            tick: None,
        });
        check(of(Vec::new(), Some(i64::MIN)));
    }

    #[test]
    fn evidence_messages_round_trip() {
        let check = |back: EvidenceEnvelope| {
            let bytes = back_bytes(&back);
            assert_eq!(&bytes[..2], [MAGIC, VERSION]);
            assert_eq!(decode_back(&bytes), Ok(back));
        };
        let numbered = |first: u64, n: usize| -> Vec<(u64, Evidence)> {
            (first..).zip(evidence().into_iter().take(n)).collect()
        };
        let ack = Some(Ack {
            wm: 9,
            slowest: i64::MIN,
        });
        // evidence with and without labels, with and without an ack, an ack alone, nothing
        check(EvidenceEnvelope {
            from: 11,
            items: numbered(1000, 300),
            ack,
        });
        check(EvidenceEnvelope {
            from: 0,
            items: numbered(1, 3),
            ack: None,
        });
        check(EvidenceEnvelope {
            from: i32::MIN,
            items: Vec::new(),
            ack,
        });
        check(EvidenceEnvelope {
            from: 0,
            items: Vec::new(),
            ack: None,
        });
        // numbers wrap past the largest; event times at both ends
        check(EvidenceEnvelope {
            from: 2,
            items: vec![(u64::MAX, ev("a", 8, i64::MAX)), (0, ev("a", 8, i64::MIN))],
            ack: None,
        });
    }

    #[test]
    fn messages_stay_compact() {
        // the tables, the deltas and the varints are what keep items this small: a regression
        // in any of them shows here
        let env = envelope();
        let bytes = key_bytes(&env);
        assert!(
            bytes.len() < 13 * env.msgs.len(),
            "{} bytes for {} observations",
            bytes.len(),
            env.msgs.len()
        );
        let items = evidence();
        let mut buf = Vec::new();
        encode_back(1, None, 1, &items, &mut buf);
        assert!(
            buf.len() < 40 * items.len(),
            "{} bytes for {} pieces of evidence",
            buf.len(),
            items.len()
        );
    }

    #[test]
    fn held_messages_round_trip_per_sender_in_arrival_order() {
        let (a, b) = (
            envelope(),
            KeyEnvelope {
                src: 1,
                ..envelope()
            },
        );
        // two senders interleaved, as a key side receives them
        let mut held = Vec::new();
        for (x, y) in a.msgs.iter().zip(&b.msgs) {
            for (src, (seq, msg)) in [(a.src, x), (b.src, y)] {
                held.push(HeldMsg {
                    src,
                    seq: *seq,
                    msg: msg.clone(),
                });
            }
        }
        let bytes = encode_held(&held);
        assert_eq!(&bytes[..2], [MAGIC, VERSION]);
        let back = decode_held(&bytes).unwrap();
        let of = |src: i32, v: &[HeldMsg]| -> Vec<HeldMsg> {
            v.iter().filter(|h| h.src == src).cloned().collect()
        };
        assert_eq!(back.len(), held.len());
        for src in [a.src, b.src] {
            assert_eq!(of(src, &back), of(src, &held));
        }
        assert!(encode_held(&[]).is_empty());
        assert_eq!(decode_held(&[]), Ok(Vec::new()));
        assert!(decode_held(&bytes[..bytes.len() - 1]).is_err());
        assert_eq!(decode_held(&[0, 1]), Err(WireError::NoMagic));
    }

    #[test]
    fn other_formats_and_versions_are_refused() {
        let check = |bytes: &[u8], expected: WireError| {
            assert_eq!(decode_key(bytes), Err(expected.clone()), "{bytes:?}");
            assert_eq!(
                decode_back(bytes).err(),
                Some(expected.clone()),
                "{bytes:?}"
            );
            if !bytes.is_empty() {
                assert_eq!(decode_held(bytes), Err(expected), "{bytes:?}");
            }
        };
        // the bincode format before version 2: an envelope of task 4 with a tick of 5
        check(&[0x08, 0x00, 0x01, 0x0A], WireError::NoMagic);
        // version 2: the same envelope
        let v2 = [MAGIC, 2, 0x08, 0x01, 0x0A, 0x00, 0x00, 0x00];
        check(&v2, WireError::Version(2));
        check(&[MAGIC, VERSION + 1], WireError::Version(VERSION + 1));
        check(&[MAGIC], WireError::NoVersion);
        check(&[], WireError::NoMagic);
        check(b"{\"json\": 1}", WireError::NoMagic);
        let refusal = WireError::Version(2).to_string();
        assert!(
            refusal.contains("version 2") && refusal.contains("reset"),
            "{refusal}"
        );
    }

    #[test]
    fn damaged_messages_are_errors_not_panics() {
        let mut env = envelope();
        env.msgs.truncate(30);
        let key = key_bytes(&env);
        let back = back_bytes(&EvidenceEnvelope {
            from: 1,
            items: (0..20).map(|i| (i, ev("acct", i, i as i64))).collect(),
            ack: Some(Ack { wm: 1, slowest: 0 }),
        });
        let mut long = key.clone();
        long.push(0);
        assert_eq!(decode_key(&long), Err(WireError::Trailing(1)));
        // an index past a table: one account, one key, an item naming the second account
        let mut bad = Vec::new();
        let one = ObservationMessage {
            src: 0,
            tick: None,
            accounts: vec![ObservingAccount {
                id: "a",
                fresh: false,
                org: None,
            }],
            keys: vec![WireKey {
                kind: KeyKind::Ip,
                hash: 1,
            }],
            items: vec![KeyItem::Observe(ObservationItem {
                seq_delta: 1,
                account: 1,
                key: 0,
                ts_delta: 0,
                activity: 0,
                extraction: 0,
            })],
        };
        write(&one, &mut bad);
        let past = WireError::Index {
            table: "account",
            index: 1,
            len: 1,
        };
        assert_eq!(decode_key(&bad), Err(past));
        // every truncation is an error; every single-byte change decodes or is an error
        for cut in 0..key.len() {
            assert!(decode_key(&key[..cut]).is_err(), "cut at {cut}");
        }
        for cut in 0..back.len() {
            assert!(decode_back(&back[..cut]).is_err(), "cut at {cut}");
        }
        for bytes in [&key, &back] {
            for i in 2..bytes.len() {
                for flip in [0x01, 0x80, 0xff] {
                    let mut b = bytes.clone();
                    b[i] ^= flip;
                    let _ = decode_key(&b);
                    let _ = decode_back(&b);
                    let _ = decode_held(&b);
                }
            }
        }
        // garbage after a valid header
        for len in 0..64u8 {
            let mut b = vec![MAGIC, VERSION];
            b.extend((0..len).map(|i| i.wrapping_mul(37) ^ 0xA5));
            let _ = decode_key(&b);
            let _ = decode_back(&b);
            let _ = decode_held(&b);
        }
    }
}
