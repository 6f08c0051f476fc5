//! The replay source stage: read, decompress, parse and merge the inputs on a thread of its own,
//! handing [`Batch`]es to the driver over a bounded channel (backpressure: the stage blocks
//! when the driver is [`CHANNEL_BATCHES`] batches behind).
//!
//! Several inputs are merged by event time: each input's next event is its head, and the
//! earliest head goes next (ties: lower input index first). Inputs that are each in time order
//! therefore merge into time order (two halves of a sorted file give the file back); inputs
//! that are only roughly ordered merge roughly, which the pipeline's allowed lateness absorbs.
//! Rejects carry no trustworthy time and are passed on as soon as they are read.
//!
//! Decompression runs on the same thread as parsing: on two cores the pipeline needs the other
//! one (see `benches/parse.rs` for the read+parse throughput of a zstd input).
//!
//! Processed batches may be sent back on [`SourceStage::recycle`] to reuse their allocations.

mod batch;
mod merge;

pub use batch::{Batch, BatchCounters, Origin, Rejected};

use crate::parse::RecordParser;
use crate::read::{open_input, Compression, InputSpec};
use crate::IoError;
use crossbeam_channel::{bounded, Receiver, Sender};
use distillguard_types::config::InputConfig;
use merge::Cursor;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::thread::JoinHandle;

/// Batches in flight between the stage and the driver at most.
pub const CHANNEL_BATCHES: usize = 4;

/// What was read from one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputStats {
    /// The input's name.
    pub name: String,
    /// Compression found.
    pub compression: Compression,
    /// Lines read.
    pub lines: u64,
    /// Bytes read (decompressed).
    pub bytes: u64,
}

/// What the stage read, returned by its thread.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceStats {
    /// Per input, in input order.
    pub inputs: Vec<InputStats>,
    /// True when the driver hung up before the inputs were exhausted.
    pub stopped_early: bool,
}

/// A running source stage.
pub struct SourceStage {
    /// Batches, in order; disconnected when the stage is done (then [`SourceStage::join`]).
    pub batches: Receiver<Batch>,
    /// Send processed batches back here to reuse their allocations (optional; never blocks
    /// the stage: use `try_send`).
    pub recycle: Sender<Batch>,
    /// Input names, indexed by [`Origin::source`].
    pub names: Vec<String>,
    handle: JoinHandle<Result<SourceStats, IoError>>,
}

impl SourceStage {
    /// Wait for the stage's thread (after draining [`SourceStage::batches`]).
    pub fn join(self) -> Result<SourceStats, IoError> {
        drop(self.batches);
        self.handle
            .join()
            .map_err(|_| IoError::Panicked("source"))?
    }

    /// Stop without waiting: the thread ends at its next send (it may be blocked reading, e.g.
    /// stdin, which is why a stopped run does not join it).
    pub fn abandon(self) {
        drop(self.batches);
    }
}

/// Start reading `inputs` on a new thread, `batch` records (events + rejects) per batch.
pub fn spawn_sources(inputs: Vec<InputSpec>, cfg: InputConfig, batch: usize) -> SourceStage {
    let (tx, rx) = bounded(CHANNEL_BATCHES);
    let (recycle_tx, recycle_rx) = bounded(CHANNEL_BATCHES + 1);
    let names = inputs.iter().map(|i| i.name.clone()).collect();
    let handle = std::thread::Builder::new()
        .name("distillguard-source".into())
        .spawn(move || run(inputs, cfg, batch.max(1), tx, recycle_rx))
        .expect("spawn source thread");
    SourceStage {
        batches: rx,
        recycle: recycle_tx,
        names,
        handle,
    }
}

fn run(
    inputs: Vec<InputSpec>,
    cfg: InputConfig,
    batch_size: usize,
    tx: Sender<Batch>,
    recycle: Receiver<Batch>,
) -> Result<SourceStats, IoError> {
    let mut parser = RecordParser::new(&cfg);
    let mut stats = SourceStats::default();
    let mut cursors = Vec::with_capacity(inputs.len());
    for (i, spec) in inputs.iter().enumerate() {
        let (reader, compression) = open_input(spec)?;
        stats.inputs.push(InputStats {
            name: spec.name.clone(),
            compression,
            lines: 0,
            bytes: 0,
        });
        cursors.push(Cursor::new(
            i as u32,
            spec.path.clone(),
            reader,
            cfg.max_record_bytes,
        ));
    }
    let mut out = Out {
        batch: Batch::default(),
        tx,
        recycle,
        size: batch_size,
    };
    let mut heap = BinaryHeap::with_capacity(cursors.len());
    'run: {
        for c in cursors.iter_mut() {
            if !fill(c, &mut parser, &mut out)? {
                break 'run;
            }
            if let Some((ev, _)) = &c.head {
                heap.push(Reverse((ev.ts_ms, c.source)));
            }
        }
        while let Some(Reverse((_, s))) = heap.pop() {
            let c = &mut cursors[s as usize];
            let (ev, line) = c.head.take().expect("a cursor in the heap has a head");
            out.batch.push_event(ev, c.source, line, &c.head_raw);
            if !fill(c, &mut parser, &mut out)? {
                break 'run;
            }
            if let Some((ev, _)) = &c.head {
                heap.push(Reverse((ev.ts_ms, s)));
            }
        }
        if out.batch.counters.lines > 0 || !out.batch.is_empty() {
            let last = std::mem::take(&mut out.batch);
            if out.tx.send(last).is_err() {
                break 'run;
            }
        }
        for (st, c) in stats.inputs.iter_mut().zip(&cursors) {
            (st.lines, st.bytes) = c.read_totals();
        }
        return Ok(stats);
    }
    stats.stopped_early = true;
    for (st, c) in stats.inputs.iter_mut().zip(&cursors) {
        (st.lines, st.bytes) = c.read_totals();
    }
    Ok(stats)
}

#[cfg(test)]
mod tests;

/// The batch being filled and where it goes.
struct Out {
    batch: Batch,
    tx: Sender<Batch>,
    recycle: Receiver<Batch>,
    size: usize,
}

impl Out {
    /// Send the batch when full; false when the driver has hung up.
    fn flush_if_full(&mut self) -> bool {
        if self.batch.len() < self.size {
            return true;
        }
        let mut next = self.recycle.try_recv().unwrap_or_default();
        next.clear();
        let full = std::mem::replace(&mut self.batch, next);
        self.tx.send(full).is_ok()
    }
}

/// Advance a cursor to its next event or its end, sending batches as they fill (rejects alone
/// can fill them). False when the driver has hung up.
fn fill(c: &mut Cursor, parser: &mut RecordParser, out: &mut Out) -> Result<bool, IoError> {
    loop {
        let more = c.advance(parser, &mut out.batch, out.size)?;
        if !out.flush_if_full() {
            return Ok(false);
        }
        if !more {
            return Ok(true);
        }
    }
}
