//! Offline replay: the same engine as live mode, fed from files.
//!
//! The io crate's source stage reads, decompresses, parses and merges the inputs on its own
//! thread; this driver offers the events to a [`ShardedEngine`] (one engine by default; with
//! `replay.shards` above 1, that many shards stepped on [`ReplayOptions::threads`] threads),
//! advances the watermark after each batch and writes verdicts, campaign records and rejects. Rejects from the
//! parser go to the reject file with their raw bytes, rejects from the engine (`future_ts`,
//! `late`: well-formed records) with their non-text fields only; repeated request ids are
//! counted as `duplicate` and not written.
//!
//! Before anything is opened the paths are checked ([`check_paths`]): no output on an input or
//! on another output. Outputs are written under temporary names and renamed into place when the
//! run completes; a run that fails leaves existing outputs untouched. A run stops early when
//! its stop flag is raised ([`ReplayOptions::stop`]) or when the reject share passes
//! `input.reject_share_limit` after [`REJECT_SHARE_MIN_RECORDS`] records: it then drains the
//! engine (every accepted event is processed), keeps its outputs whole-line as `NAME.partial`
//! and reports why in [`ReplaySummary::stopped`].

mod outputs;
mod summary;

pub use summary::{ReplaySummary, Stopped};

use distillguard_io::{check_paths, spawn_sources, InputSpec, KeptFields, Role};
use distillguard_pipeline::{Outputs, ScoreSample};
use distillguard_topology::{ShardedEngine, TopologyError};
use distillguard_types::config::Config;
use distillguard_types::net::NetData;
use distillguard_types::RecordOrigin;
use outputs::{Source, Writers};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Records read (accepted + rejected) before the reject share can stop a run.
pub const REJECT_SHARE_MIN_RECORDS: u64 = 10_000;

/// How often the driver looks at the stop flag while waiting for input.
const STOP_POLL: Duration = Duration::from_millis(100);

/// Why a replay failed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Reading or writing failed, or the paths clash.
    #[error(transparent)]
    Io(#[from] distillguard_io::IoError),
    /// The engine's threads could not start.
    #[error(transparent)]
    Topology(#[from] TopologyError),
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
    /// Raised to stop the run early (the binary raises it on SIGINT / SIGTERM).
    pub stop: Option<Arc<AtomicBool>>,
    /// Threads stepping the engine's shards (outputs do not depend on it; see
    /// [`default_threads`]).
    pub threads: usize,
}

/// The cores available to this process (1 when that cannot be told).
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
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
    let mut paths: Vec<(Role, &Path)> = opts
        .inputs
        .iter()
        .map(|i| (Role::Input, i.path.as_path()))
        .collect();
    paths.push((Role::Output("--output"), &opts.verdicts));
    if let Some(c) = &opts.campaigns {
        paths.push((Role::Output("--campaigns"), c));
    }
    paths.push((Role::Output("--rejects"), &opts.rejects));
    check_paths(&paths)?;
    let mut w = Writers::create(
        &opts.verdicts,
        opts.campaigns.as_deref(),
        &opts.rejects,
        KeptFields::new(&cfg.input.fields),
    )?;
    let threads = opts.threads.max(1);
    let mut engine = ShardedEngine::new(cfg.clone(), net, threads)?;
    engine.record_scores(record_scores);
    let stage = spawn_sources(opts.inputs, cfg.input.clone(), opts.batch);
    let names = stage.names.clone();
    let stop_flag = opts.stop.unwrap_or_default();
    let limit = cfg.input.reject_share_limit;
    let mut sum = ReplaySummary::default();
    let mut out = Outputs::default();
    let mut accepted = 0u64;
    loop {
        if stop_flag.load(Ordering::Relaxed) {
            sum.stopped = Some(Stopped::Interrupted);
            break;
        }
        let mut batch = match stage.batches.recv_timeout(STOP_POLL) {
            Ok(b) => b,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
        };
        sum.lines += batch.counters.lines;
        sum.blank += batch.counters.blank;
        sum.bytes += batch.counters.bytes;
        for r in &batch.rejects {
            let at = Source {
                name: &names[r.origin.source as usize],
                line: r.origin.line,
                raw: batch.reject_raw(r),
            };
            w.reject(&mut sum, at, r.reason, false)?;
        }
        for (i, ev) in batch.events.drain(..).enumerate() {
            let o = &batch.origins[i];
            let raw = &batch.raw[o.raw.clone()];
            // made only for a record held ahead of the clock (it may be refused later)
            let origin = || RecordOrigin {
                source: o.source,
                position: o.line,
                kept_fields: w.kept_fields(raw),
            };
            match engine.offer_from(ev, origin) {
                Ok(()) => accepted += 1,
                Err(reason) => {
                    let at = Source {
                        name: &names[o.source as usize],
                        line: o.line,
                        raw,
                    };
                    w.reject(&mut sum, at, reason, true)?;
                }
            }
        }
        engine.advance(&mut out);
        accepted -= w.refused(&mut out, &mut sum, &names)?;
        w.drain(&mut out, &mut sum, scores)?;
        progress(sum.lines, sum.bytes);
        batch.clear();
        let _ = stage.recycle.try_send(batch);
        if accepted + sum.rejected >= REJECT_SHARE_MIN_RECORDS
            && summary::share(sum.rejected, accepted) > limit
        {
            sum.stopped = Some(Stopped::RejectShare);
            break;
        }
    }
    if sum.stopped.is_some() {
        // The source thread may be blocked reading stdin: leave it (it ends at its next send).
        stage.abandon();
    } else {
        stage.join()?;
    }
    engine.finish(&mut out);
    w.refused(&mut out, &mut sum, &names)?;
    w.drain(&mut out, &mut sum, scores)?;
    if sum.stopped.is_some() {
        sum.partial = w.finish_partial()?;
    } else {
        w.finish()?;
    }
    sum.counters = engine.counters();
    sum.shards = engine.shards();
    sum.threads = threads;
    sum.events = sum.counters.processed;
    sum.rejected = sum.rejects.total_rejected();
    sum.campaigns = engine.campaign_count();
    sum.state = engine.state_size();
    sum.seconds = started.elapsed().as_secs_f64();
    sum.events_per_s = sum.events as f64 / sum.seconds.max(1e-9);
    Ok(sum)
}
