//! The internal topics' wire format: [`KeyEnvelope`]s on the observation topic,
//! [`EvidenceEnvelope`]s on the evidence topic, written and read by hand.
//!
//! One message packs up to [`PACK`](crate::repartition::PACK) items of one sender for one
//! receiver, and most of an item repeats from item to item: the same few accounts (an account
//! makes about ten observations per event, many events per step), the same keys, nearby event
//! times and close sequence numbers. So a message starts with a table of the accounts it
//! mentions (with their org and freshness for observations) and one of its correlation keys;
//! items refer to them by index, event times and observation numbers are differences from the
//! previous item (zigzag varints; exact for any value), and evidence is numbered on from the
//! message's first number. Campaign moves (rare) travel as bincode inside the message.
//!
//! Why: the internal topics are split mode's biggest cost (every byte is produced, stored by
//! the broker, fetched and copied), and this format takes less than half of bincode's bytes
//! (sizes in benches/RESULTS.md).
//!
//! A message starts with [`MAGIC`] and the format version. Messages without the magic byte are
//! read as the previous format (bincode of the same types; its first byte, a small varint,
//! never equals [`MAGIC`]), so internal topics written by an older version still drain after
//! an upgrade. Anything undecodable is a [`WireError`], which the live loop counts and logs.

use crate::repartition::{Ack, EvidenceEnvelope, HeldMsg, KeyEnvelope};
use ahash::AHashMap;
use bincode::Options;
use distillguard_types::corr::{CampaignLabel, CorrKey, Evidence, KeyKind, Observation, ToKeys};
use distillguard_types::event::AccountId;

/// First byte of every message of this format: a bincode varint marker for a 128-bit integer,
/// which the previous format (bincode, starting with an `i32`) never starts with.
pub const MAGIC: u8 = 0xFE;
/// The format version after [`MAGIC`].
pub const VERSION: u8 = 2;

/// Every key family, indexed by its wire code (`kind as u8`).
const KINDS: [KeyKind; 8] = [
    KeyKind::Template,
    KeyKind::System,
    KeyKind::Ip,
    KeyKind::Prefix,
    KeyKind::Asn,
    KeyKind::Payment,
    KeyKind::ApiKey,
    KeyKind::Prompt,
];

/// Item tags on the observation topic.
const OBSERVE: u8 = 0;
const OBSERVE_LABELLED: u8 = 1;
const OTHER: u8 = 2;

/// Why an internal message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The message ends inside an item.
    #[error("truncated at byte {0}")]
    Truncated(usize),
    /// A version this build does not read.
    #[error("unknown internal format version {0}")]
    Version(u8),
    /// A field holds an impossible value.
    #[error("bad {what} at byte {at}")]
    Bad {
        /// The field.
        what: &'static str,
        /// Where.
        at: usize,
    },
    /// Bytes left after the message.
    #[error("{0} trailing bytes")]
    Trailing(usize),
    /// A message of the previous (bincode) format that does not decode.
    #[error("legacy format: {0}")]
    Legacy(String),
}

/// Encode a key-stage envelope into `buf` (cleared first; reused across messages): task
/// `src`'s messages `msgs[i]` for `i` in `which`, numbered `numbers[i]`, then possibly a tick.
pub fn encode_key(
    src: i32,
    tick: Option<i64>,
    (msgs, numbers, which): (&[ToKeys], &[u64], &[usize]),
    buf: &mut Vec<u8>,
) {
    buf.clear();
    buf.extend_from_slice(&[MAGIC, VERSION]);
    put_zig(buf, i64::from(src));
    put_opt_zig(buf, tick);
    ENCODE_INDEX.with_borrow_mut(|t| {
        t.clear();
        let account = |i: usize| match &msgs[i] {
            ToKeys::Observe(o) => (o.account.as_str(), o.org, o.fresh),
            _ => ("", None, false),
        };
        for &i in which {
            let r = match &msgs[i] {
                ToKeys::Observe(o) => (t.account(i, account), t.key(o.key)),
                _ => (0, 0),
            };
            t.refs.push(r);
        }
        put_var(buf, t.accounts.len() as u64);
        for &i in &t.accounts {
            let (id, org, fresh) = account(i);
            put_str(buf, id);
            buf.push(u8::from(fresh) | (u8::from(org.is_some()) << 1));
            if let Some(org) = org {
                buf.extend_from_slice(&org.to_le_bytes());
            }
        }
        put_keys(buf, &t.keys);
        put_var(buf, which.len() as u64);
        let (mut seq0, mut ts0) = (0u64, 0i64);
        for (&i, &(account, key)) in which.iter().zip(&t.refs) {
            let seq = numbers[i];
            match &msgs[i] {
                ToKeys::Observe(o) => {
                    buf.push(if o.label.is_some() {
                        OBSERVE_LABELLED
                    } else {
                        OBSERVE
                    });
                    put_zig(buf, seq.wrapping_sub(seq0) as i64);
                    put_var(buf, u64::from(account));
                    put_var(buf, u64::from(key));
                    put_zig(buf, o.ts_ms.wrapping_sub(ts0));
                    put_var(buf, o.activity);
                    buf.push(o.extraction);
                    if let Some(l) = o.label {
                        put_label(buf, l);
                    }
                    (seq0, ts0) = (seq, o.ts_ms);
                }
                other => {
                    buf.push(OTHER);
                    put_var(buf, seq);
                    let blob = bincode()
                        .serialize(other)
                        .expect("campaign move serializes");
                    put_var(buf, blob.len() as u64);
                    buf.extend_from_slice(&blob);
                }
            }
        }
    });
}

/// Decode a message of the observation topic.
pub fn decode_key(bytes: &[u8]) -> Result<KeyEnvelope, WireError> {
    if bytes.first() != Some(&MAGIC) {
        return legacy(bytes);
    }
    let mut r = Reader::new(bytes)?;
    let src = r.i32()?;
    let tick = r.opt_zig()?;
    let n = r.count()?;
    let mut accounts: Vec<(AccountId, Option<u64>, bool)> = Vec::with_capacity(n);
    for _ in 0..n {
        let id = AccountId::from(r.str()?);
        let at = r.pos;
        let flags = r.u8()?;
        if flags > 3 {
            return Err(WireError::Bad { what: "flags", at });
        }
        let org = if flags & 2 != 0 { Some(r.u64()?) } else { None };
        accounts.push((id, org, flags & 1 != 0));
    }
    let keys = r.keys()?;
    let n = r.count()?;
    let mut msgs = Vec::with_capacity(n);
    let (mut seq0, mut ts0) = (0u64, 0i64);
    for _ in 0..n {
        let at = r.pos;
        match r.u8()? {
            tag @ (OBSERVE | OBSERVE_LABELLED) => {
                let seq = seq0.wrapping_add(r.zig()? as u64);
                let (account, org, fresh) = r.pick(&accounts, "account index")?.clone();
                let key = *r.pick(&keys, "key index")?;
                let ts_ms = ts0.wrapping_add(r.zig()?);
                let activity = r.var()?;
                let extraction = r.u8()?;
                let label = if tag == OBSERVE_LABELLED {
                    Some(r.label()?)
                } else {
                    None
                };
                (seq0, ts0) = (seq, ts_ms);
                let o = Observation {
                    key,
                    account,
                    ts_ms,
                    fresh,
                    extraction,
                    org,
                    activity,
                    label,
                };
                msgs.push((seq, ToKeys::Observe(o)));
            }
            OTHER => {
                let seq = r.var()?;
                let len = r.count()?;
                let at = r.pos;
                let m: ToKeys =
                    bincode()
                        .deserialize(r.take(len)?)
                        .map_err(|_| WireError::Bad {
                            what: "campaign move",
                            at,
                        })?;
                msgs.push((seq, m));
            }
            _ => return Err(WireError::Bad { what: "tag", at }),
        }
    }
    r.end()?;
    Ok(KeyEnvelope { src, msgs, tick })
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
    buf.clear();
    buf.extend_from_slice(&[MAGIC, VERSION]);
    put_zig(buf, i64::from(from));
    match ack {
        Some(Ack { wm, slowest }) => {
            buf.push(1);
            put_zig(buf, wm);
            put_zig(buf, slowest);
        }
        None => buf.push(0),
    }
    ENCODE_INDEX.with_borrow_mut(|t| {
        t.clear();
        let account = |i: usize| (items[i].account.as_str(), None, false);
        for (i, e) in items.iter().enumerate() {
            let r = (t.account(i, account), t.key(e.key));
            t.refs.push(r);
        }
        put_var(buf, t.accounts.len() as u64);
        for &i in &t.accounts {
            put_str(buf, account(i).0);
        }
        put_keys(buf, &t.keys);
        put_var(buf, first_seq);
        put_var(buf, items.len() as u64);
        let mut ts0 = 0i64;
        for (e, &(account, key)) in items.iter().zip(&t.refs) {
            buf.push(u8::from(e.label.is_some()));
            put_var(buf, u64::from(account));
            put_var(buf, u64::from(key));
            put_zig(buf, e.ts_ms.wrapping_sub(ts0));
            buf.extend_from_slice(&e.strength.to_le_bytes());
            buf.push(e.group_extraction);
            put_var(buf, u64::from(e.suspect_members));
            put_var(buf, u64::from(e.members));
            buf.extend_from_slice(&e.sync.to_le_bytes());
            if let Some(l) = e.label {
                put_label(buf, l);
            }
            ts0 = e.ts_ms;
        }
    });
}

/// Decode a message of the evidence topic.
pub fn decode_back(bytes: &[u8]) -> Result<EvidenceEnvelope, WireError> {
    if bytes.first() != Some(&MAGIC) {
        return legacy(bytes);
    }
    let mut r = Reader::new(bytes)?;
    let from = r.i32()?;
    let at = r.pos;
    let ack = match r.u8()? {
        0 => None,
        1 => Some(Ack {
            wm: r.zig()?,
            slowest: r.zig()?,
        }),
        _ => return Err(WireError::Bad { what: "ack", at }),
    };
    let n = r.count()?;
    let mut accounts: Vec<AccountId> = Vec::with_capacity(n);
    for _ in 0..n {
        accounts.push(AccountId::from(r.str()?));
    }
    let keys = r.keys()?;
    let first_seq = r.var()?;
    let n = r.count()?;
    let mut items = Vec::with_capacity(n);
    let mut ts0 = 0i64;
    for i in 0..n {
        let at = r.pos;
        let labelled = match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(WireError::Bad { what: "flags", at }),
        };
        let seq = first_seq.wrapping_add(i as u64);
        let account = r.pick(&accounts, "account index")?.clone();
        let key = *r.pick(&keys, "key index")?;
        let ts_ms = ts0.wrapping_add(r.zig()?);
        let strength = r.f64()?;
        let group_extraction = r.u8()?;
        let suspect_members = r.u32()?;
        let members = r.u32()?;
        let sync = r.f64()?;
        let label = if labelled { Some(r.label()?) } else { None };
        ts0 = ts_ms;
        items.push((
            seq,
            Evidence {
                account,
                key,
                ts_ms,
                strength,
                group_extraction,
                suspect_members,
                members,
                sync,
                label,
            },
        ));
    }
    r.end()?;
    Ok(EvidenceEnvelope { from, items, ack })
}

/// Encode a key side's held messages (for its checkpoint): [`MAGIC`], the version, then per
/// sender, in sender order, one observation-topic message of that sender's held messages in
/// arrival order (length-prefixed). Arrival order between senders is not kept: applying
/// sorts by (event time, account, sender) and keeps only each sender's own order.
pub fn encode_held(held: &[HeldMsg]) -> Vec<u8> {
    if held.is_empty() {
        return Vec::new();
    }
    let mut by_src: std::collections::BTreeMap<i32, Vec<usize>> = Default::default();
    for (i, h) in held.iter().enumerate() {
        by_src.entry(h.src).or_default().push(i);
    }
    let msgs: Vec<ToKeys> = held.iter().map(|h| h.msg.clone()).collect();
    let numbers: Vec<u64> = held.iter().map(|h| h.seq).collect();
    let mut out = vec![MAGIC, VERSION];
    put_var(&mut out, by_src.len() as u64);
    let mut buf = Vec::new();
    for (src, which) in by_src {
        encode_key(src, None, (&msgs, &numbers, &which), &mut buf);
        put_var(&mut out, buf.len() as u64);
        out.extend_from_slice(&buf);
    }
    out
}

/// Decode [`encode_held`]'s bytes (empty: nothing held).
pub fn decode_held(bytes: &[u8]) -> Result<Vec<HeldMsg>, WireError> {
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    if bytes[0] != MAGIC {
        return Err(WireError::Bad {
            what: "held messages",
            at: 0,
        });
    }
    let mut r = Reader::new(bytes)?;
    let groups = r.count()?;
    let mut held = Vec::new();
    for _ in 0..groups {
        let len = r.count()?;
        let env = decode_key(r.take(len)?)?;
        held.extend(env.msgs.into_iter().map(|(seq, msg)| HeldMsg {
            src: env.src,
            seq,
            msg,
        }));
    }
    r.end()?;
    Ok(held)
}

/// A message of the previous format (no [`MAGIC`]): bincode of the same type.
fn legacy<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, WireError> {
    bincode()
        .deserialize(bytes)
        .map_err(|e| WireError::Legacy(e.to_string()))
}

/// Bincode with variable-length integers: the previous format, and campaign moves inside this
/// one.
fn bincode() -> impl Options {
    bincode::DefaultOptions::new()
}

/// The account and key tables of the message being encoded, kept per thread so that their
/// maps and vectors are reused from message to message (a message is encoded per step and key
/// partition, tens of thousands a second, and growing fresh maps each time was most of
/// encoding).
#[derive(Default)]
struct EncodeIndex {
    /// Hash of an account entry → its index; a colliding different entry is found by scan.
    by_hash: AHashMap<u64, u32>,
    /// Per account entry, the item that introduced it.
    accounts: Vec<usize>,
    /// Key → its index.
    by_key: AHashMap<CorrKey, u32>,
    /// The keys in first-seen order.
    keys: Vec<CorrKey>,
    /// Per item, its (account, key) indices.
    refs: Vec<(u32, u32)>,
    hasher: ahash::RandomState,
}

/// An account entry: id, org, freshness (observations; evidence has none).
type AccountEntry<'a> = (&'a str, Option<u64>, bool);

thread_local! {
    static ENCODE_INDEX: std::cell::RefCell<EncodeIndex> = std::cell::RefCell::default();
}

impl EncodeIndex {
    fn clear(&mut self) {
        self.by_hash.clear();
        self.accounts.clear();
        self.by_key.clear();
        self.keys.clear();
        self.refs.clear();
    }

    /// The index of item `i`'s account entry (`entry` reads any item's), added if new.
    fn account<'a>(&mut self, i: usize, entry: impl Fn(usize) -> AccountEntry<'a>) -> u32 {
        let e = entry(i);
        let h = self.hasher.hash_one(e);
        let next = self.accounts.len() as u32;
        match self.by_hash.get(&h) {
            Some(&t) if entry(self.accounts[t as usize]) == e => t,
            Some(_) => {
                // a hash collision: scan (never seen in practice, but exact all the same)
                match self.accounts.iter().position(|&j| entry(j) == e) {
                    Some(t) => t as u32,
                    None => {
                        self.accounts.push(i);
                        next
                    }
                }
            }
            None => {
                self.by_hash.insert(h, next);
                self.accounts.push(i);
                next
            }
        }
    }

    /// The index of `key`, added if new.
    fn key(&mut self, key: CorrKey) -> u32 {
        let next = self.keys.len() as u32;
        *self.by_key.entry(key).or_insert_with(|| {
            self.keys.push(key);
            next
        })
    }
}

fn put_var(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push(v as u8 | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn put_zig(buf: &mut Vec<u8>, v: i64) {
    put_var(buf, ((v << 1) ^ (v >> 63)) as u64);
}

fn put_opt_zig(buf: &mut Vec<u8>, v: Option<i64>) {
    match v {
        Some(v) => {
            buf.push(1);
            put_zig(buf, v);
        }
        None => buf.push(0),
    }
}

fn put_str(buf: &mut Vec<u8>, s: &str) {
    put_var(buf, s.len() as u64);
    buf.extend_from_slice(s.as_bytes());
}

fn put_keys(buf: &mut Vec<u8>, keys: &[CorrKey]) {
    put_var(buf, keys.len() as u64);
    for k in keys {
        buf.push(k.kind as u8);
        buf.extend_from_slice(&k.hash.to_le_bytes());
    }
}

fn put_label(buf: &mut Vec<u8>, l: CampaignLabel) {
    buf.push(u8::from(l.cohort));
    put_zig(buf, l.since_ms);
    buf.extend_from_slice(&l.key.to_le_bytes());
}

/// A cursor over one message; every read checks the bounds.
struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Past the magic byte and a version this build reads.
    fn new(b: &'a [u8]) -> Result<Self, WireError> {
        let mut r = Reader { b, pos: 1 };
        match r.u8()? {
            VERSION => Ok(r),
            v => Err(WireError::Version(v)),
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.b.len())
            .ok_or(WireError::Truncated(self.b.len()))?;
        let s = &self.b[self.pos..end];
        self.pos = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }

    fn u64(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }

    fn f64(&mut self) -> Result<f64, WireError> {
        Ok(f64::from_bits(self.u64()?))
    }

    fn var(&mut self) -> Result<u64, WireError> {
        let at = self.pos;
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            if shift == 63 && b > 1 {
                break;
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(WireError::Bad { what: "varint", at })
    }

    fn zig(&mut self) -> Result<i64, WireError> {
        let v = self.var()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn opt_zig(&mut self) -> Result<Option<i64>, WireError> {
        let at = self.pos;
        match self.u8()? {
            0 => Ok(None),
            1 => Ok(Some(self.zig()?)),
            _ => Err(WireError::Bad { what: "option", at }),
        }
    }

    fn i32(&mut self) -> Result<i32, WireError> {
        let at = self.pos;
        i32::try_from(self.zig()?).map_err(|_| WireError::Bad {
            what: "partition",
            at,
        })
    }

    fn u32(&mut self) -> Result<u32, WireError> {
        let at = self.pos;
        u32::try_from(self.var()?).map_err(|_| WireError::Bad { what: "count", at })
    }

    /// A length or count: never more than the bytes left (every item takes at least one), so a
    /// corrupt count cannot ask for a huge allocation.
    fn count(&mut self) -> Result<usize, WireError> {
        let at = self.pos;
        let n = self.var()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.b.len() - self.pos)
            .ok_or(WireError::Bad { what: "length", at })
    }

    fn str(&mut self) -> Result<&'a str, WireError> {
        let n = self.count()?;
        let at = self.pos;
        std::str::from_utf8(self.take(n)?).map_err(|_| WireError::Bad { what: "utf-8", at })
    }

    fn keys(&mut self) -> Result<Vec<CorrKey>, WireError> {
        let n = self.count()?;
        let mut keys = Vec::with_capacity(n);
        for _ in 0..n {
            let at = self.pos;
            let kind = *KINDS.get(usize::from(self.u8()?)).ok_or(WireError::Bad {
                what: "key kind",
                at,
            })?;
            keys.push(CorrKey {
                kind,
                hash: self.u64()?,
            });
        }
        Ok(keys)
    }

    fn label(&mut self) -> Result<CampaignLabel, WireError> {
        let at = self.pos;
        let cohort = match self.u8()? {
            0 => false,
            1 => true,
            _ => return Err(WireError::Bad { what: "label", at }),
        };
        Ok(CampaignLabel {
            cohort,
            since_ms: self.zig()?,
            key: self.u64()?,
        })
    }

    fn pick<'t, T>(&mut self, table: &'t [T], what: &'static str) -> Result<&'t T, WireError> {
        let at = self.pos;
        let i = self.var()?;
        usize::try_from(i)
            .ok()
            .and_then(|i| table.get(i))
            .ok_or(WireError::Bad { what, at })
    }

    fn end(&self) -> Result<(), WireError> {
        match self.b.len() - self.pos {
            0 => Ok(()),
            n => Err(WireError::Trailing(n)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::corr::View;

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
        let mut buf = Vec::new();
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
                since_ms: -ts_ms,
                key: !hash,
            }),
        }
    }

    /// A step's worth of observations: 20 accounts, ten keys an event, a campaign move.
    fn envelope() -> KeyEnvelope {
        let mut msgs = Vec::new();
        let mut seq = 40;
        for e in 0..100u64 {
            let account = format!("acct_2rrzaaw7wdnq-r{}", e % 20);
            for k in 0..10u64 {
                seq += 1 + k % 2;
                let hash = (e % 7 * 10 + k).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                let ts = 1_776_812_601_862 + e as i64 * 3_100 - k as i64;
                msgs.push((
                    seq,
                    ToKeys::Observe(obs(&account, KINDS[k as usize % 7], hash, ts)),
                ));
            }
        }
        msgs.insert(
            7,
            (
                0,
                ToKeys::Join {
                    account: "acct-2".into(),
                    label: CampaignLabel {
                        cohort: false,
                        since_ms: 1,
                        key: 2,
                    },
                    views: vec![View::Template, View::Timing],
                    key: Some("template:00ff".into()),
                    figures: Default::default(),
                    ts_ms: 3,
                },
            ),
        );
        KeyEnvelope {
            src: 4,
            msgs,
            tick: Some(1_776_812_901_862),
        }
    }

    #[test]
    fn account_entries_survive_hash_collisions() {
        let ids = ["a", "b", "a", "c", "b"];
        let entry = |i: usize| (ids[i], None, false);
        let mut t = EncodeIndex::default();
        assert_eq!(t.account(0, entry), 0);
        // make every other entry collide with "a": found by scan, never merged with it
        let h = |s: &str| t.hasher.hash_one((s, None::<u64>, false));
        let (hb, hc) = (h("b"), h("c"));
        t.by_hash.insert(hb, 0);
        t.by_hash.insert(hc, 0);
        let got: Vec<u32> = (1..5).map(|i| t.account(i, entry)).collect();
        assert_eq!(got, [1, 0, 2, 1]);
        assert_eq!(t.accounts, [0, 1, 3]);
        t.clear();
        assert_eq!(t.account(3, entry), 0);
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
        let back = decode_held(&encode_held(&held)).unwrap();
        let of = |src: i32, v: &[HeldMsg]| -> Vec<HeldMsg> {
            v.iter().filter(|h| h.src == src).cloned().collect()
        };
        assert_eq!(back.len(), held.len());
        for src in [a.src, b.src] {
            assert_eq!(of(src, &back), of(src, &held));
        }
        assert!(encode_held(&[]).is_empty());
        assert_eq!(decode_held(&[]).unwrap(), Vec::new());
        let bytes = encode_held(&held);
        assert!(decode_held(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode_held(&[0, 1]).is_err());
    }

    #[test]
    fn kinds_are_indexed_by_their_code() {
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(*k as usize, i);
        }
    }

    #[test]
    fn envelopes_round_trip_in_under_half_of_bincode() {
        let env = envelope();
        let bytes = key_bytes(&env);
        assert_eq!(decode_key(&bytes).unwrap(), env);
        let legacy = bincode().serialize(&env).unwrap();
        assert!(
            bytes.len() * 2 < legacy.len(),
            "{} vs bincode {}",
            bytes.len(),
            legacy.len()
        );
        // a tick alone, and extreme values
        let tick = KeyEnvelope {
            src: i32::MIN,
            msgs: Vec::new(),
            tick: Some(i64::MIN),
        };
        assert_eq!(decode_key(&key_bytes(&tick)).unwrap(), tick);
        let mut o = obs("", KeyKind::ApiKey, u64::MAX, i64::MAX);
        o.activity = u64::MAX;
        let odd = KeyEnvelope {
            src: i32::MAX,
            msgs: vec![
                (u64::MAX, ToKeys::Observe(o.clone())),
                (1, ToKeys::Observe(obs("é", KeyKind::Asn, 0, i64::MIN))),
                (u64::MAX, ToKeys::Observe(o)),
            ],
            tick: None,
        };
        assert_eq!(decode_key(&key_bytes(&odd)).unwrap(), odd);
    }

    #[test]
    fn evidence_round_trips_in_under_two_thirds_of_bincode() {
        let items: Vec<(u64, Evidence)> = (0..300u64)
            .map(|i| {
                let account = format!("acct_2rrzaaw7wdnq-r{}", i % 25);
                (
                    1000 + i,
                    ev(&account, i % 40, 1_776_812_601_862 + i as i64 * 700),
                )
            })
            .collect();
        let back = EvidenceEnvelope {
            from: 11,
            items,
            ack: Some(Ack {
                wm: 9,
                slowest: i64::MIN,
            }),
        };
        let bytes = back_bytes(&back);
        assert_eq!(decode_back(&bytes).unwrap(), back);
        let legacy = bincode().serialize(&back).unwrap();
        assert!(
            bytes.len() * 3 < legacy.len() * 2,
            "{} vs bincode {}",
            bytes.len(),
            legacy.len()
        );
        let ack = EvidenceEnvelope {
            from: 0,
            items: Vec::new(),
            ack: None,
        };
        assert_eq!(decode_back(&back_bytes(&ack)).unwrap(), ack);
    }

    #[test]
    fn the_previous_format_still_decodes() {
        let env = envelope();
        assert_eq!(
            decode_key(&bincode().serialize(&env).unwrap()).unwrap(),
            env
        );
        let back = EvidenceEnvelope {
            from: 3,
            items: vec![(5, ev("a", 8, 10))],
            ack: None,
        };
        assert_eq!(
            decode_back(&bincode().serialize(&back).unwrap()).unwrap(),
            back
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
        assert_eq!(decode_key(&[MAGIC, 9]), Err(WireError::Version(9)));
        assert_eq!(decode_back(&[MAGIC]), Err(WireError::Truncated(1)));
        let mut long = key.clone();
        long.push(0);
        assert_eq!(decode_key(&long), Err(WireError::Trailing(1)));
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
                }
            }
        }
    }
}
