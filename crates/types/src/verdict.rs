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
    /// `extraction` (a campaign) or `cohort` (people who belong together: listed for review,
    /// never actioned beyond `monitor`).
    pub assessment: String,
    /// What the group takes: means over its members, each as of when it joined.
    pub extraction: GroupExtraction,
}

/// What a group extracts: means over its members of each member's own figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupExtraction {
    /// Extraction score 0..1 (harvest-style and task-like shares, cut by follow-ups and by
    /// prompts other accounts sent word for word).
    pub score: f64,
    /// Share of requests served a long answer, extended thinking or chain of thought.
    pub harvest_share: f64,
    /// Share of standalone task-like requests (coding, agentic, reasoning, math).
    pub task_share: f64,
    /// Share of conversational follow-ups.
    pub followup_share: f64,
    /// Share of prompts other accounts sent word for word.
    pub duplicate_share: f64,
    /// Output tokens served per request.
    pub output_tokens: f64,
    /// Share of requests aimed at coding, agentic work or reasoning (capability targeting).
    pub targeting_share: f64,
    /// Requests the members had made when they joined.
    pub requests: u64,
}

impl GroupExtraction {
    /// Round every share to 4 decimals and tokens to 1 (records stay stable and short).
    pub fn rounded(mut self) -> Self {
        let r4 = |x: f64| (x * 1e4).round() / 1e4;
        self.score = r4(self.score);
        self.harvest_share = r4(self.harvest_share);
        self.task_share = r4(self.task_share);
        self.followup_share = r4(self.followup_share);
        self.duplicate_share = r4(self.duplicate_share);
        self.targeting_share = r4(self.targeting_share);
        self.output_tokens = (self.output_tokens * 10.0).round() / 10.0;
        self
    }
}
