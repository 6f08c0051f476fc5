//! Input records in batches: copied out of the consumer, parsed on every core (rayon), then
//! offered to their partitions' engines in log order.
//!
//! Parsing is about half of the per-record cost, so spreading it over the cores while the
//! engines stay single-threaded (their order matters), and parsing the next batch while the
//! engines take this one (`run.rs`), is what lets the live path keep up with the replay path,
//! which parses on a thread of its own.

use crate::engine::{EngineFactory, RecordParse};
use distillguard_types::{Event, RejectReason};
use rayon::prelude::*;
use rdkafka::message::{BorrowedMessage, Message};

/// Batches smaller than this are parsed on the calling thread.
const PARALLEL_FROM: usize = 32;

/// One input record copied out of the consumer (its buffers are reused batch after batch).
#[derive(Debug, Default)]
pub struct InputRecord {
    /// Input partition.
    pub partition: i32,
    /// Offset.
    pub offset: i64,
    key: Option<Vec<u8>>,
    payload: Option<Vec<u8>>,
    /// The parse result (after [`parse_all`]).
    pub parsed: Option<Result<Event, RejectReason>>,
}

impl InputRecord {
    /// Message key.
    pub fn key(&self) -> Option<&[u8]> {
        self.key.as_deref()
    }

    /// Message value, kept intact for the dead-letter topic.
    pub fn payload(&self) -> Option<&[u8]> {
        self.payload.as_deref()
    }

    fn fill(&mut self, msg: &BorrowedMessage<'_>) {
        fn copy(to: &mut Option<Vec<u8>>, from: Option<&[u8]>) {
            match (to.as_mut(), from) {
                (Some(buf), Some(b)) => {
                    buf.clear();
                    buf.extend_from_slice(b);
                }
                (_, b) => *to = b.map(<[u8]>::to_vec),
            }
        }
        self.partition = msg.partition();
        self.offset = msg.offset();
        copy(&mut self.key, msg.key());
        copy(&mut self.payload, msg.payload());
        self.parsed = None;
    }
}

/// Items read together into kept slots: clearing keeps each slot and its buffers for the next
/// batch (input records here, internal messages in `internal.rs`).
#[derive(Debug)]
pub struct Slots<T> {
    slots: Vec<T>,
    len: usize,
}

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots {
            slots: Vec::new(),
            len: 0,
        }
    }
}

impl<T: Default> Slots<T> {
    /// Items held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forget the items (keeping the slots and their buffers).
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// The next slot to fill: a kept one when there is one.
    pub fn next_slot(&mut self) -> &mut T {
        if self.len == self.slots.len() {
            self.slots.push(T::default());
        }
        self.len += 1;
        &mut self.slots[self.len - 1]
    }

    /// The items held, in the order they were filled.
    pub fn items(&self) -> &[T] {
        &self.slots[..self.len]
    }

    /// The items held, mutably.
    pub fn items_mut(&mut self) -> &mut [T] {
        &mut self.slots[..self.len]
    }
}

/// Input records read together.
pub type Batch = Slots<InputRecord>;

impl Batch {
    /// Copy a consumed message in.
    pub fn push(&mut self, msg: &BorrowedMessage<'_>) {
        self.next_slot().fill(msg);
    }

    /// The records held.
    pub fn records(&mut self) -> &mut [InputRecord] {
        self.items_mut()
    }
}

/// Poll a future once: its output if it is ready now (a record already fetched), without
/// registering a timer or yielding to the runtime.
pub fn poll_once<F: std::future::Future>(f: F) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

/// Parse every record of `batch` (in parallel when it is large enough); `parser` serves the
/// small batches.
pub fn parse_all<F: EngineFactory>(factory: &F, parser: &mut F::Parser, batch: &mut [InputRecord]) {
    fn one<P: RecordParse>(parser: &mut P, buf: &mut Vec<u8>, raw: &mut InputRecord) {
        buf.clear();
        buf.extend_from_slice(raw.payload().unwrap_or(&[]));
        raw.parsed = Some(parser.parse(buf));
    }
    if batch.len() < PARALLEL_FROM {
        let mut buf = Vec::new();
        for raw in batch.iter_mut() {
            one(parser, &mut buf, raw);
        }
        return;
    }
    batch.par_iter_mut().for_each_init(
        || (factory.parser(), Vec::with_capacity(4096)),
        |(parser, buf), raw| one(parser, buf, raw),
    );
}
