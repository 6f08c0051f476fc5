//! `[score]`: signal weights, action thresholds and hysteresis.

use super::Problems;
use crate::ladder::{Hysteresis, Thresholds};
use serde::{Deserialize, Serialize};

/// Weight of each signal in the score (score = min(1, Σ weight × strength), with the
/// per-account part capped at `per_account_cap`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(missing_docs)]
pub struct Weights {
    pub rate_vs_history: f64,
    pub rate_vs_cohort: f64,
    pub timing_regularity: f64,
    pub sleepless: f64,
    pub young_volume: f64,
    pub harvest_usage: f64,
    pub template_concentration: f64,
    pub capability_breadth: f64,
    pub ip_rotation: f64,
    pub hosting_ip: f64,
    pub shared_template: f64,
    pub shared_ip_pool: f64,
    pub shared_identity: f64,
    pub synchrony: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            rate_vs_history: 0.05,
            rate_vs_cohort: 0.08,
            timing_regularity: 0.08,
            sleepless: 0.08,
            young_volume: 0.1,
            harvest_usage: 0.1,
            template_concentration: 0.06,
            capability_breadth: 0.06,
            ip_rotation: 0.08,
            hosting_ip: 0.05,
            shared_template: 0.62,
            shared_ip_pool: 0.4,
            shared_identity: 0.4,
            synchrony: 0.15,
        }
    }
}

impl Weights {
    /// Every weight with its key under `score.weights`, for validation. The struct is
    /// destructured without `..`, so a new weight does not compile until it is listed here.
    pub fn named(&self) -> impl Iterator<Item = (&'static str, f64)> {
        let Weights {
            rate_vs_history,
            rate_vs_cohort,
            timing_regularity,
            sleepless,
            young_volume,
            harvest_usage,
            template_concentration,
            capability_breadth,
            ip_rotation,
            hosting_ip,
            shared_template,
            shared_ip_pool,
            shared_identity,
            synchrony,
        } = *self;
        [
            ("rate_vs_history", rate_vs_history),
            ("rate_vs_cohort", rate_vs_cohort),
            ("timing_regularity", timing_regularity),
            ("sleepless", sleepless),
            ("young_volume", young_volume),
            ("harvest_usage", harvest_usage),
            ("template_concentration", template_concentration),
            ("capability_breadth", capability_breadth),
            ("ip_rotation", ip_rotation),
            ("hosting_ip", hosting_ip),
            ("shared_template", shared_template),
            ("shared_ip_pool", shared_ip_pool),
            ("shared_identity", shared_identity),
            ("synchrony", synchrony),
        ]
        .into_iter()
    }
}

/// Scoring settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScoreConfig {
    /// Action thresholds.
    pub thresholds: Thresholds,
    /// De-escalation rules.
    pub hysteresis: Hysteresis,
    /// Signal weights.
    pub weights: Weights,
    /// The per-account signals together contribute at most this much: acting on an account
    /// (throttle, suspend) takes cross-account evidence.
    pub per_account_cap: f64,
}

impl Default for ScoreConfig {
    fn default() -> Self {
        ScoreConfig {
            thresholds: Thresholds::default(),
            hysteresis: Hysteresis::default(),
            weights: Weights::default(),
            per_account_cap: 0.45,
        }
    }
}

impl ScoreConfig {
    pub(super) fn validate(&self, p: &mut Problems) {
        let t = &self.thresholds;
        p.range("score.thresholds.monitor", t.monitor, 0.0, 1.0);
        p.range("score.thresholds.throttle", t.throttle, 0.0, 1.0);
        p.range("score.thresholds.suspend", t.suspend, 0.0, 1.0);
        if !(t.monitor < t.throttle && t.throttle < t.suspend) {
            p.add(
                "score.thresholds",
                "must satisfy monitor < throttle < suspend",
            );
        }
        p.range(
            "score.hysteresis.release_margin",
            self.hysteresis.release_margin,
            0.0,
            0.5,
        );
        p.range("score.per_account_cap", self.per_account_cap, 0.0, 1.0);
        for (name, w) in self.weights.named() {
            p.range(&format!("score.weights.{name}"), w, 0.0, 1.0);
        }
    }
}
