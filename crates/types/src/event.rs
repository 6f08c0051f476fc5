//! The parsed request event.
//!
//! An [`Event`] is what one request-log record becomes after parsing: fixed-size, no heap
//! allocation for typical account ids (inline up to 24 bytes), optional identifiers reduced to
//! stable hashes and the prompt reduced to a [`PromptPrint`]. Prompt text never reaches it.

use crate::prompt::PromptPrint;
use std::net::IpAddr;

/// Hash tags of the identifier fields (so equal strings in different fields never collide).
pub mod tags {
    /// `request_id`.
    pub const REQUEST: u8 = b'r';
    /// `api_key_id`.
    pub const API_KEY: u8 = b'k';
    /// `org_id`.
    pub const ORG: u8 = b'o';
    /// `payment_fingerprint`.
    pub const PAYMENT: u8 = b'p';
    /// `model`.
    pub const MODEL: u8 = b'm';
    /// `user_agent`.
    pub const USER_AGENT: u8 = b'u';
}

/// The stable hash an `org_id` string becomes in [`Event::org`].
pub fn org_hash(org: &str) -> u64 {
    crate::hash::tagged_hash(tags::ORG, org.as_bytes())
}

/// The stable hash an `api_key_id` string becomes in [`Event::api_key`].
pub fn api_key_hash(key: &str) -> u64 {
    crate::hash::tagged_hash(tags::API_KEY, key.as_bytes())
}

/// Account identifier as given by the gateway (inline for ids up to 24 bytes).
pub type AccountId = compact_str::CompactString;

/// One API request, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Event time, epoch milliseconds.
    pub ts_ms: i64,
    /// The account.
    pub account: AccountId,
    /// Client IP as seen by the gateway.
    pub ip: IpAddr,
    /// Origin ASN when the log carries it (else looked up from the optional table).
    pub asn: Option<u32>,
    /// Account creation time, epoch milliseconds.
    pub account_created_ms: Option<i64>,
    /// Stable hash of `request_id` (dedupe key).
    pub request_id: Option<u64>,
    /// Stable hash of `api_key_id`.
    pub api_key: Option<u64>,
    /// Stable hash of `org_id`.
    pub org: Option<u64>,
    /// Stable hash of `payment_fingerprint`.
    pub payment: Option<u64>,
    /// Stable hash of `model`.
    pub model: Option<u64>,
    /// Stable hash of `user_agent`.
    pub user_agent: Option<u64>,
    /// `input_tokens`.
    pub input_tokens: Option<u32>,
    /// `output_tokens`.
    pub output_tokens: Option<u32>,
    /// `max_tokens`.
    pub max_tokens: Option<u32>,
    /// `temperature`.
    pub temperature: Option<f32>,
    /// `stream`.
    pub stream: Option<bool>,
    /// `thinking`: extended reasoning requested.
    pub thinking: Option<bool>,
    /// `tools`: number of tool definitions sent.
    pub tools: Option<u16>,
    /// HTTP `status`.
    pub status: Option<u16>,
    /// Structural fingerprint of the user prompt (and system prompt).
    pub prompt: PromptPrint,
}

impl Event {
    /// Age of the account at request time in milliseconds, when known.
    #[inline]
    pub fn account_age_ms(&self) -> Option<i64> {
        self.account_created_ms.map(|c| (self.ts_ms - c).max(0))
    }

    /// A deterministic tie-break key for events with equal timestamps, independent of arrival
    /// order: the request-id hash when present, else a hash of the event's content.
    pub fn order_key(&self) -> u64 {
        match self.request_id {
            Some(r) => r,
            None => crate::hash::combine(
                crate::hash::stable_hash(self.account.as_bytes()),
                self.prompt.skeleton ^ self.prompt.bands[0],
            ),
        }
    }

    /// A minimal event for tests and examples.
    pub fn sample(account: &str, ts_ms: i64, ip: IpAddr) -> Event {
        Event {
            ts_ms,
            account: AccountId::new(account),
            ip,
            asn: None,
            account_created_ms: None,
            request_id: None,
            api_key: None,
            org: None,
            payment: None,
            model: None,
            user_agent: None,
            input_tokens: None,
            output_tokens: None,
            max_tokens: None,
            temperature: None,
            stream: None,
            thinking: None,
            tools: None,
            status: None,
            prompt: PromptPrint::default(),
        }
    }
}
