//! `[[allowlist]]`: accounts or orgs whose action is capped at monitor, with reason and expiry.

use super::Problems;
use serde::{Deserialize, Serialize};

/// One allowlist entry: exactly one of `account` or `org`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowEntry {
    /// Account id.
    #[serde(default)]
    pub account: Option<String>,
    /// Org id.
    #[serde(default)]
    pub org: Option<String>,
    /// Why (shown in verdicts).
    pub reason: String,
    /// RFC 3339; the entry no longer applies to events at or after it.
    #[serde(default)]
    pub expires: Option<String>,
}

/// The allowlist.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Allowlist(pub Vec<AllowEntry>);

impl Allowlist {
    pub(super) fn validate(&self, p: &mut Problems) {
        for (i, e) in self.0.iter().enumerate() {
            let path = format!("allowlist[{i}]");
            if e.account.is_some() == e.org.is_some() {
                p.add(&path, "needs exactly one of `account` or `org`");
            }
            if e.reason.trim().is_empty() {
                p.add(format!("{path}.reason"), "must say why");
            }
            if let Some(x) = &e.expires {
                if crate::time::parse_rfc3339_ms(x).is_none() {
                    p.add(format!("{path}.expires"), format!("not RFC 3339: {x:?}"));
                }
            }
        }
    }
}
