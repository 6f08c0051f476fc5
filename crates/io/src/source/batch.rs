//! [`Batch`]: parsed events, rejects and counters of one chunk of input, with the raw lines of
//! its events kept in one arena while the batch is in flight.
//!
//! The pipeline may still refuse a parsed event (`future_ts`, `late`, `duplicate`); the driver
//! then writes the event's raw line to the reject file with [`Batch::raw_of`]. Keeping the raw
//! bytes in one concatenated `Vec<u8>` with a range per event costs one copy per record and no
//! allocation once the arena has grown (batches are recycled).
//!
//! **Privacy**: the arena holds whole raw records, prompt text included, for the batch's short
//! life in memory only; it is never written anywhere but the reject file.

use crate::rejects::RAW_CAP;
use distillguard_types::reject::RejectCounts;
use distillguard_types::{Event, RejectReason};
use std::ops::Range;

/// Where a record came from and where its raw bytes are in [`Batch::raw`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Index of the input (into [`SourceStage::names`](super::SourceStage::names)).
    pub source: u32,
    /// 1-based line number in that input.
    pub line: u64,
    /// Byte range in [`Batch::raw`].
    pub raw: Range<usize>,
}

/// A record the parser refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Where it came from; `origin.raw` holds at most [`RAW_CAP`] + 4 bytes of it.
    pub origin: Origin,
    /// Why.
    pub reason: RejectReason,
}

/// Counters of one batch (sum them for the run).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchCounters {
    /// Lines read, blank ones included.
    pub lines: u64,
    /// Blank (whitespace-only) lines, skipped without a reject.
    pub blank: u64,
    /// Bytes of those lines (decompressed, without terminators).
    pub bytes: u64,
    /// Parser rejects by reason.
    pub rejects: RejectCounts,
}

/// A chunk of parsed input.
#[derive(Debug, Default)]
pub struct Batch {
    /// Parsed events, in merged event-time order.
    pub events: Vec<Event>,
    /// `origins[i]` is where `events[i]` came from.
    pub origins: Vec<Origin>,
    /// Refused records, in reading order.
    pub rejects: Vec<Rejected>,
    /// Raw bytes of the events and rejects (see [`Origin::raw`]).
    pub raw: Vec<u8>,
    /// Counters.
    pub counters: BatchCounters,
}

impl Batch {
    /// The raw line of event `i`.
    pub fn raw_of(&self, i: usize) -> &[u8] {
        &self.raw[self.origins[i].raw.clone()]
    }

    /// The raw bytes kept of a reject.
    pub fn reject_raw(&self, r: &Rejected) -> &[u8] {
        &self.raw[r.origin.raw.clone()]
    }

    /// Records (events and rejects) held.
    pub fn len(&self) -> usize {
        self.events.len() + self.rejects.len()
    }

    /// True when it holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empty it, keeping the allocations.
    pub fn clear(&mut self) {
        self.events.clear();
        self.origins.clear();
        self.rejects.clear();
        self.raw.clear();
        self.counters = BatchCounters::default();
    }

    fn keep(&mut self, source: u32, line: u64, raw: &[u8]) -> Origin {
        let start = self.raw.len();
        self.raw.extend_from_slice(raw);
        Origin {
            source,
            line,
            raw: start..self.raw.len(),
        }
    }

    pub(crate) fn push_event(&mut self, ev: Event, source: u32, line: u64, raw: &[u8]) {
        let o = self.keep(source, line, raw);
        self.events.push(ev);
        self.origins.push(o);
    }

    pub(crate) fn push_reject(&mut self, reason: RejectReason, source: u32, line: u64, raw: &[u8]) {
        let o = self.keep(source, line, &raw[..raw.len().min(RAW_CAP + 4)]);
        self.counters.rejects.add(reason);
        self.rejects.push(Rejected { origin: o, reason });
    }
}
