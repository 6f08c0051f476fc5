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
use crate::reload::Reloads;
use crate::summary::Summary;
use distillguard_io::{KeptFields, RecordParser};
use distillguard_pipeline::Pipeline;
use distillguard_types::corr::{Evidence, ToKeys};
use distillguard_types::net::NetData;
use distillguard_types::{Config, Event, RecordOrigin, RejectReason};
use std::future::Future;
use std::sync::{Arc, RwLock};

impl Engine for Pipeline {
    fn offer(
        &mut self,
        ev: Event,
        origin: impl FnOnce() -> RecordOrigin,
    ) -> Result<(), RejectReason> {
        Pipeline::offer_from(self, ev, origin)
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
    fn footprint(&self) -> Vec<(&'static str, usize, usize)> {
        let size = Pipeline::state_size(self);
        size.named()
            .iter()
            .map(|(name, f)| (*name, f.entries, f.bytes))
            .collect()
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
    to.refused.append(&mut from.refused);
}

impl RecordParse for RecordParser {
    fn parse(&mut self, bytes: &mut Vec<u8>) -> Result<Event, RejectReason> {
        RecordParser::parse(self, bytes.as_mut_slice())
    }
}

/// Pipelines and parsers for one configuration, replaced by live reloads.
pub struct PipelineEngines {
    /// The configuration engines are made with; read when partitions are assigned and
    /// replaced by reloads, never on the per-event path (each engine holds its own `Arc`).
    cfg: RwLock<Arc<Config>>,
    net: Arc<NetData>,
    split: bool,
}

impl PipelineEngines {
    /// Engines for `cfg` with the loaded network data; `split`: the cross-account stage runs
    /// over repartition topics (`live.repartition`).
    pub fn new(cfg: Arc<Config>, net: Arc<NetData>, split: bool) -> PipelineEngines {
        PipelineEngines {
            cfg: RwLock::new(cfg),
            net,
            split,
        }
    }

    /// The configuration in force (the last one reloaded, or the one started with).
    pub fn config(&self) -> Arc<Config> {
        self.cfg.read().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl EngineFactory for PipelineEngines {
    type Engine = Pipeline;
    type Parser = RecordParser;
    type Settings = Arc<Config>;
    fn create(&self) -> Pipeline {
        let mut p = Pipeline::new(self.config(), self.net.clone());
        p.set_split(self.split);
        p
    }
    fn restore(&self, bytes: &[u8]) -> Result<Pipeline, String> {
        let mut p =
            Pipeline::restore(self.config(), self.net.clone(), bytes).map_err(|e| e.to_string())?;
        p.set_split(self.split);
        Ok(p)
    }
    fn parser(&self) -> RecordParser {
        RecordParser::new(&self.config().input)
    }
    fn kept_fields(&self, bytes: &[u8]) -> String {
        KeptFields::new(&self.config().input.fields).extract_json(bytes)
    }
    /// Refused when `new` changes a restart-only section (`Config::restart_only_changes`),
    /// each named; the caller has checked its values.
    fn reload(&self, new: Arc<Config>) -> Result<String, Vec<String>> {
        let mut cfg = self.cfg.write().unwrap_or_else(|e| e.into_inner());
        let refused = cfg.restart_only_changes(&new);
        if !refused.is_empty() {
            return Err(refused.iter().map(ToString::to_string).collect());
        }
        *cfg = new;
        Ok(cfg.config_version.clone())
    }
    fn reconfigure(&self, engine: &mut Pipeline) {
        // every engine is made from this factory's configuration, whose restart-only
        // sections never change, so the pipeline's own check passes
        if let Err(refused) = engine.reconfigure(self.config()) {
            tracing::error!(?refused, "an engine kept its configuration");
        }
    }
}

/// [`crate::run`] with the real pipeline.
pub async fn run_pipeline(
    cfg: Arc<Config>,
    net: Arc<NetData>,
    live: LiveConfig,
    shutdown: impl Future<Output = ()>,
) -> Result<Summary, KafkaError> {
    run_pipeline_reloadable(cfg, net, live, None, shutdown).await
}

/// [`crate::run_reloadable`] with the real pipeline: what `distillguard run` calls, with the
/// configurations its SIGHUP handler has checked arriving on `reloads`.
pub async fn run_pipeline_reloadable(
    cfg: Arc<Config>,
    net: Arc<NetData>,
    live: LiveConfig,
    reloads: Option<Reloads<Arc<Config>>>,
    shutdown: impl Future<Output = ()>,
) -> Result<Summary, KafkaError> {
    let windows = cfg.windows.clone();
    let engines = PipelineEngines::new(cfg, net, live.repartition);
    let health = Arc::new(crate::Health::new(std::time::Duration::from_secs(60)));
    crate::run_reloadable(live, windows, engines, health, reloads, shutdown).await
}
