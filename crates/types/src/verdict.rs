//! The output contract: verdicts and campaign records.
//!
//! A [`Verdict`] is written only when an account's action changes. It carries its reasons
//! (ordered by contribution) and never any prompt text. A [`CampaignRecord`] describes a group
//! of linked accounts; verdicts reference it by `campaign_id`.

use crate::ladder::Action;
use serde::{Deserialize, Serialize};

/// One contribution to a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Signal name (stable, snake_case).
    pub signal: String,
    /// The signal's value for this account.
    pub value: f64,
    /// The value at which the signal starts to count.
    pub threshold: f64,
    /// A human-readable explanation (never prompt text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A change of an account's action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The account.
    pub account_id: String,
    /// The new action.
    pub action: Action,
    /// Event time at which it was decided (RFC 3339 UTC).
    pub ts: String,
    /// The score (0–1).
    pub score: f64,
    /// Why, ordered by contribution.
    pub reasons: Vec<Reason>,
    /// The campaign the account was linked to, if any.
    pub campaign_id: Option<String>,
    /// Version of the configuration that decided it.
    pub config_version: String,
    /// False in shadow mode or when an allowlist capped the action: nothing is enforced.
    pub enforced: bool,
    /// Set when an allowlist entry capped the action at monitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowlisted: Option<String>,
}

/// A campaign: accounts tied together by what they share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CampaignRecord {
    /// Stable id.
    pub campaign_id: String,
    /// Event time the campaign was first seen (RFC 3339 UTC).
    pub first_seen: String,
    /// Event time of this record (RFC 3339 UTC).
    pub ts: String,
    /// Number of member accounts.
    pub size: u64,
    /// Members, sorted (capped by config; `size` is exact).
    pub members: Vec<String>,
    /// The views that tie it together (`template`, `ip_pool`, `asn`, `timing`, `payment`, …).
    pub views: Vec<String>,
    /// Correlation keys (opaque hashes with their kind) that bind the campaign.
    pub keys: Vec<String>,
    /// Size at each record so far: (RFC 3339, size), sampled.
    pub size_over_time: Vec<(String, u64)>,
}
