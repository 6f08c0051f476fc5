//! Split mode (the live topology over repartition topics) against one in-process engine, with
//! the topics replaced by in-memory queues: accounts are spread over several partitions, each
//! partition's engine holds its accounts and the correlation keys and campaign labels routed to
//! its partition number, and messages between them are delivered late (once per chunk of
//! input), as they would be through Kafka. Shared by `tests/split_mode.rs` and
//! `examples/split_compare.rs`.
#![allow(dead_code)]

use distillguard_io::RecordParser;
use distillguard_pipeline::{Outputs, Pipeline, ToKeys};
use distillguard_types::config::Config;
use distillguard_types::corr::Evidence;
use distillguard_types::hash::stable_hash;
use distillguard_types::ladder::Action;
use distillguard_types::net::NetData;
use distillguard_types::Event;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

/// The shipped fixture's events, in log order.
pub fn events() -> Vec<Event> {
    events_of(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst"))
}

/// The events of a JSONL file (`.gz` / `.zst` too), in log order.
pub fn events_of(path: &Path) -> Vec<Event> {
    let lines = distillguard_io::read_lines(&distillguard_io::InputSpec::new(path)).unwrap();
    let cfg = Config::default();
    let mut parser = RecordParser::new(&cfg.input);
    lines
        .into_iter()
        .map(|mut l| parser.parse(&mut l).expect("input parses"))
        .collect()
}

/// What a run ends with: the highest action per account, and campaigns as member sets.
#[derive(Debug, PartialEq)]
pub struct Outcome {
    pub actioned: BTreeSet<String>,
    pub campaigns: BTreeSet<Vec<String>>,
}

#[derive(Default)]
struct Collect {
    actions: BTreeMap<String, Action>,
    campaigns: BTreeMap<String, Vec<String>>,
}

impl Collect {
    fn take(&mut self, out: &mut Outputs) {
        for v in out.verdicts.drain(..) {
            let a = self.actions.entry(v.account_id).or_insert(v.action);
            *a = (*a).max(v.action);
        }
        for c in out.campaigns.drain(..) {
            self.campaigns.insert(c.campaign_id, c.members);
        }
    }
    fn outcome(self, min_size: usize) -> Outcome {
        Outcome {
            actioned: self
                .actions
                .into_iter()
                .filter(|(_, a)| *a >= Action::Throttle)
                .map(|(k, _)| k)
                .collect(),
            campaigns: self
                .campaigns
                .into_values()
                .filter(|m| m.len() >= min_size)
                .map(|mut m| {
                    m.sort();
                    m
                })
                .collect(),
        }
    }
}

fn engine(split: bool) -> Pipeline {
    let mut p = Pipeline::new(Arc::new(Config::default()), Arc::new(NetData::default()));
    p.set_split(split);
    p
}

pub fn replay(evs: &[Event]) -> Outcome {
    let mut p = engine(false);
    let (mut out, mut got) = (Outputs::default(), Collect::default());
    for (i, ev) in evs.iter().enumerate() {
        p.offer(ev.clone()).unwrap();
        if i % 256 == 0 {
            p.advance(&mut out);
            got.take(&mut out);
        }
    }
    p.finish(&mut out);
    got.take(&mut out);
    got.outcome(5)
}

/// In what order key sides apply the messages of one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {
    /// As they arrive: partition by partition, each partition's in its emit order (what the
    /// live path does today).
    Arrival,
    /// By event time, then account (arrival order within that): the order one replay
    /// observes them in.
    EventTime,
}

/// Messages in flight between the partitions' engines.
struct Wire {
    order: KeyOrder,
    to_keys: Vec<(u32, u32, ToKeys)>,
    evidence: Vec<(u32, Evidence)>,
}

impl Wire {
    fn collect(&mut self, src: u32, parts: u32, out: &mut Outputs) {
        for m in out.to_keys.drain(..) {
            self.to_keys.push((m.partition(parts), src, m));
        }
    }

    /// Deliver everything in flight (and what that produces) until nothing is left.
    fn settle(&mut self, engines: &mut [Pipeline], got: &mut Collect) {
        let parts = engines.len() as u32;
        let (mut out, mut evs) = (Outputs::default(), Vec::new());
        while !self.to_keys.is_empty() || !self.evidence.is_empty() {
            let mut msgs = std::mem::take(&mut self.to_keys);
            if self.order == KeyOrder::EventTime {
                msgs.sort_by(|a, b| a.2.time_and_account().cmp(&b.2.time_and_account()));
            }
            for (dst, src, m) in msgs {
                engines[dst as usize].key_message(&m, &mut evs, &mut out);
                self.evidence.extend(evs.drain(..).map(|e| (src, e)));
                got.take(&mut out);
            }
            for (dst, e) in std::mem::take(&mut self.evidence) {
                engines[dst as usize].evidence(&e);
            }
            for (p, e) in engines.iter_mut().enumerate() {
                e.rescore(&mut out);
                self.collect(p as u32, parts, &mut out);
                got.take(&mut out);
            }
        }
    }
}

/// The live topology: input partitions by account hash, stage watermark = minimum partition
/// watermark, messages delivered once per `chunk` records, applied by the key sides as they
/// arrive.
pub fn split(evs: &[Event], parts: u32, chunk: usize) -> Outcome {
    split_in(evs, parts, chunk, KeyOrder::Arrival)
}

/// [`split`], with the key sides applying each delivery in `order`.
pub fn split_in(evs: &[Event], parts: u32, chunk: usize, order: KeyOrder) -> Outcome {
    let mut engines: Vec<Pipeline> = (0..parts).map(|_| engine(true)).collect();
    let (mut out, mut got) = (Outputs::default(), Collect::default());
    let mut wire = Wire {
        order,
        to_keys: Vec::new(),
        evidence: Vec::new(),
    };
    for batch in evs.chunks(chunk) {
        for ev in batch {
            let p = (stable_hash(ev.account.as_bytes()) % u64::from(parts)) as usize;
            engines[p].offer(ev.clone()).unwrap();
        }
        let wm = engines.iter().map(|e| e.natural_watermark()).min().unwrap();
        for (p, e) in engines.iter_mut().enumerate() {
            e.advance_to(wm, &mut out);
            wire.collect(p as u32, parts, &mut out);
            got.take(&mut out);
        }
        // delivered after the whole chunk: evidence lags the events that caused it
        wire.settle(&mut engines, &mut got);
        // every task has reached wm (the ticks that follow the chunk's messages)
        for e in engines.iter_mut() {
            e.key_clock(wm);
        }
    }
    for (p, e) in engines.iter_mut().enumerate() {
        e.finish(&mut out);
        wire.collect(p as u32, parts, &mut out);
        got.take(&mut out);
    }
    wire.settle(&mut engines, &mut got);
    got.outcome(5)
}
