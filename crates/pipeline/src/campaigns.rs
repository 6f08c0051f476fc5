//! Campaign registry: which accounts carry which campaign label, and when to write a record.
//!
//! A record is written when a label first reaches `campaign_min_size` accounts, again each time
//! it grows by a quarter or shrinks by a fifth (accounts moving to an older label; a record
//! under `campaign_min_size` says the campaign dissolved into another), and once more at the end
//! of a replay. Live mode also calls [`CampaignRegistry::flush`] at every checkpoint round,
//! writing each campaign whose size changed since its last record, so the last record per
//! campaign id is its current state. Labels merge over time (the
//! oldest suspicious key wins), so accounts move from a younger label to the older one as they
//! touch shared keys.

use distillguard_types::config::CorrelateConfig;
use distillguard_types::corr::{CampaignLabel, View};
use distillguard_types::time::format_rfc3339_ms;
use distillguard_types::{AccountId, CampaignRecord, GroupExtraction};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Campaign {
    first_seen_ms: i64,
    members: BTreeSet<AccountId>,
    views: BTreeSet<View>,
    keys: BTreeSet<String>,
    history: Vec<(i64, u64)>,
    emitted: u64,
    /// Each member's figures as of when it joined (averaged into the record).
    figures: BTreeMap<AccountId, GroupExtraction>,
}

/// All campaigns.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CampaignRegistry {
    campaigns: BTreeMap<CampaignLabel, Campaign>,
    of: BTreeMap<AccountId, CampaignLabel>,
    /// Labels whose membership changed since their last record.
    #[serde(default)]
    changed: BTreeSet<CampaignLabel>,
}

const KEYS_LISTED: usize = 16;

impl CampaignRegistry {
    /// Put `account` under `label` (moving it from its previous one) and note the views and key
    /// that tie it and what it extracts; appends the records that are due to `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn join(
        &mut self,
        account: &AccountId,
        label: CampaignLabel,
        views: &[View],
        key: Option<String>,
        figures: &GroupExtraction,
        ts: i64,
        c: &CorrelateConfig,
        out: &mut Vec<CampaignRecord>,
    ) {
        let (min_size, listed) = (c.campaign_min_size, c.campaign_members_listed);
        if let Some(old) = self.of.get(account).copied() {
            if old != label {
                out.extend(self.remove(account, old, ts, min_size, listed));
            }
        }
        self.of.insert(account.clone(), label);
        let c = self.campaigns.entry(label).or_insert_with(|| Campaign {
            first_seen_ms: ts,
            ..Default::default()
        });
        if c.members.insert(account.clone()) {
            self.changed.insert(label);
        }
        c.figures.insert(account.clone(), figures.clone());
        c.views.extend(views.iter().copied());
        if let Some(k) = key {
            if c.keys.len() < KEYS_LISTED {
                c.keys.insert(k);
            }
        }
        let size = c.members.len() as u64;
        let due = size >= u64::from(min_size) && (c.emitted == 0 || size * 4 >= c.emitted * 5);
        if !due {
            return;
        }
        c.emitted = size;
        c.history.push((ts, size));
        out.push(record(label, c, ts, listed));
    }

    /// Take `account` out of `label` (it moved to a label whose registry is elsewhere: split
    /// mode); appends the record that is due to `out`.
    pub fn leave(
        &mut self,
        account: &str,
        label: CampaignLabel,
        ts: i64,
        c: &CorrelateConfig,
        out: &mut Vec<CampaignRecord>,
    ) {
        if self.of.get(account) == Some(&label) {
            self.of.remove(account);
        }
        out.extend(self.remove(
            account,
            label,
            ts,
            c.campaign_min_size,
            c.campaign_members_listed,
        ));
    }

    /// Remove a member; a record when a reported campaign shrank by a fifth (once more when it
    /// falls under `min_size`, then no more). A label left empty is forgotten.
    fn remove(
        &mut self,
        account: &str,
        label: CampaignLabel,
        ts: i64,
        min_size: u32,
        listed: usize,
    ) -> Option<CampaignRecord> {
        let c = self.campaigns.get_mut(&label)?;
        if !c.members.remove(account) {
            return None;
        }
        c.figures.remove(account);
        self.changed.insert(label);
        let size = c.members.len() as u64;
        let reported = c.emitted >= u64::from(min_size);
        let rec = (reported && size * 5 <= c.emitted * 4).then(|| {
            c.emitted = size;
            c.history.push((ts, size));
            record(label, c, ts, listed)
        });
        if c.members.is_empty() {
            self.campaigns.remove(&label);
        }
        rec
    }

    /// The campaign id of an account, when its campaign has reached `min_size`.
    pub fn campaign_of(&self, account: &str, min_size: u32) -> Option<String> {
        let label = self.of.get(account)?;
        let c = self.campaigns.get(label)?;
        (c.members.len() as u64 >= u64::from(min_size)).then(|| label.campaign_id())
    }

    /// Whether the account is under any label (no allocation: called per event).
    pub fn has(&self, account: &str) -> bool {
        self.of.contains_key(account)
    }

    /// Final records of every campaign of at least `min_size`, ordered by label.
    pub fn finish(&mut self, ts: i64, min_size: u32, listed: usize) -> Vec<CampaignRecord> {
        let mut out = Vec::new();
        for (label, c) in self.campaigns.iter_mut() {
            let size = c.members.len() as u64;
            if size >= u64::from(min_size) {
                if c.history.last().map(|h| h.1) != Some(size) {
                    c.history.push((ts, size));
                }
                c.emitted = size;
                out.push(record(*label, c, ts, listed));
            }
        }
        out
    }

    /// Records of the campaigns whose size changed since their last record: those of at least
    /// `min_size`, and those that fell under it after being reported (live mode: at every
    /// checkpoint round).
    pub fn flush(&mut self, ts: i64, min_size: u32, listed: usize) -> Vec<CampaignRecord> {
        let mut out = Vec::new();
        for label in std::mem::take(&mut self.changed) {
            let Some(c) = self.campaigns.get_mut(&label) else {
                continue;
            };
            let size = c.members.len() as u64;
            let min = u64::from(min_size);
            if size != c.emitted && (size >= min || c.emitted >= min) {
                c.emitted = size;
                c.history.push((ts, size));
                out.push(record(label, c, ts, listed));
            }
        }
        out
    }

    /// Labels held (any size) and their approximate bytes: members, figures, keys, history.
    pub fn held(&self) -> (usize, usize) {
        use std::mem::size_of;
        // a B-tree entry costs its key and value plus about two words of node overhead
        let id = size_of::<AccountId>() + 16;
        let bytes: usize = self
            .campaigns
            .values()
            .map(|c| {
                size_of::<(CampaignLabel, Campaign)>()
                    + c.members.len() * id
                    + c.figures.len() * (id + size_of::<GroupExtraction>())
                    + c.keys.iter().map(|k| k.len() + 40).sum::<usize>()
                    + c.history.capacity() * size_of::<(i64, u64)>()
            })
            .sum();
        let of = self.of.len() * (id + size_of::<CampaignLabel>());
        (self.campaigns.len(), bytes + of)
    }

    /// Campaigns of at least `min_size` accounts.
    pub fn count(&self, min_size: u32) -> usize {
        self.campaigns
            .values()
            .filter(|c| c.members.len() as u64 >= u64::from(min_size))
            .count()
    }
}

fn record(label: CampaignLabel, c: &Campaign, ts: i64, listed: usize) -> CampaignRecord {
    CampaignRecord {
        campaign_id: label.campaign_id(),
        first_seen: format_rfc3339_ms(c.first_seen_ms),
        ts: format_rfc3339_ms(ts),
        size: c.members.len() as u64,
        members: c
            .members
            .iter()
            .take(listed)
            .map(|m| m.to_string())
            .collect(),
        views: c.views.iter().map(|v| v.as_str().to_string()).collect(),
        keys: c.keys.iter().cloned().collect(),
        size_over_time: c
            .history
            .iter()
            .map(|(t, n)| (format_rfc3339_ms(*t), *n))
            .collect(),
        assessment: label.assessment().as_str().to_string(),
        extraction: mean_figures(c.figures.values()),
    }
}

/// Means of the members' figures (requests summed).
fn mean_figures<'a>(all: impl Iterator<Item = &'a GroupExtraction>) -> GroupExtraction {
    let mut sum = GroupExtraction::default();
    let mut n = 0u32;
    for f in all {
        n += 1;
        sum.score += f.score;
        sum.harvest_share += f.harvest_share;
        sum.task_share += f.task_share;
        sum.followup_share += f.followup_share;
        sum.duplicate_share += f.duplicate_share;
        sum.output_tokens += f.output_tokens;
        sum.targeting_share += f.targeting_share;
        sum.requests += f.requests;
    }
    if n == 0 {
        return sum;
    }
    let k = f64::from(n);
    GroupExtraction {
        score: sum.score / k,
        harvest_share: sum.harvest_share / k,
        task_share: sum.task_share / k,
        followup_share: sum.followup_share / k,
        duplicate_share: sum.duplicate_share / k,
        output_tokens: sum.output_tokens / k,
        targeting_share: sum.targeting_share / k,
        requests: sum.requests,
    }
    .rounded()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_at_min_size_growth_and_merge() {
        let mut r = CampaignRegistry::default();
        let c = CorrelateConfig {
            campaign_min_size: 5,
            campaign_members_listed: 100,
            ..Default::default()
        };
        let l1 = CampaignLabel {
            cohort: false,
            since_ms: 10,
            key: 1,
        };
        let l0 = CampaignLabel {
            cohort: false,
            since_ms: 5,
            key: 2,
        };
        let mut recs = Vec::new();
        let fig = GroupExtraction::default();
        for i in 0..12 {
            let a: AccountId = format!("a{i:02}").into();
            r.join(
                &a,
                l1,
                &[View::Template],
                Some("t".into()),
                &fig,
                i,
                &c,
                &mut recs,
            );
        }
        let sizes: Vec<u64> = recs.iter().map(|c| c.size).collect();
        assert_eq!(sizes, vec![5, 7, 9, 12]);
        assert!(recs.iter().all(|r| r.assessment == "extraction"));
        assert_eq!(r.campaign_of("a03", 5), Some(l1.campaign_id()));
        // Accounts move to the older label; the younger one reports its shrinking.
        recs.clear();
        for i in 0..6 {
            let a: AccountId = format!("a{i:02}").into();
            r.join(&a, l0, &[View::IpPool], None, &fig, 20, &c, &mut recs);
        }
        let sizes: Vec<(String, u64)> = recs
            .iter()
            .map(|c| (c.campaign_id.clone(), c.size))
            .collect();
        let (young, old) = (l1.campaign_id(), l0.campaign_id());
        assert_eq!(sizes, vec![(young.clone(), 9), (young, 7), (old, 5)]);
        assert_eq!(r.campaign_of("a00", 5), Some(l0.campaign_id()));
        assert_eq!(r.campaign_of("a11", 5), Some(l1.campaign_id()));
        let fin = r.finish(30, 5, 100);
        assert_eq!(fin.len(), 2);
        assert_eq!(r.count(5), 2);
        // Leaving (split mode: the new label's registry is elsewhere).
        recs.clear();
        for i in 6..12 {
            r.leave(&format!("a{i:02}"), l1, 40, &c, &mut recs);
        }
        let sizes: Vec<u64> = recs.iter().map(|c| c.size).collect();
        assert_eq!(sizes, vec![4], "dissolving is reported once");
        assert_eq!(r.campaign_of("a11", 5), None);
        assert!(!r.has("a11"));
        assert_eq!(r.count(1), 1);
        r.leave("a00", l1, 40, &c, &mut recs); // not a member: nothing changes
        assert_eq!(recs.len(), 1);
        // a flush writes what changed since the last record, once
        let a: AccountId = "a20".into();
        r.join(&a, l0, &[View::IpPool], None, &fig, 50, &c, &mut recs);
        let flushed: Vec<(String, u64)> = r
            .flush(60, 5, 100)
            .into_iter()
            .map(|c| (c.campaign_id, c.size))
            .collect();
        assert_eq!(flushed, vec![(l0.campaign_id(), 7)]);
        assert!(r.flush(70, 5, 100).is_empty());
        assert_eq!(r.campaign_of("a00", 5), Some(l0.campaign_id()));
    }

    #[test]
    fn a_record_carries_its_assessment_and_the_mean_of_its_members_figures() {
        let mut r = CampaignRegistry::default();
        let c = CorrelateConfig {
            campaign_min_size: 2,
            ..Default::default()
        };
        let cohort = CampaignLabel {
            cohort: true,
            since_ms: 1,
            key: 7,
        };
        let mut recs = Vec::new();
        for (i, followups) in [0.2, 0.6].into_iter().enumerate() {
            let fig = GroupExtraction {
                followup_share: followups,
                requests: 10,
                ..Default::default()
            };
            let a: AccountId = format!("s{i}").into();
            r.join(&a, cohort, &[View::IpPool], None, &fig, 5, &c, &mut recs);
        }
        let rec = recs.last().expect("a record at two members");
        assert_eq!(rec.assessment, "cohort");
        assert!(rec.campaign_id.starts_with("coh-"));
        assert_eq!(rec.extraction.followup_share, 0.4);
        assert_eq!(rec.extraction.requests, 20);
    }
}
