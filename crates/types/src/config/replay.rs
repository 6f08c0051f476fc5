//! `[replay]`: how offline replay spreads one run over shards and threads.

use super::Problems;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Most shards a replay may use.
pub const MAX_SHARDS: u32 = 1024;

/// The in-memory topology of replay (`distillguard-topology`): accounts and correlation keys
/// are spread over `shards` engines that exchange observations and evidence once per `step` of
/// event time. Verdicts depend on these two, never on the thread count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplayConfig {
    /// Engines a run is spread over (each holds the accounts and keys hashed to it). One: the
    /// engine answers each event's observations at once (no steps, no lag).
    pub shards: u32,
    /// Event time between exchanges of observations and evidence: an event's cross-account
    /// evidence reaches its account at the end of its step. An account keeps its last
    /// `features::evidence::OPEN_REQUESTS` requests open for late evidence, so a step should
    /// hold fewer than that many requests of one account.
    #[serde(with = "humantime_serde")]
    pub step: Duration,
}

impl Default for ReplayConfig {
    fn default() -> Self {
        ReplayConfig {
            shards: 1,
            step: Duration::from_secs(10),
        }
    }
}

impl ReplayConfig {
    pub(super) fn validate(&self, p: &mut Problems) {
        if !(1..=MAX_SHARDS).contains(&self.shards) {
            p.add(
                "replay.shards",
                format!("must be between 1 and {MAX_SHARDS}, got {}", self.shards),
            );
        }
        if self.step.as_millis() < 1 {
            p.add("replay.step", "must be at least 1ms");
        }
    }
}
