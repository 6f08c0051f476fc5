//! Offline replay: the same engine as live mode, fed from files.
//!
//! The io crate's source stage reads, decompresses, parses and merges the inputs on its own
//! thread (core 1); this driver offers the events to the [`Pipeline`], advances the watermark
//! after each batch and writes verdicts, campaign records and rejects (core 2). Rejects from the
//! parser and from the engine (`future_ts`, `late`) go to the reject file with their raw bytes;
//! repeated request ids are counted as `duplicate` and not written.

use distillguard_io::{spawn_sources, CampaignWriter, InputSpec, RejectWriter, VerdictWriter};
use distillguard_pipeline::{Counters, Outputs, Pipeline, ScoreSample};
use distillguard_types::config::Config;
use distillguard_types::ladder::Action;
use distillguard_types::net::NetData;
use distillguard_types::reject::RejectCounts;
use distillguard_types::RejectReason;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Why a replay stopped.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] distillguard_io::IoError),
}

/// What to replay and where to write.
pub struct ReplayOptions {
    /// Inputs (merged in event-time order).
    pub inputs: Vec<InputSpec>,
    /// Verdicts file, `-` for stdout.
    pub verdicts: PathBuf,
    /// Campaign records file (none: not written).
    pub campaigns: Option<PathBuf>,
    /// Reject file (created when the first reject arrives).
    pub rejects: PathBuf,
    /// Records per batch between the source thread and the engine.
    pub batch: usize,
}

/// What a replay did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplaySummary {
    /// Lines read (blank ones included).
    pub lines: u64,
    /// Bytes read (decompressed).
    pub bytes: u64,
    /// Records that became events and were processed.
    pub events: u64,
    /// Rejects by reason (duplicates included, not written to the reject file).
    #[serde(skip)]
    pub rejects: RejectCounts,
    /// Rejected records (all reasons but duplicates).
    pub rejected: u64,
    /// Verdicts by action: clear, monitor, throttle, suspend.
    pub verdicts: [u64; 4],
    /// Campaign records written.
    pub campaign_records: u64,
    /// Campaigns at the end.
    pub campaigns: usize,
    /// Engine counters.
    pub counters: Counters,
    /// Accounts held at the end and their approximate bytes.
    pub accounts: usize,
    /// Approximate bytes of per-account state at the end.
    pub account_state_bytes: usize,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Processed events per wall-clock second.
    pub events_per_s: f64,
}

impl ReplaySummary {
    /// Share of records rejected (duplicates excluded).
    pub fn reject_share(&self) -> f64 {
        let total = self.events + self.rejected;
        if total == 0 {
            0.0
        } else {
            self.rejected as f64 / total as f64
        }
    }
}

/// Replay `opts.inputs` through a new engine. `progress(records, bytes)` is called after each
/// batch; `scores` receives score samples when the engine records them.
pub fn replay(
    cfg: Arc<Config>,
    net: Arc<NetData>,
    opts: ReplayOptions,
    record_scores: bool,
    progress: &mut dyn FnMut(u64, u64),
    scores: &mut dyn FnMut(&[ScoreSample]),
) -> Result<ReplaySummary, ReplayError> {
    let started = Instant::now();
    let mut engine = Pipeline::new(cfg.clone(), net);
    engine.record_scores(record_scores);
    let stage = spawn_sources(opts.inputs, cfg.input.clone(), opts.batch);
    let mut verdicts = VerdictWriter::create(&opts.verdicts)?;
    let mut campaigns = opts
        .campaigns
        .as_ref()
        .map(CampaignWriter::create)
        .transpose()?;
    let mut rejects: Option<RejectWriter> = None;
    let mut sum = ReplaySummary::default();
    let mut out = Outputs::default();
    let mut reject =
        |sum: &mut ReplaySummary, name: &str, line: u64, reason: RejectReason, raw: &[u8]| {
            sum.rejects.add(reason);
            if reason == RejectReason::Duplicate {
                return Ok::<(), ReplayError>(());
            }
            let w = match &mut rejects {
                Some(w) => w,
                None => rejects.insert(RejectWriter::create(&opts.rejects)?),
            };
            w.write(name, line, reason, raw)?;
            Ok(())
        };
    while let Ok(mut batch) = stage.batches.recv() {
        sum.lines += batch.counters.lines;
        sum.bytes += batch.counters.bytes;
        for r in &batch.rejects {
            reject(
                &mut sum,
                &stage.names[r.origin.source as usize],
                r.origin.line,
                r.reason,
                batch.reject_raw(r),
            )?;
        }
        for (i, ev) in batch.events.drain(..).enumerate() {
            if let Err(reason) = engine.offer(ev) {
                let o = &batch.origins[i];
                let raw = &batch.raw[o.raw.clone()];
                reject(
                    &mut sum,
                    &stage.names[o.source as usize],
                    o.line,
                    reason,
                    raw,
                )?;
            }
        }
        engine.advance(&mut out);
        drain(
            &mut out,
            &mut verdicts,
            campaigns.as_mut(),
            &mut sum,
            scores,
        )?;
        progress(sum.lines, sum.bytes);
        batch.clear();
        let _ = stage.recycle.try_send(batch);
    }
    stage.join()?;
    engine.finish(&mut out);
    drain(
        &mut out,
        &mut verdicts,
        campaigns.as_mut(),
        &mut sum,
        scores,
    )?;
    verdicts.finish()?;
    if let Some(c) = campaigns {
        c.finish()?;
    }
    if let Some(r) = rejects {
        r.finish()?;
    }
    sum.counters = engine.counters().clone();
    sum.events = sum.counters.processed;
    sum.rejected = sum.rejects.total_rejected();
    sum.campaigns = engine.campaign_count();
    let (accounts, bytes, _, _, _) = engine.state_size();
    sum.accounts = accounts;
    sum.account_state_bytes = bytes;
    sum.seconds = started.elapsed().as_secs_f64();
    sum.events_per_s = sum.events as f64 / sum.seconds.max(1e-9);
    Ok(sum)
}

fn drain(
    out: &mut Outputs,
    verdicts: &mut VerdictWriter,
    campaigns: Option<&mut CampaignWriter>,
    sum: &mut ReplaySummary,
    scores: &mut dyn FnMut(&[ScoreSample]),
) -> Result<(), ReplayError> {
    for v in out.verdicts.drain(..) {
        sum.verdicts[Action::ALL.iter().position(|a| *a == v.action).unwrap_or(0)] += 1;
        verdicts.write(&v)?;
    }
    if let Some(w) = campaigns {
        for c in &out.campaigns {
            w.write(c)?;
        }
    }
    sum.campaign_records += out.campaigns.len() as u64;
    out.campaigns.clear();
    if !out.scores.is_empty() {
        scores(&out.scores);
        out.scores.clear();
    }
    Ok(())
}
