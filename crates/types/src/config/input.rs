//! `[input]`: the request-log contract's field names, size limits and dedupe.

use super::Problems;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Input settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    /// Records longer than this many bytes are rejected (`too_large`).
    pub max_record_bytes: usize,
    /// A `ts` more than this ahead of the time recent records agree on is rejected
    /// (`future_ts`; see the pipeline's event-time clock). Must be positive.
    #[serde(with = "humantime_serde")]
    pub max_future: Duration,
    /// Exit non-zero (replay) when rejected / total exceeds this share.
    pub reject_share_limit: f64,
    /// A `request_id` repeated within this event-time span counts once.
    #[serde(with = "humantime_serde")]
    pub dedupe_window: Duration,
    /// Field names in the provider's log schema.
    pub fields: FieldMap,
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            max_record_bytes: 1 << 20,
            max_future: Duration::from_secs(86_400),
            reject_share_limit: 0.05,
            dedupe_window: Duration::from_secs(3600),
            fields: FieldMap::default(),
        }
    }
}

impl InputConfig {
    pub(super) fn validate(&self, p: &mut Problems) {
        if self.max_record_bytes < 64 {
            p.add("input.max_record_bytes", "must be at least 64");
        }
        // 0s would refuse every record after the first few as future_ts
        p.positive("input.max_future", self.max_future);
        p.range(
            "input.reject_share_limit",
            self.reject_share_limit,
            0.0,
            1.0,
        );
        self.fields.validate(p);
    }
}

/// Where each contract field is found in the provider's records (top-level keys).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
#[allow(missing_docs)]
pub struct FieldMap {
    pub ts: String,
    pub account_id: String,
    pub ip: String,
    pub prompt: String,
    pub messages: String,
    pub request_id: String,
    pub api_key_id: String,
    pub org_id: String,
    pub payment_fingerprint: String,
    pub account_created_at: String,
    pub model: String,
    pub endpoint: String,
    pub user_agent: String,
    pub asn: String,
    pub system: String,
    pub input_tokens: String,
    pub output_tokens: String,
    pub max_tokens: String,
    pub temperature: String,
    pub stream: String,
    pub thinking: String,
    pub tools: String,
    pub status: String,
}

impl Default for FieldMap {
    fn default() -> Self {
        FieldMap {
            ts: "ts".into(),
            account_id: "account_id".into(),
            ip: "ip".into(),
            prompt: "prompt".into(),
            messages: "messages".into(),
            request_id: "request_id".into(),
            api_key_id: "api_key_id".into(),
            org_id: "org_id".into(),
            payment_fingerprint: "payment_fingerprint".into(),
            account_created_at: "account_created_at".into(),
            model: "model".into(),
            endpoint: "endpoint".into(),
            user_agent: "user_agent".into(),
            asn: "asn".into(),
            system: "system".into(),
            input_tokens: "input_tokens".into(),
            output_tokens: "output_tokens".into(),
            max_tokens: "max_tokens".into(),
            temperature: "temperature".into(),
            stream: "stream".into(),
            thinking: "thinking".into(),
            tools: "tools".into(),
            status: "status".into(),
        }
    }
}

impl FieldMap {
    /// (contract name, configured source name) pairs.
    pub fn pairs(&self) -> [(&'static str, &str); 23] {
        [
            ("ts", &self.ts),
            ("account_id", &self.account_id),
            ("ip", &self.ip),
            ("prompt", &self.prompt),
            ("messages", &self.messages),
            ("request_id", &self.request_id),
            ("api_key_id", &self.api_key_id),
            ("org_id", &self.org_id),
            ("payment_fingerprint", &self.payment_fingerprint),
            ("account_created_at", &self.account_created_at),
            ("model", &self.model),
            ("endpoint", &self.endpoint),
            ("user_agent", &self.user_agent),
            ("asn", &self.asn),
            ("system", &self.system),
            ("input_tokens", &self.input_tokens),
            ("output_tokens", &self.output_tokens),
            ("max_tokens", &self.max_tokens),
            ("temperature", &self.temperature),
            ("stream", &self.stream),
            ("thinking", &self.thinking),
            ("tools", &self.tools),
            ("status", &self.status),
        ]
    }

    fn validate(&self, p: &mut Problems) {
        let pairs = self.pairs();
        for (i, (name, src)) in pairs.iter().enumerate() {
            if src.is_empty() {
                p.add(format!("input.fields.{name}"), "must not be empty");
            }
            if let Some((other, _)) = pairs[..i].iter().find(|(_, s)| s == src) {
                p.add(
                    format!("input.fields.{name}"),
                    format!("\"{src}\" is already used for {other}"),
                );
            }
        }
    }
}
