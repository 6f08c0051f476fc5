//! `[correlate]`: the cross-account stage (shared templates, IP pools, synchrony, campaigns).

use super::signals::ramp;
use super::Problems;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Cross-account correlation parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CorrelateConfig {
    /// An account whose age at its first request seen is at most this is *fresh*.
    #[serde(with = "humantime_serde")]
    pub fresh_age: Duration,
    /// Prompts with fewer tokens take no part in template clustering.
    pub min_prompt_tokens: u32,
    /// A key needs at least this many suspect members (fresh, or established but extracting:
    /// see `extraction.extracting`) before it is evidence.
    pub min_suspect_members: u32,
    /// Suspect share of a key's members (smoothed towards `prior_suspect_share`): start, full.
    pub suspect_share: [f64; 2],
    /// Base rate of suspect accounts assumed before a key has members.
    pub prior_suspect_share: f64,
    /// Weight of that prior, in members.
    pub prior_weight: f64,
    /// Suspect members at which support is full.
    pub support_full: f64,
    /// Keys with more distinct members than this are common (a shared tool, a public benchmark,
    /// a cloud region) and give no evidence.
    pub common_members: u32,
    /// Members tracked per key (beyond it, only counted).
    pub member_cap: usize,
    /// A key seen by a single account is remembered this long for a second one to arrive.
    #[serde(with = "humantime_serde")]
    pub single_horizon: Duration,
    /// A whole prompt seen by one account is remembered this long (a benchmark re-run, a
    /// class's next lab: days apart).
    #[serde(with = "humantime_serde")]
    pub prompt_horizon: Duration,
    /// At most this many single-account keys are remembered (oldest dropped first).
    pub single_cap: usize,
    /// Shared keys without activity for this long are dropped.
    #[serde(with = "humantime_serde")]
    pub key_idle_expiry: Duration,
    /// Evidence an account holds decays with this half-life while not refreshed.
    #[serde(with = "humantime_serde")]
    pub evidence_half_life: Duration,
    /// Time bucket of the synchrony view.
    #[serde(with = "humantime_serde")]
    pub sync_bucket: Duration,
    /// Correlation of an account's activity with its key's other members: start, full.
    pub sync_corr: [f64; 2],
    /// Evidence for an account that is not fresh is multiplied by this: an established customer
    /// that shares a cloud region or a public template with a young group is not the group.
    pub established_factor: f64,
    /// Evidence from an ASN key is multiplied by this (an ASN is a coarse, widely shared key).
    pub asn_factor: f64,
    /// Share of an account's recent task prompts on suspicious templates: [start, full] of the ramp
    /// that scales its template evidence.
    pub template_exposure: [f64; 2],
    /// Key evidence at or above which an account is linked into the key's campaign.
    pub link_strength: f64,
    /// A linked group becomes a campaign at this many accounts.
    pub campaign_min_size: u32,
    /// Member ids listed per campaign record.
    pub campaign_members_listed: usize,
    /// Use IP prefixes (/24, /48) and exact IPs as keys.
    pub ip_keys: bool,
    /// Use ASNs as keys.
    pub asn_keys: bool,
    /// Use payment fingerprints and API keys as keys.
    pub identity_keys: bool,
}

impl Default for CorrelateConfig {
    fn default() -> Self {
        CorrelateConfig {
            fresh_age: Duration::from_secs(21 * 86_400),
            min_prompt_tokens: 8,
            min_suspect_members: 6,
            suspect_share: [0.5, 0.85],
            prior_suspect_share: 0.05,
            prior_weight: 4.0,
            support_full: 20.0,
            common_members: 20_000,
            member_cap: 64,
            single_horizon: Duration::from_secs(48 * 3600),
            prompt_horizon: Duration::from_secs(7 * 86400),
            single_cap: 4_000_000,
            key_idle_expiry: Duration::from_secs(7 * 86_400),
            evidence_half_life: Duration::from_secs(3 * 86_400),
            sync_bucket: Duration::from_secs(3600),
            sync_corr: [0.3, 0.8],
            established_factor: 0.25,
            template_exposure: [0.1, 0.4],
            asn_factor: 0.5,
            link_strength: 0.5,
            campaign_min_size: 5,
            campaign_members_listed: 1000,
            ip_keys: true,
            asn_keys: true,
            identity_keys: true,
        }
    }
}

impl CorrelateConfig {
    pub(super) fn validate(&self, p: &mut Problems) {
        p.positive("correlate.fresh_age", self.fresh_age);
        p.positive("correlate.single_horizon", self.single_horizon);
        p.positive("correlate.prompt_horizon", self.prompt_horizon);
        p.positive("correlate.key_idle_expiry", self.key_idle_expiry);
        p.positive("correlate.evidence_half_life", self.evidence_half_life);
        p.positive("correlate.sync_bucket", self.sync_bucket);
        ramp(p, "correlate.suspect_share", self.suspect_share);
        ramp(p, "correlate.sync_corr", self.sync_corr);
        ramp(p, "correlate.template_exposure", self.template_exposure);
        p.range(
            "correlate.prior_suspect_share",
            self.prior_suspect_share,
            0.0,
            1.0,
        );
        p.range("correlate.link_strength", self.link_strength, 0.0, 1.0);
        p.range(
            "correlate.established_factor",
            self.established_factor,
            0.0,
            1.0,
        );
        p.range("correlate.asn_factor", self.asn_factor, 0.0, 1.0);
        if self.prior_weight < 0.0 {
            p.add("correlate.prior_weight", "must not be negative");
        }
        if self.support_full < 1.0 {
            p.add("correlate.support_full", "must be at least 1");
        }
        if self.min_suspect_members < 2 {
            p.add("correlate.min_suspect_members", "must be at least 2");
        }
        if !(4..=4096).contains(&self.member_cap) {
            p.add("correlate.member_cap", "must be between 4 and 4096");
        }
        if self.single_cap < 1000 {
            p.add("correlate.single_cap", "must be at least 1000");
        }
        if self.campaign_min_size < 2 {
            p.add("correlate.campaign_min_size", "must be at least 2");
        }
    }
}
