//! `[signals]`: parameters of the per-account signals.
//!
//! Each signal maps a raw measurement to a strength in 0..1 with a `start` (strength 0) and a
//! `full` (strength 1) point; see `crates/features/src/signals/` for the definitions.

use super::{Problems, WindowSpec};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Per-account signal parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SignalsConfig {
    /// Window of the current request rate compared with the account's own history.
    pub rate_window: WindowSpec,
    /// Daily-volume window.
    pub volume_window: WindowSpec,
    /// Half-life of the account's long-run hourly-rate average (its own history).
    #[serde(with = "humantime_serde")]
    pub history_half_life: Duration,
    /// Current rate / own history: ratio where `rate_vs_history` starts, and where it is full.
    pub history_ratio: [f64; 2],
    /// Requests needed before own history means anything.
    pub history_min_requests: u32,
    /// z-score of log daily volume against accounts of the same age band: start, full.
    pub cohort_z: [f64; 2],
    /// Inter-arrival gaps kept per account (ring size).
    pub timing_gaps: usize,
    /// Gaps needed before timing is judged.
    pub timing_min_gaps: usize,
    /// Coefficient of variation of gaps: at or below `[0]` fully scripted, at or above `[1]` human.
    pub timing_cv: [f64; 2],
    /// Requests needed before the active-hours profile is judged.
    pub active_hours_min_requests: u32,
    /// Days of activity needed before the active-hours profile is judged.
    pub active_hours_min_days: u32,
    /// A human population shows at least this many consecutive quiet hours a day.
    pub quiet_hours: u32,
    /// An hour is quiet when it holds at most this share of the account's requests.
    pub quiet_hour_share: f64,
    /// Accounts younger than this count as young.
    #[serde(with = "humantime_serde")]
    pub young_age: Duration,
    /// Daily volume of a young account: start, full.
    pub young_volume: [f64; 2],
    /// `max_tokens` (or `output_tokens`) at or above this counts as a long-output request.
    pub long_output_tokens: u32,
    /// Requests needed before usage, template and breadth shares are judged.
    pub share_min_requests: u32,
    /// Share of harvest-style requests (long output, extended reasoning, explicit CoT): start, full.
    pub harvest_share: [f64; 2],
    /// Share of requests in the account's top 3 templates: start, full.
    pub template_share: [f64; 2],
    /// Capability areas covered systematically (each ≥ 10% of requests): start, full.
    pub breadth: [f64; 2],
    /// Share of consecutive requests that change IP /24 (/48): start, full.
    pub ip_switch: [f64; 2],
    /// Share of requests from hosting / VPN ranges: start, full.
    pub hosting_share: [f64; 2],
}

impl Default for SignalsConfig {
    fn default() -> Self {
        SignalsConfig {
            rate_window: WindowSpec::secs(86_400, 3600),
            volume_window: WindowSpec::secs(86_400, 3600),
            history_half_life: Duration::from_secs(7 * 86_400),
            history_ratio: [3.0, 10.0],
            history_min_requests: 50,
            cohort_z: [2.0, 4.0],
            timing_gaps: 32,
            timing_min_gaps: 12,
            timing_cv: [0.3, 1.0],
            active_hours_min_requests: 60,
            active_hours_min_days: 2,
            quiet_hours: 5,
            quiet_hour_share: 0.01,
            young_age: Duration::from_secs(7 * 86_400),
            young_volume: [40.0, 200.0],
            long_output_tokens: 4000,
            share_min_requests: 8,
            harvest_share: [0.3, 0.8],
            template_share: [0.5, 0.9],
            breadth: [1.5, 3.0],
            ip_switch: [0.2, 0.7],
            hosting_share: [0.3, 0.9],
        }
    }
}

/// Require `[start, full]` with start < full.
pub(crate) fn ramp(p: &mut Problems, path: &str, r: [f64; 2]) {
    if r[0].partial_cmp(&r[1]) != Some(std::cmp::Ordering::Less) || r.iter().any(|v| !v.is_finite())
    {
        p.add(
            path,
            format!("needs [start, full] with start < full, got {r:?}"),
        );
    }
}

impl SignalsConfig {
    pub(super) fn validate(&self, p: &mut Problems) {
        self.rate_window.validate("signals.rate_window", p);
        self.volume_window.validate("signals.volume_window", p);
        p.positive("signals.history_half_life", self.history_half_life);
        p.positive("signals.young_age", self.young_age);
        ramp(p, "signals.history_ratio", self.history_ratio);
        ramp(p, "signals.cohort_z", self.cohort_z);
        ramp(p, "signals.timing_cv", self.timing_cv);
        ramp(p, "signals.young_volume", self.young_volume);
        ramp(p, "signals.harvest_share", self.harvest_share);
        ramp(p, "signals.template_share", self.template_share);
        ramp(p, "signals.breadth", self.breadth);
        ramp(p, "signals.ip_switch", self.ip_switch);
        ramp(p, "signals.hosting_share", self.hosting_share);
        if !(4..=256).contains(&self.timing_gaps) {
            p.add("signals.timing_gaps", "must be between 4 and 256");
        }
        if self.timing_min_gaps < 3 || self.timing_min_gaps > self.timing_gaps {
            p.add(
                "signals.timing_min_gaps",
                "must be between 3 and signals.timing_gaps",
            );
        }
        if !(1..=23).contains(&self.quiet_hours) {
            p.add("signals.quiet_hours", "must be between 1 and 23");
        }
        p.range("signals.quiet_hour_share", self.quiet_hour_share, 0.0, 0.5);
    }
}
