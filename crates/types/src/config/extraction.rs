//! `[extraction]`: what an account and its group take, and what that allows.
//!
//! Coordination (shared keys) says accounts belong together; extraction says whether the group
//! is harvesting. An account's extraction (0..1) combines its harvest-style and task-like
//! request shares, discounted by conversational follow-ups and by prompts other accounts
//! sent word for word; a key's
//! group extraction is the mean over its tracked members.

use super::signals::ramp;
use super::Problems;
use serde::{Deserialize, Serialize};

/// Extraction parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExtractionConfig {
    /// Moving share of task-like requests (standalone prompts asking for coding, agentic,
    /// reasoning or math work): start, full.
    pub task_share: [f64; 2],
    /// Moving share of conversational follow-ups (requests carrying an earlier answer) that
    /// starts, and fully cancels, an account's extraction.
    pub followup_share: [f64; 2],
    /// Share of an account's prompts that other accounts sent word for word (a benchmark, an
    /// exercise sheet: a harvester wants distinct answers) that starts, and fully cancels, its
    /// extraction.
    pub duplicate_share: [f64; 2],
    /// Own extraction at or above which an established account counts as a suspect member of
    /// its keys (as a fresh one does), takes evidence at full weight and can join an
    /// extraction campaign.
    pub extracting: f64,
    /// Group extraction along which cross-account evidence counts: start, full.
    pub group: [f64; 2],
    /// Own extraction along which an account judged (after `signals.share_min_requests`
    /// requests) takes cross-account evidence: start, full. A person who shares a key with a
    /// campaign is not the campaign; an account too new to judge takes its group's evidence
    /// whole, so a campaign's fresh accounts are caught on their first requests.
    pub own: [f64; 2],
    /// A coordinated group whose extraction is below this is a cohort: its members are held
    /// at `monitor` and listed for review.
    pub cohort_below: f64,
    /// Independent views (template, IP pool, identity, timing) an account must be tied to its
    /// group by before it can be suspended.
    pub suspend_views: u32,
}

impl Default for ExtractionConfig {
    fn default() -> Self {
        ExtractionConfig {
            task_share: [0.3, 0.8],
            followup_share: [0.1, 0.4],
            duplicate_share: [0.2, 0.6],
            extracting: 0.5,
            group: [0.25, 0.55],
            own: [0.15, 0.4],
            cohort_below: 0.3,
            suspend_views: 2,
        }
    }
}

impl ExtractionConfig {
    pub(super) fn validate(&self, p: &mut Problems) {
        ramp(p, "extraction.task_share", self.task_share);
        ramp(p, "extraction.followup_share", self.followup_share);
        ramp(p, "extraction.duplicate_share", self.duplicate_share);
        ramp(p, "extraction.group", self.group);
        ramp(p, "extraction.own", self.own);
        p.range("extraction.extracting", self.extracting, 0.0, 1.0);
        p.range("extraction.cohort_below", self.cohort_below, 0.0, 1.0);
        if !(1..=4).contains(&self.suspend_views) {
            p.add("extraction.suspend_views", "must be between 1 and 4");
        }
    }
}
