//! The configuration: one TOML file, every section with documented defaults.
//!
//! Every struct denies unknown fields, so a typo is an error, and [`Config::validate`] reports
//! every problem at once with its key path. `configs/default.toml` holds the same defaults as
//! the `Default` impls here, with a comment on each key; a test keeps the two equal.

mod allowlist;
mod correlate;
mod extraction;
mod input;
mod netdata;
mod replay;
mod score;
mod signals;
mod windows;

pub use allowlist::{AllowEntry, Allowlist};
pub use correlate::CorrelateConfig;
pub use extraction::ExtractionConfig;
pub use input::{FieldMap, InputConfig};
pub use netdata::NetDataConfig;
pub use replay::{ReplayConfig, MAX_SHARDS};
pub use score::{ScoreConfig, Weights};
pub use signals::SignalsConfig;
pub use windows::{LatePolicy, WindowSpec, WindowsConfig};

use serde::{Deserialize, Serialize};

/// The documented default configuration, embedded.
pub const DEFAULT_TOML: &str = include_str!("../../../../configs/default.toml");

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Written into every verdict.
    pub config_version: String,
    /// Shadow mode: verdicts are written but marked `enforced: false`.
    pub shadow: bool,
    /// Input contract: field names, limits, dedupe.
    pub input: InputConfig,
    /// Event-time windows, lateness and state expiry.
    pub windows: WindowsConfig,
    /// Per-account signal parameters.
    pub signals: SignalsConfig,
    /// Cross-account correlation.
    pub correlate: CorrelateConfig,
    /// What accounts and groups extract, and what that allows.
    pub extraction: ExtractionConfig,
    /// Weights, thresholds and hysteresis.
    pub score: ScoreConfig,
    /// Optional IP→ASN table and CIDR lists.
    pub netdata: NetDataConfig,
    /// Accounts and orgs whose action is capped at monitor.
    pub allowlist: Allowlist,
    /// Replay's shards and step (offline only).
    pub replay: ReplayConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            config_version: "default-1".into(),
            shadow: false,
            input: InputConfig::default(),
            windows: WindowsConfig::default(),
            signals: SignalsConfig::default(),
            correlate: CorrelateConfig::default(),
            extraction: ExtractionConfig::default(),
            score: ScoreConfig::default(),
            netdata: NetDataConfig::default(),
            allowlist: Allowlist::default(),
            replay: ReplayConfig::default(),
        }
    }
}

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// TOML syntax or an unknown / mistyped key.
    #[error("{0}")]
    Parse(String),
    /// Values that parse but make no sense, every one of them.
    #[error("invalid configuration:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

/// One problem found by validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path, e.g. `score.thresholds.throttle`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Collects problems during validation.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Record a problem at `path`.
    pub fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }
    /// Require `lo <= v <= hi`.
    pub fn range(&mut self, path: &str, v: f64, lo: f64, hi: f64) {
        if !(lo..=hi).contains(&v) || v.is_nan() {
            self.add(path, format!("must be between {lo} and {hi}, got {v}"));
        }
    }
    /// Require a positive duration.
    pub fn positive(&mut self, path: &str, d: std::time::Duration) {
        if d.is_zero() {
            self.add(path, "must be greater than zero");
        }
    }
}

impl Config {
    /// Parse TOML text (unknown keys are errors) without validating values.
    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))
    }

    /// Parse and validate.
    pub fn load_str(text: &str) -> Result<Config, ConfigError> {
        let c = Config::from_toml(text)?;
        c.validate()?;
        Ok(c)
    }

    /// Check every value; report every problem at once.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut p = Problems::default();
        if self.config_version.trim().is_empty() {
            p.add("config_version", "must not be empty");
        }
        self.input.validate(&mut p);
        self.windows.validate(&mut p);
        self.signals.validate(&mut p);
        self.correlate.validate(&mut p);
        self.extraction.validate(&mut p);
        self.score.validate(&mut p);
        self.netdata.validate(&mut p);
        self.allowlist.validate(&mut p);
        self.replay.validate(&mut p);
        if p.0.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(p.0))
        }
    }

    /// What a live reload from `self` (running) to `new` would change that only a restart
    /// can: one problem per section that differs outside the live-reloadable ones
    /// ([`LIVE_RELOADABLE`]). Empty: `new` can replace `self` between batches.
    pub fn restart_only_changes(&self, new: &Config) -> Vec<Problem> {
        let mut p = Problems::default();
        let mut differs = |section: &str, same: bool| {
            if !same {
                p.add(
                    section,
                    "cannot change while running (state, windows and correlation structures \
                     are built from it): restart to apply",
                );
            }
        };
        differs("input", self.input == new.input);
        differs("windows", self.windows == new.windows);
        differs("signals", self.signals == new.signals);
        differs("correlate", self.correlate == new.correlate);
        differs("extraction", self.extraction == new.extraction);
        differs("netdata", self.netdata == new.netdata);
        p.0
    }
}

/// The sections and keys a running engine takes on a reload (SIGHUP in live mode): weights,
/// thresholds, hysteresis and the per-account cap (`score`), `allowlist`, `shadow` and
/// `config_version`. Every other section is restart-only ([`Config::restart_only_changes`]).
pub const LIVE_RELOADABLE: [&str; 4] = ["config_version", "shadow", "score", "allowlist"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_default_toml_equals_code_defaults() {
        let parsed = Config::load_str(DEFAULT_TOML).expect("configs/default.toml is valid");
        assert_eq!(parsed, Config::default());
    }

    #[test]
    fn only_score_allowlist_shadow_and_version_change_live() {
        let running = Config::default();
        let mut new = Config {
            config_version: "v2".into(),
            shadow: true,
            ..Config::default()
        };
        new.score.thresholds.suspend = 0.99;
        new.score.weights.synchrony = 0.3;
        assert!(running.restart_only_changes(&new).is_empty());
        new.correlate.common_members += 1;
        new.windows.allowed_lateness *= 2;
        let paths: Vec<String> = running
            .restart_only_changes(&new)
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(paths, ["windows", "correlate"]);
    }

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(Config::load_str("").unwrap(), Config::default());
    }

    #[test]
    fn unknown_keys_are_refused_with_their_name() {
        let e = Config::from_toml("[score]\nthrotle = 0.5\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("throtle"), "{e}");
    }

    /// "A config file only lists what it changes", nested tables included.
    #[test]
    fn partial_sections_take_defaults_for_the_rest() {
        let c = Config::load_str(
            "[score.thresholds]\nsuspend = 0.95\n[score.hysteresis]\nrelease_margin = 0.1\n",
        )
        .unwrap();
        let d = Config::default();
        assert_eq!(c.score.thresholds.suspend, 0.95);
        assert_eq!(c.score.thresholds.monitor, d.score.thresholds.monitor);
        assert_eq!(c.score.hysteresis.release_margin, 0.1);
    }

    #[test]
    fn a_zero_max_future_is_refused() {
        let Err(ConfigError::Invalid(problems)) =
            Config::load_str("[input]\nmax_future = \"0s\"\n")
        else {
            panic!("expected invalid")
        };
        assert_eq!(problems[0].path, "input.max_future");
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = r#"
            config_version = ""
            [score.thresholds]
            monitor = 0.9
            throttle = 0.5
            suspend = 1.5
            [windows]
            allowed_lateness = "0s"
            [input]
            reject_share_limit = 2.0
        "#;
        let Err(ConfigError::Invalid(problems)) = Config::load_str(text) else {
            panic!("expected invalid")
        };
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        for want in [
            "config_version",
            "score.thresholds",
            "score.thresholds.suspend",
            "windows.allowed_lateness",
            "input.reject_share_limit",
        ] {
            assert!(paths.contains(&want), "missing {want} in {paths:?}");
        }
    }
}
