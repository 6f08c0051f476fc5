//! The state of one shared key.

use distillguard_types::config::CorrelateConfig;
use distillguard_types::corr::{CampaignLabel, CorrKey, KeyKind, Observation};
use distillguard_types::hash::finalize;
use distillguard_types::sketch::{ramp, Hll64};
use serde::{Deserialize, Serialize};

/// One tracked member of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Stable hash of the account id.
    pub account: u64,
    /// Suspect account: fresh, or established but extracting (as of its last observation).
    pub suspect: bool,
    /// The account's extraction at its last observation (0..=255).
    pub extraction: u8,
    /// Activity bitmap (bit i = bucket `bucket - i`).
    pub activity: u64,
    /// Sync bucket of bit 0.
    pub bucket: i64,
}

/// A key shared by two or more accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyState {
    /// The key.
    pub key: CorrKey,
    /// Tracked members (at most `member_cap`).
    pub members: Vec<Member>,
    /// All distinct members.
    pub all: Hll64,
    /// Distinct members that were suspect when observed.
    pub suspect: Hll64,
    /// Latest observation time.
    pub last_ms: i64,
    /// When the key first became suspicious.
    pub suspicious_since: Option<i64>,
    /// Campaign label (minimum seen among strongly linked accounts and itself).
    pub label: Option<CampaignLabel>,
    /// The key has answered some member with evidence of positive strength. Until it has, its
    /// evidence is all zero-strength and changes nothing at an account, so none is sent (see
    /// `KeyStage::observe`).
    pub positive: bool,
}

/// What one pass over a key's tracked members finds: what its strength, counts and group
/// extraction are computed from (one pass per observation instead of one per figure).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemberTally {
    /// Tracked members.
    pub tracked: usize,
    /// Tracked members that are suspect.
    pub suspects: u32,
    /// Sum of the suspect members' extraction (0..=255 each).
    pub suspect_extraction: u32,
    /// Tracked members whose extraction reaches the `extracting` threshold of the tally.
    pub extractors: u32,
}

/// Independence unit of a member: identity keys (payment, API key) count orgs, not accounts,
/// since one org's accounts legitimately share a card or a key.
fn unit(o: &Observation, acct: u64) -> u64 {
    match (o.key.kind, o.org) {
        (KeyKind::Payment | KeyKind::ApiKey, Some(org)) => finalize(org ^ 0x0A6),
        _ => acct,
    }
}

impl KeyState {
    /// A new shared key.
    pub fn new(key: CorrKey) -> Self {
        KeyState {
            key,
            members: Vec::new(),
            all: Hll64::default(),
            suspect: Hll64::default(),
            last_ms: i64::MIN,
            suspicious_since: None,
            label: None,
            positive: false,
        }
    }

    /// The member a single-account key had before it was shared (identity keys lose the org
    /// of that first member, so it counts as its own unit).
    pub fn add_first(
        &mut self,
        account: u64,
        suspect: bool,
        extraction: u8,
        activity: u64,
        bucket: i64,
    ) {
        self.all.insert(account);
        if suspect {
            self.suspect.insert(account);
        }
        self.members.push(Member {
            account,
            suspect,
            extraction,
            activity,
            bucket,
        });
    }

    /// Add or refresh a member from an observation; returns the member's index (when tracked).
    pub fn observe(
        &mut self,
        o: &Observation,
        acct: u64,
        bucket: i64,
        cap: usize,
        suspect: bool,
    ) -> Option<usize> {
        let u = unit(o, acct);
        self.all.insert(u);
        if suspect {
            self.suspect.insert(u);
        }
        self.last_ms = self.last_ms.max(o.ts_ms);
        if let Some(i) = self.members.iter().position(|m| m.account == acct) {
            let m = &mut self.members[i];
            m.activity = o.activity;
            m.bucket = bucket;
            m.suspect |= suspect;
            m.extraction = o.extraction;
            return Some(i);
        }
        if self.members.len() < cap {
            self.members.push(Member {
                account: acct,
                suspect,
                extraction: o.extraction,
                activity: o.activity,
                bucket,
            });
            return Some(self.members.len() - 1);
        }
        None
    }

    /// One pass over the tracked members; `extracting` (0..=255) decides who is an extractor.
    pub fn tally(&self, extracting: u8) -> MemberTally {
        let mut t = MemberTally {
            tracked: self.members.len(),
            ..MemberTally::default()
        };
        for m in &self.members {
            if m.suspect {
                t.suspects += 1;
                t.suspect_extraction += u32::from(m.extraction);
            }
            t.extractors += u32::from(m.extraction >= extracting);
        }
        t
    }

    /// Mean extraction (0..1) of the tracked suspect members: what the group takes.
    pub fn group_extraction(t: &MemberTally) -> f64 {
        if t.suspects == 0 {
            0.0
        } else {
            f64::from(t.suspect_extraction) / f64::from(t.suspects) / 255.0
        }
    }

    /// (suspect members, all members): exact while under the cap, estimated beyond.
    pub fn counts(&self, t: &MemberTally, cap: usize) -> (f64, f64) {
        if t.tracked < cap {
            let f = f64::from(t.suspects);
            let all = if matches!(self.key.kind, KeyKind::Payment | KeyKind::ApiKey) {
                // Identity keys count units (orgs), which the HLLs hold.
                self.all.estimate().min(t.tracked as f64).max(1.0)
            } else {
                t.tracked as f64
            };
            (f.min(all), all)
        } else {
            let all = self.all.estimate().max(cap as f64);
            (self.suspect.estimate().min(all), all)
        }
    }

    /// Suspicion 0..1 of the key: smoothed suspect share × support, 0 for common keys. An
    /// exact address is also suspicious by the number of its tracked members that extract
    /// (at least `extracting`, 0..=255), whatever else uses it: a rotating residential pool
    /// relays ordinary customers too, so its suspect share stays low.
    pub fn strength(&self, t: &MemberTally, c: &CorrelateConfig) -> f64 {
        let (suspect, all) = self.counts(t, c.member_cap);
        if all > f64::from(c.common_members) {
            return 0.0;
        }
        let support = |n: f64| ((1.0 + n).ln() / (1.0 + c.support_full).ln()).min(1.0);
        let min = f64::from(c.min_suspect_members);
        let by_share = if suspect < min {
            0.0
        } else {
            let share = (suspect + c.prior_suspect_share * c.prior_weight) / (all + c.prior_weight);
            ramp(share, c.suspect_share) * support(suspect)
        };
        if self.key.kind != KeyKind::Ip {
            return by_share;
        }
        let extractors = f64::from(t.extractors);
        let by_count = if extractors < min {
            0.0
        } else {
            support(extractors)
        };
        by_share.max(by_count)
    }

    /// Mean Jaccard similarity of `activity` (at `bucket`) with the other tracked members.
    pub fn sync(&self, me: Option<usize>, activity: u64, bucket: i64) -> f64 {
        let (mut sum, mut n) = (0.0, 0u32);
        for (i, m) in self.members.iter().enumerate() {
            if Some(i) == me {
                continue;
            }
            let shift = bucket - m.bucket;
            let other = if !(0..64).contains(&shift) {
                0
            } else {
                m.activity << shift
            };
            let union = (activity | other).count_ones();
            if union == 0 {
                continue;
            }
            sum += f64::from((activity & other).count_ones()) / f64::from(union);
            n += 1;
        }
        if n == 0 {
            0.0
        } else {
            sum / f64::from(n)
        }
    }
}
