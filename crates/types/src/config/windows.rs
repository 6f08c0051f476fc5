//! `[windows]`: watermark, lateness, state expiry and the sliding-window specs.

use super::Problems;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What happens to a record older than the watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LatePolicy {
    /// Count it as `late` and write it to the reject file / dead-letter topic.
    Reject,
    /// Count it as `late` and process it as if it arrived at the watermark.
    Admit,
}

/// An event-time sliding window.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// Window length.
    #[serde(with = "humantime_serde")]
    pub size: Duration,
    /// Step between window ends (the bucket width).
    #[serde(with = "humantime_serde")]
    pub slide: Duration,
}

impl WindowSpec {
    /// A window of `size` seconds sliding by `slide` seconds.
    pub const fn secs(size: u64, slide: u64) -> WindowSpec {
        WindowSpec {
            size: Duration::from_secs(size),
            slide: Duration::from_secs(slide),
        }
    }
    /// Number of buckets.
    pub fn buckets(&self) -> usize {
        (self.size.as_millis() / self.slide.as_millis().max(1)) as usize
    }
    pub(crate) fn validate(&self, path: &str, p: &mut Problems) {
        p.positive(&format!("{path}.size"), self.size);
        p.positive(&format!("{path}.slide"), self.slide);
        if !self.slide.is_zero() {
            if self.size.as_millis() % self.slide.as_millis() != 0 {
                p.add(path, "size must be a whole multiple of slide");
            }
            if self.buckets() > 256 {
                p.add(
                    path,
                    "size / slide must be at most 256 buckets (state per account is bounded)",
                );
            }
        }
    }
}

/// Window settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WindowsConfig {
    /// Watermark = highest event time seen − allowed lateness. Records within it are reordered
    /// and count as if in order.
    #[serde(with = "humantime_serde")]
    pub allowed_lateness: Duration,
    /// Records behind the watermark.
    pub late: LatePolicy,
    /// Per-account state is dropped after this long without events (event time).
    #[serde(with = "humantime_serde")]
    pub idle_expiry: Duration,
    /// In live mode, a partition with no records for this long (wall clock) stops holding the
    /// watermark back; in split mode an instance whose partitions are all idle follows the
    /// rest of the group's ticks.
    #[serde(with = "humantime_serde")]
    pub idle_partition: Duration,
    /// Most account states one engine holds (live: per input partition's task): the memory
    /// budget of the per-account stage. Past it the
    /// least recently active accounts are dropped first, down to 90% of it.
    pub max_accounts: usize,
    /// Most estimated state bytes one engine holds, in MiB (replay: divided among the shards;
    /// live: per input partition's task). Past it, checked every few thousand events, the
    /// engine drops down to 90% of it in this order: keys seen by one account (oldest first),
    /// accounts (least recently active first), shared keys (least recently touched first).
    pub state_budget_mib: u64,
}

impl Default for WindowsConfig {
    fn default() -> Self {
        WindowsConfig {
            allowed_lateness: Duration::from_secs(120),
            late: LatePolicy::Reject,
            idle_expiry: Duration::from_secs(14 * 86_400),
            idle_partition: Duration::from_secs(30),
            max_accounts: 2_000_000,
            state_budget_mib: 4096,
        }
    }
}

impl WindowsConfig {
    pub(super) fn validate(&self, p: &mut Problems) {
        p.positive("windows.allowed_lateness", self.allowed_lateness);
        p.positive("windows.idle_expiry", self.idle_expiry);
        p.positive("windows.idle_partition", self.idle_partition);
        if self.max_accounts < 1000 {
            p.add("windows.max_accounts", "must be at least 1000");
        }
        if self.state_budget_mib < 16 {
            p.add("windows.state_budget_mib", "must be at least 16");
        }
        if self.idle_expiry < self.allowed_lateness {
            p.add(
                "windows.idle_expiry",
                "must be at least windows.allowed_lateness",
            );
        }
    }
}
