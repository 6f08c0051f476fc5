//! Replays that record score samples (`tune`, `explain`): the engine runs over the logs with
//! its outputs in scratch files that are removed when the run's result is dropped.

use anyhow::Context;
use distillguard_io::{load_netdata, InputSpec};
use distillguard_pipeline::ScoreSample;
use distillguard_replay::{replay, ReplayOptions, ReplaySummary};
use distillguard_types::config::Config;
use std::path::PathBuf;
use std::sync::Arc;

/// A finished recording replay; its scratch outputs live as long as it does.
pub struct Recorded {
    /// The run's summary.
    pub summary: ReplaySummary,
    /// Verdicts the run wrote.
    pub verdicts: PathBuf,
    /// Campaign records the run wrote.
    pub campaigns: PathBuf,
    rejects: PathBuf,
}

impl Drop for Recorded {
    fn drop(&mut self) {
        for p in [&self.verdicts, &self.campaigns, &self.rejects] {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Runs the engine over `logs` with `cfg`, handing every batch of score samples to `samples`.
pub fn replay_recording(
    cfg: Arc<Config>,
    logs: &[PathBuf],
    command: &str,
    samples: &mut dyn FnMut(&[ScoreSample]),
) -> anyhow::Result<Recorded> {
    let (net, _) = load_netdata(&cfg.netdata).context("loading [netdata]")?;
    let scratch = |what: &str| -> PathBuf {
        std::env::temp_dir().join(format!(
            "distillguard-{command}-{}.{what}.jsonl",
            std::process::id()
        ))
    };
    let opts = ReplayOptions {
        inputs: logs.iter().map(InputSpec::new).collect(),
        verdicts: scratch("verdicts"),
        campaigns: Some(scratch("campaigns")),
        rejects: scratch("rejects"),
        batch: 4096,
        stop: None,
        threads: distillguard_replay::default_threads(),
    };
    let (verdicts, campaigns, rejects) = (
        opts.verdicts.clone(),
        scratch("campaigns"),
        opts.rejects.clone(),
    );
    let summary = replay(cfg, Arc::new(net), opts, true, &mut |_, _| {}, samples)?;
    Ok(Recorded {
        summary,
        verdicts,
        campaigns,
        rejects,
    })
}
