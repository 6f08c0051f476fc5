//! Request style knobs (max_tokens, thinking, tools, …) shared by every population.

use serde::Deserialize;

/// How a population's requests are shaped. Every field may be overridden in a
/// population's `style` table; missing fields keep that population's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// `max_tokens` values drawn uniformly per request.
    pub max_tokens: Vec<u32>,
    /// Probability a request asks for extended reasoning (`thinking: true`).
    pub thinking_share: f64,
    /// Probability an account streams its responses (a per-account habit).
    pub stream_share: f64,
    /// Probability a request sets `temperature`.
    pub temperature_share: f64,
    /// `temperature` values drawn uniformly when set.
    pub temperatures: Vec<f32>,
    /// Probability an account uses the flagship model (else any model).
    pub flagship_share: f64,
    /// Median `output_tokens` of a successful answer (log-normal, σ = 0.8, capped by max_tokens).
    pub output_tokens_median: f64,
    /// Probability a request declares tools.
    pub tools_share: f64,
    /// Maximum number of tools declared (uniform 1..=max).
    pub tools_max: u32,
    /// Probability a request fails (status 429/500/529/400 instead of 200).
    pub error_rate: f64,
}

/// Optional overrides of [`Style`] as written in TOML.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleOverride {
    /// See [`Style::max_tokens`].
    pub max_tokens: Option<Vec<u32>>,
    /// See [`Style::thinking_share`].
    pub thinking_share: Option<f64>,
    /// See [`Style::stream_share`].
    pub stream_share: Option<f64>,
    /// See [`Style::temperature_share`].
    pub temperature_share: Option<f64>,
    /// See [`Style::temperatures`].
    pub temperatures: Option<Vec<f32>>,
    /// See [`Style::flagship_share`].
    pub flagship_share: Option<f64>,
    /// See [`Style::output_tokens_median`].
    pub output_tokens_median: Option<f64>,
    /// See [`Style::tools_share`].
    pub tools_share: Option<f64>,
    /// See [`Style::tools_max`].
    pub tools_max: Option<u32>,
    /// See [`Style::error_rate`].
    pub error_rate: Option<f64>,
}

impl StyleOverride {
    /// Applies the overrides on top of `base`.
    pub fn resolve(&self, mut base: Style) -> Style {
        macro_rules! take {
            ($($f:ident),*) => { $( if let Some(v) = &self.$f { base.$f = v.clone(); } )* };
        }
        take!(
            max_tokens,
            thinking_share,
            stream_share,
            temperature_share,
            temperatures,
            flagship_share,
            output_tokens_median,
            tools_share,
            tools_max,
            error_rate
        );
        if base.max_tokens.is_empty() {
            base.max_tokens = vec![1024];
        }
        if base.temperatures.is_empty() {
            base.temperatures = vec![1.0];
        }
        base
    }
}

impl Style {
    /// People chatting: short answers mostly, occasional reasoning.
    pub fn organic() -> Self {
        Style {
            max_tokens: vec![1024, 2048, 4096, 4096, 8192, 16000],
            thinking_share: 0.15,
            stream_share: 0.6,
            temperature_share: 0.4,
            temperatures: vec![0.0, 0.2, 0.5, 0.7, 1.0],
            flagship_share: 0.45,
            output_tokens_median: 450.0,
            tools_share: 0.08,
            tools_max: 6,
            error_rate: 0.01,
        }
    }
    /// IDE assistant users: tools always declared, medium answers.
    pub fn shared_tool() -> Self {
        Style {
            max_tokens: vec![8192],
            thinking_share: 0.2,
            stream_share: 1.0,
            temperature_share: 1.0,
            temperatures: vec![0.2],
            flagship_share: 0.5,
            output_tokens_median: 700.0,
            tools_share: 1.0,
            tools_max: 12,
            error_rate: 0.01,
        }
    }
    /// Pipelines and harnesses: deterministic settings, no streaming.
    pub fn automation() -> Self {
        Style {
            max_tokens: vec![2048, 4096],
            thinking_share: 0.05,
            stream_share: 0.1,
            temperature_share: 0.9,
            temperatures: vec![0.0],
            flagship_share: 0.3,
            output_tokens_median: 600.0,
            tools_share: 0.0,
            tools_max: 4,
            error_rate: 0.02,
        }
    }
    /// Extraction: long outputs and extended reasoning.
    pub fn campaign() -> Self {
        Style {
            max_tokens: vec![16000, 32000, 32000, 64000],
            thinking_share: 0.8,
            stream_share: 0.5,
            temperature_share: 0.5,
            temperatures: vec![0.7, 1.0],
            flagship_share: 0.95,
            output_tokens_median: 3500.0,
            tools_share: 0.0,
            tools_max: 12,
            error_rate: 0.015,
        }
    }
}
