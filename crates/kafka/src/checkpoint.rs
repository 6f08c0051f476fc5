//! Checkpoint records: a partition's engine snapshot plus the next input offset, stored in the
//! compacted topic `<prefix>-checkpoints`.
//!
//! A snapshot may be larger than a broker accepts in one message, so it is written as chunks
//! keyed `<topic>/<partition>/<slot>/<i>` followed by a small JSON manifest keyed
//! `<topic>/<partition>` that names the slot, the chunk count, the length and a checksum.
//! Writes alternate between two slots, so a crash half-way through writing chunks never damages
//! the slot the current manifest points at. Compaction keeps the last value per key.

use crate::repartition::SplitState;
use distillguard_types::hash::stable_hash;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A restored (or to-be-written) checkpoint of one input partition.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// Offset of the first input record *not* covered by the state.
    pub next_offset: i64,
    /// The engine's highest event time (restores the partition watermark).
    pub max_event_ms: i64,
    /// `Engine::snapshot()` bytes.
    pub state: Vec<u8>,
    /// Slot the chunks were written to (0 or 1).
    pub slot: u8,
    /// Split mode: internal offsets and message numbers.
    pub split: SplitState,
    /// Split mode: the key side's held messages ([`crate::wire::encode_held`]; empty: none),
    /// written after `state` in the same chunks.
    pub held: Vec<u8>,
}

/// The manifest record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Manifest {
    v: u32,
    next_offset: i64,
    max_event_ms: i64,
    slot: u8,
    chunks: u32,
    len: u64,
    checksum: u64,
    #[serde(default)]
    split: SplitState,
    /// Bytes at the end of the chunks that are the held messages, not the snapshot (absent in
    /// manifests written before key sides held messages: none).
    #[serde(default)]
    held: u64,
}

/// Key of a partition's manifest.
pub fn manifest_key(topic: &str, partition: i32) -> String {
    format!("{topic}/{partition}")
}

/// Key of one chunk.
pub fn chunk_key(topic: &str, partition: i32, slot: u8, index: u32) -> String {
    format!("{topic}/{partition}/{slot}/{index}")
}

/// Records (key, value) to write, chunks first, manifest last.
pub fn encode(
    topic: &str,
    partition: i32,
    ckpt: &Checkpoint,
    chunk_bytes: usize,
) -> Vec<(String, Vec<u8>)> {
    let chunk_bytes = chunk_bytes.max(1);
    // the snapshot, then the held messages: one byte string cut into chunks
    let data = [ckpt.state.as_slice(), ckpt.held.as_slice()];
    let len = ckpt.state.len() + ckpt.held.len();
    let mut out: Vec<(String, Vec<u8>)> = Vec::with_capacity(len.div_ceil(chunk_bytes));
    let mut chunk = Vec::new();
    for part in data {
        let mut rest = part;
        while !rest.is_empty() {
            let n = (chunk_bytes - chunk.len()).min(rest.len());
            chunk.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if chunk.len() == chunk_bytes {
                let key = chunk_key(topic, partition, ckpt.slot, out.len() as u32);
                out.push((key, std::mem::take(&mut chunk)));
            }
        }
    }
    if !chunk.is_empty() {
        let key = chunk_key(topic, partition, ckpt.slot, out.len() as u32);
        out.push((key, chunk));
    }
    let checksum = if ckpt.held.is_empty() {
        stable_hash(&ckpt.state)
    } else {
        stable_hash(&[ckpt.state.as_slice(), ckpt.held.as_slice()].concat())
    };
    let m = Manifest {
        v: 1,
        next_offset: ckpt.next_offset,
        max_event_ms: ckpt.max_event_ms,
        slot: ckpt.slot,
        chunks: out.len() as u32,
        len: len as u64,
        checksum,
        split: ckpt.split.clone(),
        held: ckpt.held.len() as u64,
    };
    let manifest = serde_json::to_vec(&m).expect("manifest serializes");
    out.push((manifest_key(topic, partition), manifest));
    out
}

/// The last value per key read from the checkpoint topic.
#[derive(Debug, Default, Clone)]
pub struct CheckpointStore {
    latest: HashMap<String, Vec<u8>>,
}

impl CheckpointStore {
    /// Apply one record in log order (a `None` value is a tombstone).
    pub fn apply(&mut self, key: &str, value: Option<&[u8]>) {
        match value {
            Some(v) => {
                self.latest.insert(key.to_owned(), v.to_vec());
            }
            None => {
                self.latest.remove(key);
            }
        }
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.latest.len()
    }

    /// True when no key is held.
    pub fn is_empty(&self) -> bool {
        self.latest.is_empty()
    }

    /// The checkpoint of `topic`/`partition`: `Ok(None)` when there is none, `Err` when the
    /// manifest or its chunks are damaged.
    pub fn get(&self, topic: &str, partition: i32) -> Result<Option<Checkpoint>, String> {
        let Some(raw) = self.latest.get(&manifest_key(topic, partition)) else {
            return Ok(None);
        };
        let m: Manifest =
            serde_json::from_slice(raw).map_err(|e| format!("unreadable manifest: {e}"))?;
        if m.v != 1 {
            return Err(format!("unknown manifest version {}", m.v));
        }
        let mut state = Vec::with_capacity(m.len as usize);
        for i in 0..m.chunks {
            let k = chunk_key(topic, partition, m.slot, i);
            let c = self
                .latest
                .get(&k)
                .ok_or_else(|| format!("chunk {k} missing"))?;
            state.extend_from_slice(c);
        }
        if state.len() as u64 != m.len || stable_hash(&state) != m.checksum || m.held > m.len {
            return Err("chunks do not match the manifest (length or checksum)".into());
        }
        let held = state.split_off((m.len - m.held) as usize);
        Ok(Some(Checkpoint {
            next_offset: m.next_offset,
            max_event_ms: m.max_event_ms,
            state,
            slot: m.slot,
            split: m.split,
            held,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ckpt(slot: u8, state: Vec<u8>) -> Checkpoint {
        Checkpoint {
            next_offset: 42,
            max_event_ms: 7,
            state,
            slot,
            split: SplitState {
                obs_next: (slot == 1).then_some(7),
                obs_seq: 3,
                seen_evi: [(2, 5)].into_iter().collect(),
                pending_acks: [(1, 99)].into_iter().collect(),
                ..Default::default()
            },
            held: Vec::new(),
        }
    }

    fn load(store: &mut CheckpointStore, recs: &[(String, Vec<u8>)]) {
        for (k, v) in recs {
            store.apply(k, Some(v));
        }
    }

    #[test]
    fn roundtrip_in_chunks() {
        let state: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let recs = encode("t", 3, &ckpt(1, state.clone()), 4096);
        assert_eq!(recs.len(), 4);
        assert_eq!(recs.last().unwrap().0, "t/3");
        let mut s = CheckpointStore::default();
        load(&mut s, &recs);
        assert_eq!(s.get("t", 3).unwrap(), Some(ckpt(1, state)));
        assert_eq!(s.get("t", 4).unwrap(), None);
    }

    #[test]
    fn held_messages_follow_the_snapshot_in_the_same_chunks() {
        let state: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let mut c = ckpt(0, state);
        c.held = vec![7; 3000];
        let recs = encode("t", 1, &c, 4096);
        assert_eq!(
            recs.len(),
            3,
            "8000 bytes in 4096-byte chunks, then the manifest"
        );
        let mut s = CheckpointStore::default();
        load(&mut s, &recs);
        assert_eq!(s.get("t", 1).unwrap(), Some(c));
    }

    #[test]
    fn manifests_from_before_held_messages_still_load() {
        let c = ckpt(0, vec![5; 100]);
        let mut recs = encode("t", 0, &c, 4096);
        let manifest = &mut recs.last_mut().unwrap().1;
        let mut json: serde_json::Value = serde_json::from_slice(manifest).unwrap();
        assert!(json.as_object_mut().unwrap().remove("held").is_some());
        *manifest = serde_json::to_vec(&json).unwrap();
        let mut s = CheckpointStore::default();
        load(&mut s, &recs);
        assert_eq!(s.get("t", 0).unwrap(), Some(c));
    }

    #[test]
    fn empty_state_is_one_manifest() {
        let recs = encode("t", 0, &ckpt(0, vec![]), 4096);
        assert_eq!(recs.len(), 1);
        let mut s = CheckpointStore::default();
        load(&mut s, &recs);
        assert_eq!(s.get("t", 0).unwrap().unwrap().state, Vec::<u8>::new());
    }

    #[test]
    fn half_written_other_slot_leaves_the_current_one_intact() {
        let mut s = CheckpointStore::default();
        load(&mut s, &encode("t", 0, &ckpt(0, vec![1; 5000]), 1024));
        // a crash while writing slot 1: some chunks, no manifest
        let next = encode("t", 0, &ckpt(1, vec![2; 5000]), 1024);
        load(&mut s, &next[..2]);
        assert_eq!(s.get("t", 0).unwrap().unwrap().state, vec![1; 5000]);
    }

    #[test]
    fn damaged_chunks_are_reported() {
        let mut s = CheckpointStore::default();
        let recs = encode("t", 0, &ckpt(0, vec![1; 5000]), 1024);
        load(&mut s, &recs);
        s.apply(&chunk_key("t", 0, 0, 1), Some(&[9; 1024]));
        assert!(s.get("t", 0).is_err());
        s.apply(&chunk_key("t", 0, 0, 1), None);
        assert!(s.get("t", 0).unwrap_err().contains("missing"));
    }
}
