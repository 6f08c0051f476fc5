//! Messages between the per-account stage and the cross-account (correlation) stage.
//!
//! The per-account stage sends an [`Observation`] for each correlation key an account touches;
//! the correlation stage, keyed by [`CorrKey`], answers with [`Evidence`] keyed by account. In
//! replay both stages run in one process and messages pass synchronously; in live mode they
//! travel over repartition topics (observations keyed by key, evidence keyed by account).

use crate::event::AccountId;
use serde::{Deserialize, Serialize};

/// Family of a correlation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// An LSH band of a prompt skeleton (a template cluster).
    Template,
    /// A system-prompt skeleton.
    System,
    /// An exact IP (IPv6: its /64).
    Ip,
    /// An IPv4 /24 or IPv6 /48.
    Prefix,
    /// An origin ASN.
    Asn,
    /// A payment fingerprint.
    Payment,
    /// An API key.
    ApiKey,
    /// A whole prompt's skeleton, word for word: shared by accounts sending the same prompt (a
    /// benchmark item, an exercise). Not a coordination view: it tells an account how much of
    /// what it sends others sent too.
    Prompt,
}

impl KeyKind {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Template => "template",
            KeyKind::System => "system_prompt",
            KeyKind::Ip => "ip",
            KeyKind::Prefix => "ip_prefix",
            KeyKind::Asn => "asn",
            KeyKind::Payment => "payment",
            KeyKind::ApiKey => "api_key",
            KeyKind::Prompt => "prompt",
        }
    }
    /// The coordination view a key family belongs to (none for [`KeyKind::Prompt`]).
    pub fn view(self) -> Option<View> {
        match self {
            KeyKind::Template | KeyKind::System => Some(View::Template),
            KeyKind::Ip | KeyKind::Prefix | KeyKind::Asn => Some(View::IpPool),
            KeyKind::Payment | KeyKind::ApiKey => Some(View::Identity),
            KeyKind::Prompt => None,
        }
    }
}

/// The three (plus identity) views that tie accounts together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Shared prompt templates.
    Template,
    /// Shared IPs, prefixes, ASNs.
    IpPool,
    /// Shared payment fingerprints or API keys.
    Identity,
    /// Synchronized timing.
    Timing,
}

impl View {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            View::Template => "template",
            View::IpPool => "ip_pool",
            View::Identity => "identity",
            View::Timing => "timing",
        }
    }
}

/// A correlation key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CorrKey {
    /// Family.
    pub kind: KeyKind,
    /// Value (stable hash).
    pub hash: u64,
}

impl CorrKey {
    /// A short printable form, `template:1f2e…`.
    pub fn display(&self) -> String {
        format!("{}:{:016x}", self.kind.as_str(), self.hash)
    }
    /// Partitioning hash (for repartition topics and sharding).
    pub fn route_hash(&self) -> u64 {
        crate::hash::combine(self.kind as u64, self.hash)
    }
}

/// A campaign label: the oldest suspicious key of a linked group. Labels propagate between
/// accounts and keys by taking the minimum, so a connected group converges on one label.
/// A label is of one assessment: an extraction label (`cohort: false`) orders before every
/// cohort label, and labels of the two assessments never merge into one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CampaignLabel {
    /// The group does not extract (a class, an event, a company onboarding): listed for
    /// review, never actioned beyond `monitor`.
    pub cohort: bool,
    /// Event time the key became suspicious.
    pub since_ms: i64,
    /// The key's route hash.
    pub key: u64,
}

impl CampaignLabel {
    /// The campaign id derived from the label (`cmp-`, or `coh-` for a cohort, + 12 hex
    /// digits).
    pub fn campaign_id(&self) -> String {
        format!(
            "{}-{:012x}",
            self.assessment().prefix(),
            crate::hash::combine(self.since_ms as u64, self.key) >> 16
        )
    }

    /// The group's assessment.
    pub fn assessment(&self) -> Assessment {
        if self.cohort {
            Assessment::Cohort
        } else {
            Assessment::Extraction
        }
    }
}

/// A share 0..1 as the byte that travels in observations and evidence (0..=255).
pub fn share_byte(x: f64) -> u8 {
    (x.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The share a [`share_byte`] stands for.
pub fn byte_share(b: u8) -> f64 {
    f64::from(b) / 255.0
}

/// What a linked group is judged to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assessment {
    /// Coordinated and extracting: a campaign.
    Extraction,
    /// Coordinated but not extracting: people who belong together (listed for review).
    Cohort,
}

impl Assessment {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Assessment::Extraction => "extraction",
            Assessment::Cohort => "cohort",
        }
    }
    fn prefix(self) -> &'static str {
        match self {
            Assessment::Extraction => "cmp",
            Assessment::Cohort => "coh",
        }
    }
}

/// An account touched a key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    /// The key.
    pub key: CorrKey,
    /// The account.
    pub account: AccountId,
    /// Event time.
    pub ts_ms: i64,
    /// The account was fresh (young at its first request seen).
    pub fresh: bool,
    /// The account's own extraction, 0..=255 for 0..1.
    pub extraction: u8,
    /// Stable hash of the account's org, when known (accounts of one org are not independent).
    pub org: Option<u64>,
    /// The account's activity: bit i set when it was active in sync bucket `bucket(ts) - i`.
    pub activity: u64,
    /// The account's current campaign label.
    pub label: Option<CampaignLabel>,
}

/// What a key says about one of its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    /// The account the evidence is for.
    pub account: AccountId,
    /// The key.
    pub key: CorrKey,
    /// Event time of the observation it answers.
    pub ts_ms: i64,
    /// Suspicion of the key, 0..1 (suspect share × support × rarity).
    pub strength: f64,
    /// Mean extraction of the key's tracked members, 0..=255 for 0..1.
    pub group_extraction: u8,
    /// Distinct suspect members of the key (fresh, or established but extracting).
    pub suspect_members: u32,
    /// Distinct members of the key (estimate beyond the member cap).
    pub members: u32,
    /// Correlation of the account's activity with the key's other members (-1..1).
    pub sync: f64,
    /// The key's campaign label, when it is linked to one.
    pub label: Option<CampaignLabel>,
}

/// A message to the key stage (split mode: see `distillguard_pipeline::split`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToKeys {
    /// An account touched a correlation key.
    Observe(Observation),
    /// An account now carries `label` (the label's registry records it).
    Join {
        /// The account.
        account: AccountId,
        /// Its new label.
        label: CampaignLabel,
        /// Views tying it to the campaign.
        views: Vec<View>,
        /// The strongest linking key, for display.
        key: Option<String>,
        /// What the account extracts (averaged into the campaign record).
        figures: crate::verdict::GroupExtraction,
        /// Event time.
        ts_ms: i64,
    },
    /// An account no longer carries `label`.
    Leave {
        /// The account.
        account: AccountId,
        /// Its old label.
        label: CampaignLabel,
        /// Event time.
        ts_ms: i64,
    },
}

impl ToKeys {
    /// Event time and account: the order the key stage applies messages in (split mode's key
    /// sides sort what every task has passed by it).
    pub fn time_and_account(&self) -> (i64, &str) {
        match self {
            ToKeys::Observe(o) => (o.ts_ms, o.account.as_str()),
            ToKeys::Join { ts_ms, account, .. } | ToKeys::Leave { ts_ms, account, .. } => {
                (*ts_ms, account.as_str())
            }
        }
    }

    /// Routing hash: the key's route hash, or the label's key (so a label's registry lives
    /// with the key that named it).
    pub fn route(&self) -> u64 {
        match self {
            ToKeys::Observe(o) => o.key.route_hash(),
            ToKeys::Join { label, .. } | ToKeys::Leave { label, .. } => label.key,
        }
    }

    /// The partition (of `partitions`) that handles this message.
    pub fn partition(&self, partitions: u32) -> u32 {
        (self.route() % u64::from(partitions.max(1))) as u32
    }
}
