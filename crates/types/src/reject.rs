//! Why a record was refused.
//!
//! A bad record is data, not an error: the parser returns a [`RejectReason`], the caller counts
//! it and writes the raw bytes to the reject file or dead-letter topic, and processing goes on.

use serde::{Deserialize, Serialize};

/// The reason a record was rejected. Each has a stable snake_case name used in reject files,
/// dead-letter headers, summaries and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// Not valid UTF-8.
    InvalidUtf8,
    /// Longer than the configured maximum record size.
    TooLarge,
    /// Not a JSON object.
    BadJson,
    /// No `ts`.
    MissingTs,
    /// `ts` present but neither RFC 3339 with offset nor integer epoch milliseconds.
    BadTs,
    /// `ts` further in the future (relative to the stream's event time) than allowed.
    FutureTs,
    /// No `account_id`, or not a non-empty string.
    MissingAccount,
    /// No `ip`.
    MissingIp,
    /// `ip` is not IPv4 or IPv6 text.
    BadIp,
    /// Neither `prompt` (string) nor `messages` (array) with text.
    MissingPrompt,
    /// `messages` present but not an array of `{role, content}`.
    BadMessages,
    /// A field has the wrong type (for example `thinking: "yes"`).
    BadField,
    /// Event time is behind the watermark by more than the allowed lateness.
    Late,
    /// A `request_id` seen before within the dedupe window (counted, not written as reject).
    Duplicate,
}

impl RejectReason {
    /// Every reason, in a fixed order (for summaries and metrics).
    pub const ALL: [RejectReason; 14] = [
        RejectReason::InvalidUtf8,
        RejectReason::TooLarge,
        RejectReason::BadJson,
        RejectReason::MissingTs,
        RejectReason::BadTs,
        RejectReason::FutureTs,
        RejectReason::MissingAccount,
        RejectReason::MissingIp,
        RejectReason::BadIp,
        RejectReason::MissingPrompt,
        RejectReason::BadMessages,
        RejectReason::BadField,
        RejectReason::Late,
        RejectReason::Duplicate,
    ];

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::InvalidUtf8 => "invalid_utf8",
            RejectReason::TooLarge => "too_large",
            RejectReason::BadJson => "bad_json",
            RejectReason::MissingTs => "missing_ts",
            RejectReason::BadTs => "bad_ts",
            RejectReason::FutureTs => "future_ts",
            RejectReason::MissingAccount => "missing_account",
            RejectReason::MissingIp => "missing_ip",
            RejectReason::BadIp => "bad_ip",
            RejectReason::MissingPrompt => "missing_prompt",
            RejectReason::BadMessages => "bad_messages",
            RejectReason::BadField => "bad_field",
            RejectReason::Late => "late",
            RejectReason::Duplicate => "duplicate",
        }
    }

    /// Index into [`RejectReason::ALL`] (for counter arrays).
    pub fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for RejectReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a well-formed record came from, and its kept fields: what a reject row or dead letter
/// needs when the engine refuses the record after the caller has let go of its bytes (a record
/// held ahead of the clock). `kept_fields` is a JSON object of contract scalars, never prompt
/// text (the io crate's `KeptFields`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordOrigin {
    /// The input: a replay source's index, or a live input partition.
    pub source: u32,
    /// The record's line (replay) or offset (live) in that input.
    pub position: u64,
    /// The record's kept fields as a JSON object (empty when the caller keeps none).
    pub kept_fields: String,
}

/// Counts of rejects by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RejectCounts(pub [u64; RejectReason::ALL.len()]);

impl RejectCounts {
    /// Count one reject.
    pub fn add(&mut self, r: RejectReason) {
        self.0[r.index()] += 1;
    }
    /// Count of one reason.
    pub fn get(&self, r: RejectReason) -> u64 {
        self.0[r.index()]
    }
    /// Total of all reasons except duplicates (which are not errors).
    pub fn total_rejected(&self) -> u64 {
        RejectReason::ALL
            .iter()
            .filter(|r| **r != RejectReason::Duplicate)
            .map(|r| self.get(*r))
            .sum()
    }
    /// Add another set of counts.
    pub fn merge(&mut self, other: &RejectCounts) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a += b;
        }
    }
    /// Non-zero counts by name.
    pub fn nonzero(&self) -> impl Iterator<Item = (RejectReason, u64)> + '_ {
        RejectReason::ALL
            .iter()
            .map(|r| (*r, self.get(*r)))
            .filter(|(_, n)| *n > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_match_all_order() {
        for (i, r) in RejectReason::ALL.iter().enumerate() {
            assert_eq!(r.index(), i);
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.as_str()));
        }
    }

    #[test]
    fn counts_exclude_duplicates_from_rejected_total() {
        let mut c = RejectCounts::default();
        c.add(RejectReason::BadJson);
        c.add(RejectReason::Duplicate);
        c.add(RejectReason::BadJson);
        assert_eq!(c.total_rejected(), 2);
        assert_eq!(c.nonzero().count(), 2);
    }
}
