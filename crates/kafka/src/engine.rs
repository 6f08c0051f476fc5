//! What the transport drives: a record parser and one engine per input partition.
//!
//! The live loop is generic over [`EngineFactory`] so that it can be tested with small fakes;
//! the binary plugs in `distillguard_pipeline::Pipeline` and `distillguard_io`'s parser, whose
//! methods have exactly these shapes.

use distillguard_types::corr::{Evidence, ToKeys};
use distillguard_types::{CampaignRecord, Event, RecordOrigin, RejectReason, Verdict};

/// What an engine emits while advancing.
#[derive(Debug, Default, Clone)]
pub struct Outputs {
    /// Action changes, produced to the verdict topic keyed by account_id.
    pub verdicts: Vec<Verdict>,
    /// Campaign records, produced to the campaign topic keyed by campaign_id.
    pub campaigns: Vec<CampaignRecord>,
    /// Messages for the key stages (split mode only), produced to `<prefix>-observations` on
    /// the partition of their route hash.
    pub to_keys: Vec<ToKeys>,
    /// Records refused after they were offered (held ahead of the engine's clock), dead-lettered
    /// with their kept fields.
    pub refused: Vec<(RecordOrigin, RejectReason)>,
}

impl Outputs {
    /// True when nothing was emitted.
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
            && self.campaigns.is_empty()
            && self.to_keys.is_empty()
            && self.refused.is_empty()
    }
    /// Drop everything (keeping capacity).
    pub fn clear(&mut self) {
        self.verdicts.clear();
        self.campaigns.clear();
        self.to_keys.clear();
        self.refused.clear();
    }
}

/// The per-partition processing state (one `Pipeline`).
pub trait Engine: Send + 'static {
    /// Admit one event; may refuse it as `late`, `future_ts` or `duplicate`. An engine that
    /// holds a record and refuses it later reports it in [`Outputs::refused`] with the origin
    /// `origin` makes (called only then).
    fn offer(
        &mut self,
        ev: Event,
        origin: impl FnOnce() -> RecordOrigin,
    ) -> Result<(), RejectReason>;
    /// Process buffered events up to `watermark_ms` in event-time order.
    fn advance_to(&mut self, watermark_ms: i64, out: &mut Outputs);
    /// Where the partition is in event time (`i64::MIN` before the first record): the highest
    /// time admitted, or a robust clock of recent records (the pipeline's `clock_ms`).
    fn max_event_ms(&self) -> i64;
    /// The watermark the engine has been advanced to (`i64::MIN` before the first advance).
    fn watermark(&self) -> i64 {
        i64::MIN
    }
    /// Event time of the earliest event admitted and waiting for the watermark.
    fn earliest_pending_ms(&self) -> Option<i64> {
        None
    }
    /// Events admitted and waiting for the watermark.
    fn pending(&self) -> usize {
        0
    }
    /// Events processed since the state began (restored state included).
    fn processed(&self) -> u64 {
        0
    }
    /// What the engine holds, by structure: (name, entries, estimated bytes).
    fn footprint(&self) -> Vec<(&'static str, usize, usize)> {
        Vec::new()
    }
    /// Serialized state, including buffered events (a checkpoint).
    fn snapshot(&self) -> Vec<u8>;
    /// Split mode, key side: a message routed to this partition; evidence for the observing
    /// account goes to `evidence`, campaign records to `out`.
    fn key_message(&mut self, msg: &ToKeys, evidence: &mut Vec<Evidence>, out: &mut Outputs) {
        let _ = (msg, evidence, out);
    }
    /// Split mode, key side: every task has advanced to `ts` (the slowest tick seen on this
    /// partition of the observation topic). Key expiry follows this clock, so what the key
    /// side answers depends only on the order of its topic partition, not on how far this
    /// task's own accounts have run ahead: a restored key side re-reading its partition
    /// answers exactly as before the crash.
    fn key_clock(&mut self, ts: i64) {
        let _ = ts;
    }
    /// Split mode, account side: evidence for one of this partition's accounts.
    fn evidence(&mut self, e: &Evidence) {
        let _ = e;
    }
    /// Campaign records whose size changed since their last record (at checkpoint rounds).
    fn flush_campaigns(&mut self, out: &mut Outputs) {
        let _ = out;
    }
    /// Split mode: score accounts whose evidence changed.
    fn rescore(&mut self, out: &mut Outputs) {
        let _ = out;
    }
}

/// Parses a Kafka message value into an [`Event`].
pub trait RecordParse: Send + 'static {
    /// Parse one record; the buffer may be modified in place (simd-json).
    fn parse(&mut self, bytes: &mut Vec<u8>) -> Result<Event, RejectReason>;
}

/// Makes engines and parsers; shared by the live loop and the rebalance callback.
pub trait EngineFactory: Send + Sync + 'static {
    /// The per-partition engine.
    type Engine: Engine;
    /// The record parser.
    type Parser: RecordParse;
    /// A fresh engine (no checkpoint).
    fn create(&self) -> Self::Engine;
    /// An engine restored from [`Engine::snapshot`] bytes.
    fn restore(&self, bytes: &[u8]) -> Result<Self::Engine, String>;
    /// A parser.
    fn parser(&self) -> Self::Parser;
    /// What a dead letter of a well-formed record the engine refused keeps of its bytes: a
    /// JSON object of contract scalars, never prompt text.
    fn kept_fields(&self, bytes: &[u8]) -> String;
    /// What a live reload hands the engines (the pipeline: its new `Arc<Config>`).
    type Settings: Send + 'static;
    /// Make `new` the settings of every engine made from now on; Ok: its version label, Err:
    /// every reason it cannot replace the running settings (nothing changed). The loop calls
    /// it between batches with the partition table locked, then [`EngineFactory::reconfigure`]
    /// on every owned engine, so no engine runs with other settings than the factory's.
    fn reload(&self, new: Self::Settings) -> Result<String, Vec<String>> {
        let _ = new;
        Err(vec!["this engine takes no live reloads".into()])
    }
    /// Bring an owned engine to the settings of the last successful [`EngineFactory::reload`].
    fn reconfigure(&self, engine: &mut Self::Engine) {
        let _ = engine;
    }
}
