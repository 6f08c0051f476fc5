//! The real engine behind the live loop (feature `pipeline`): one
//! `distillguard_pipeline::Pipeline` per owned input partition, records parsed by
//! `distillguard_io::RecordParser`.
//!
//! ```ignore
//! let summary = distillguard_kafka::run_pipeline(cfg, net, cfg.live.clone(), shutdown).await?;
//! ```

use crate::config::LiveConfig;
use crate::engine::{Engine, EngineFactory, Outputs, RecordParse};
use crate::error::KafkaError;
use crate::summary::Summary;
use distillguard_io::RecordParser;
use distillguard_pipeline::Pipeline;
use distillguard_types::corr::{Evidence, ToKeys};
use distillguard_types::net::NetData;
use distillguard_types::{Config, Event, RejectReason};
use std::future::Future;
use std::sync::Arc;

impl Engine for Pipeline {
    fn offer(&mut self, ev: Event) -> Result<(), RejectReason> {
        Pipeline::offer(self, ev)
    }
    fn advance_to(&mut self, watermark_ms: i64, out: &mut Outputs) {
        let mut o = distillguard_pipeline::Outputs::default();
        Pipeline::advance_to(self, watermark_ms, &mut o);
        take(&mut o, out);
    }
    fn max_event_ms(&self) -> i64 {
        // the robust event-time clock (a time several recent records agree on), so one outlier cannot
        // move the partition watermark
        Pipeline::clock_ms(self)
    }
    fn watermark(&self) -> i64 {
        Pipeline::watermark(self)
    }
    fn earliest_pending_ms(&self) -> Option<i64> {
        Pipeline::earliest_pending_ms(self)
    }
    fn pending(&self) -> usize {
        Pipeline::pending(self)
    }
    fn processed(&self) -> u64 {
        self.counters().processed
    }
    fn snapshot(&self) -> Vec<u8> {
        Pipeline::snapshot(self)
    }
    fn key_message(&mut self, msg: &ToKeys, evidence: &mut Vec<Evidence>, out: &mut Outputs) {
        let mut o = distillguard_pipeline::Outputs::default();
        Pipeline::key_message(self, msg, evidence, &mut o);
        take(&mut o, out);
    }
    fn key_clock(&mut self, ts: i64) {
        Pipeline::key_clock(self, ts);
    }
    fn evidence(&mut self, e: &Evidence) {
        Pipeline::evidence(self, e);
    }
    fn flush_campaigns(&mut self, out: &mut Outputs) {
        let mut o = distillguard_pipeline::Outputs::default();
        Pipeline::flush_campaigns(self, &mut o);
        take(&mut o, out);
    }
    fn rescore(&mut self, out: &mut Outputs) {
        let mut o = distillguard_pipeline::Outputs::default();
        Pipeline::rescore(self, &mut o);
        take(&mut o, out);
    }
}

fn take(from: &mut distillguard_pipeline::Outputs, to: &mut Outputs) {
    to.verdicts.append(&mut from.verdicts);
    to.campaigns.append(&mut from.campaigns);
    to.to_keys.append(&mut from.to_keys);
}

impl RecordParse for RecordParser {
    fn parse(&mut self, bytes: &mut Vec<u8>) -> Result<Event, RejectReason> {
        RecordParser::parse(self, bytes.as_mut_slice())
    }
}

/// Pipelines and parsers for one configuration.
pub struct PipelineEngines {
    cfg: Arc<Config>,
    net: Arc<NetData>,
    split: bool,
}

impl PipelineEngines {
    /// Engines for `cfg` with the loaded network data; `split`: the cross-account stage runs
    /// over repartition topics (`live.repartition`).
    pub fn new(cfg: Arc<Config>, net: Arc<NetData>, split: bool) -> PipelineEngines {
        PipelineEngines { cfg, net, split }
    }
}

impl EngineFactory for PipelineEngines {
    type Engine = Pipeline;
    type Parser = RecordParser;
    fn create(&self) -> Pipeline {
        let mut p = Pipeline::new(self.cfg.clone(), self.net.clone());
        p.set_split(self.split);
        p
    }
    fn restore(&self, bytes: &[u8]) -> Result<Pipeline, String> {
        let mut p = Pipeline::restore(self.cfg.clone(), self.net.clone(), bytes)
            .map_err(|e| e.to_string())?;
        p.set_split(self.split);
        Ok(p)
    }
    fn parser(&self) -> RecordParser {
        RecordParser::new(&self.cfg.input)
    }
}

/// [`crate::run`] with the real pipeline: what `distillguard run` calls.
pub async fn run_pipeline(
    cfg: Arc<Config>,
    net: Arc<NetData>,
    live: LiveConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<Summary, KafkaError> {
    let windows = cfg.windows.clone();
    let engines = PipelineEngines::new(cfg, net, live.repartition);
    crate::run(live, windows, engines, shutdown).await
}
