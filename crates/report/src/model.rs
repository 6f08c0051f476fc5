//! What a report shows, computed from verdicts and campaign records: each campaign's latest
//! record with its members' latest actions, every account's latest action, actions over
//! time and the reasons that carried the verdicts.

use distillguard_types::time::parse_rfc3339_ms;
use distillguard_types::{Action, CampaignRecord, Verdict};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Bucket widths the actions-over-time chart chooses from (ms): 1 min to 1 week.
const BUCKET_WIDTHS_MS: [i64; 10] = [
    60_000,
    300_000,
    900_000,
    3_600_000,
    10_800_000,
    21_600_000,
    43_200_000,
    86_400_000,
    259_200_000,
    604_800_000,
];
/// The chart holds at most this many buckets.
const MAX_BUCKETS: i64 = 96;
/// Reasons listed in a top-reasons table.
const TOP_REASONS: usize = 12;

/// Verdicts of each action (indexed by `Action as usize`: clear, monitor, throttle, suspend).
pub type ActionCounts = [u64; 4];

/// Verdicts per action in consecutive time buckets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionBuckets {
    /// Start of the first bucket (epoch ms).
    pub start_ms: i64,
    /// Width of each bucket (ms).
    pub width_ms: i64,
    /// Verdicts per action in each bucket.
    pub counts: Vec<ActionCounts>,
}

/// How often a signal appeared among the reasons of a set of verdicts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReasonCount {
    /// The signal (or `cohort` / `bound_views`).
    pub signal: String,
    /// Verdicts in which it was the strongest reason.
    pub strongest: u64,
    /// Verdicts in which it appeared at all.
    pub present: u64,
    /// Its mean value where it appeared.
    pub mean_value: f64,
}

/// An account's latest verdict and how many it had.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccountRow {
    /// The account.
    pub account_id: String,
    /// Its latest action.
    pub action: Action,
    /// When that was decided (RFC 3339, as in the verdict).
    pub ts: String,
    /// The score of that verdict.
    pub score: f64,
    /// Verdicts written for the account.
    pub verdicts: u32,
    /// The campaign its latest verdict named.
    pub campaign_id: Option<String>,
    /// The strongest reason of its latest verdict.
    pub top_reason: Option<String>,
    /// The allowlist entry's reason, when one capped the latest verdict.
    pub allowlisted: Option<String>,
}

/// One campaign or cohort: its latest record and what its members' verdicts say.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignView {
    /// The campaign's latest record.
    pub record: CampaignRecord,
    /// How many records the campaign had.
    pub records: usize,
    /// A later campaign that lists every member of this one (its label merged into it).
    pub absorbed_by: Option<String>,
    /// Members' latest actions (members without a verdict count as `clear`).
    pub member_actions: ActionCounts,
    /// Reasons of the members' latest verdicts.
    pub top_reasons: Vec<ReasonCount>,
}

/// Everything a report shows.
#[derive(Debug, Clone, Default)]
pub struct ReportData {
    /// Verdicts read.
    pub verdicts: u64,
    /// Campaign records read.
    pub campaign_records: u64,
    /// Verdicts per action.
    pub actions: ActionCounts,
    /// Accounts per latest action.
    pub latest_actions: ActionCounts,
    /// Actions over time.
    pub buckets: ActionBuckets,
    /// Campaigns, extraction groups first, larger first.
    pub campaigns: Vec<CampaignView>,
    /// Every account with a verdict, by id.
    pub accounts: Vec<AccountRow>,
    /// Reasons over all verdicts.
    pub top_reasons: Vec<ReasonCount>,
}

impl ReportData {
    /// Summarises verdicts and campaign records (in any order).
    pub fn build(verdicts: &[Verdict], records: &[CampaignRecord]) -> ReportData {
        let mut data = ReportData {
            verdicts: verdicts.len() as u64,
            campaign_records: records.len() as u64,
            ..ReportData::default()
        };
        let times: Vec<i64> = verdicts.iter().map(|v| ms(&v.ts)).collect();
        for v in verdicts {
            data.actions[v.action as usize] += 1;
        }
        data.buckets = bucket_actions(verdicts, &times);
        data.top_reasons = count_reasons(verdicts.iter());
        let latest = latest_verdicts(verdicts, &times);
        data.accounts = account_rows(verdicts, &latest);
        for row in &data.accounts {
            data.latest_actions[row.action as usize] += 1;
        }
        let by_account: HashMap<&str, &Verdict> = latest
            .values()
            .map(|&i| (verdicts[i].account_id.as_str(), &verdicts[i]))
            .collect();
        data.campaigns = campaign_views(records, &by_account);
        data
    }
}

/// Epoch ms of an RFC 3339 time; unreadable times sort first.
fn ms(ts: &str) -> i64 {
    parse_rfc3339_ms(ts).unwrap_or(i64::MIN)
}

/// The index of each account's latest verdict (by time, then input order).
fn latest_verdicts(verdicts: &[Verdict], times: &[i64]) -> HashMap<String, usize> {
    let mut latest: HashMap<String, usize> = HashMap::new();
    for (i, v) in verdicts.iter().enumerate() {
        match latest.get_mut(v.account_id.as_str()) {
            Some(j) if times[*j] > times[i] => {}
            Some(j) => *j = i,
            None => {
                latest.insert(v.account_id.clone(), i);
            }
        }
    }
    latest
}

fn account_rows(verdicts: &[Verdict], latest: &HashMap<String, usize>) -> Vec<AccountRow> {
    let mut count: HashMap<&str, u32> = HashMap::new();
    for v in verdicts {
        *count.entry(v.account_id.as_str()).or_default() += 1;
    }
    let mut rows: Vec<AccountRow> = latest
        .values()
        .map(|&i| {
            let v = &verdicts[i];
            AccountRow {
                account_id: v.account_id.clone(),
                action: v.action,
                ts: v.ts.clone(),
                score: v.score,
                verdicts: count[v.account_id.as_str()],
                campaign_id: v.campaign_id.clone(),
                top_reason: v.reasons.first().map(|r| r.signal.clone()),
                allowlisted: v.allowlisted.clone(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    rows
}

/// Verdicts per action per bucket, the bucket width the smallest that fits the span in
/// [`MAX_BUCKETS`].
fn bucket_actions(verdicts: &[Verdict], times: &[i64]) -> ActionBuckets {
    let known: Vec<i64> = times.iter().copied().filter(|&t| t != i64::MIN).collect();
    let (Some(&lo), Some(&hi)) = (known.iter().min(), known.iter().max()) else {
        return ActionBuckets::default();
    };
    let span = hi - lo + 1;
    let width = BUCKET_WIDTHS_MS
        .iter()
        .copied()
        .find(|w| (span + w - 1) / w <= MAX_BUCKETS)
        .unwrap_or((span + MAX_BUCKETS - 1) / MAX_BUCKETS);
    let start = lo.div_euclid(width) * width;
    let n = ((hi - start) / width + 1) as usize;
    let mut counts = vec![[0u64; 4]; n];
    for (v, &t) in verdicts.iter().zip(times) {
        if t != i64::MIN {
            counts[((t - start) / width) as usize][v.action as usize] += 1;
        }
    }
    ActionBuckets {
        start_ms: start,
        width_ms: width,
        counts,
    }
}

/// Signals among the reasons of `verdicts`, most often strongest first.
fn count_reasons<'a>(verdicts: impl Iterator<Item = &'a Verdict>) -> Vec<ReasonCount> {
    let mut by: HashMap<&str, (u64, u64, f64)> = HashMap::new();
    for v in verdicts {
        for (i, r) in v.reasons.iter().enumerate() {
            let e = by.entry(r.signal.as_str()).or_default();
            e.0 += u64::from(i == 0);
            e.1 += 1;
            e.2 += r.value;
        }
    }
    let mut rows: Vec<ReasonCount> = by
        .into_iter()
        .map(|(signal, (strongest, present, sum))| ReasonCount {
            signal: signal.to_string(),
            strongest,
            present,
            mean_value: sum / present as f64,
        })
        .collect();
    rows.sort_by(|a, b| {
        (b.strongest, b.present)
            .cmp(&(a.strongest, a.present))
            .then_with(|| a.signal.cmp(&b.signal))
    });
    rows.truncate(TOP_REASONS);
    rows
}

fn campaign_views(
    records: &[CampaignRecord],
    latest: &HashMap<&str, &Verdict>,
) -> Vec<CampaignView> {
    let mut last: HashMap<&str, (usize, usize)> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        let e = last.entry(r.campaign_id.as_str()).or_insert((i, 0));
        if ms(&r.ts) >= ms(&records[e.0].ts) {
            e.0 = i;
        }
        e.1 += 1;
    }
    let mut views: Vec<CampaignView> = last
        .values()
        .map(|&(i, n)| {
            let record = records[i].clone();
            let mut member_actions = [0u64; 4];
            for m in &record.members {
                let a = latest.get(m.as_str()).map_or(Action::Clear, |v| v.action);
                member_actions[a as usize] += 1;
            }
            let top_reasons = count_reasons(
                record
                    .members
                    .iter()
                    .filter_map(|m| latest.get(m.as_str()).copied()),
            );
            CampaignView {
                record,
                records: n,
                absorbed_by: None,
                member_actions,
                top_reasons,
            }
        })
        .collect();
    mark_absorbed(&mut views);
    views.sort_by(|a, b| {
        let rank =
            |v: &CampaignView| (v.absorbed_by.is_some(), v.record.assessment != "extraction");
        rank(a)
            .cmp(&rank(b))
            .then_with(|| b.record.size.cmp(&a.record.size))
            .then_with(|| a.record.campaign_id.cmp(&b.record.campaign_id))
    });
    views
}

/// Marks each campaign whose members all appear in the latest record of a campaign recorded
/// later (its label merged into that one). Each member is looked up once per campaign that
/// lists it, so the cost is linear in the listed members.
fn mark_absorbed(views: &mut [CampaignView]) {
    let mut listed_by: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, v) in views.iter().enumerate() {
        for m in &v.record.members {
            listed_by.entry(m.as_str()).or_default().push(i);
        }
    }
    let mut absorbed: Vec<Option<String>> = vec![None; views.len()];
    for (i, v) in views.iter().enumerate() {
        let Some(first) = v.record.members.first() else {
            continue;
        };
        let mut candidates: HashSet<usize> = listed_by[first.as_str()]
            .iter()
            .copied()
            .filter(|&j| j != i && ms(&views[j].record.ts) > ms(&v.record.ts))
            .collect();
        for m in &v.record.members[1..] {
            if candidates.is_empty() {
                break;
            }
            let here: HashSet<usize> = listed_by[m.as_str()].iter().copied().collect();
            candidates.retain(|j| here.contains(j));
        }
        absorbed[i] = candidates
            .into_iter()
            .max_by_key(|&j| (views[j].record.size, std::cmp::Reverse(j)))
            .map(|j| views[j].record.campaign_id.clone());
    }
    for (v, a) in views.iter_mut().zip(absorbed) {
        v.absorbed_by = a;
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use distillguard_types::{GroupExtraction, Reason};

    pub(crate) fn verdict(account: &str, action: Action, ts: &str, reasons: &[&str]) -> Verdict {
        Verdict {
            account_id: account.to_string(),
            action,
            ts: ts.to_string(),
            score: 0.5,
            reasons: reasons
                .iter()
                .map(|s| Reason {
                    signal: s.to_string(),
                    value: 1.0,
                    threshold: 0.5,
                    detail: None,
                })
                .collect(),
            campaign_id: None,
            config_version: "v".to_string(),
            enforced: true,
            allowlisted: None,
        }
    }

    pub(crate) fn record(id: &str, ts: &str, members: &[&str]) -> CampaignRecord {
        CampaignRecord {
            campaign_id: id.to_string(),
            first_seen: "2026-01-01T00:00:00Z".to_string(),
            ts: ts.to_string(),
            size: members.len() as u64,
            members: members.iter().map(|m| m.to_string()).collect(),
            views: vec!["template".to_string()],
            keys: vec!["template:00ff".to_string()],
            size_over_time: vec![(ts.to_string(), members.len() as u64)],
            assessment: "extraction".to_string(),
            extraction: GroupExtraction::default(),
        }
    }

    #[test]
    fn latest_action_per_account_and_counts_per_action() {
        let vs = vec![
            verdict(
                "a",
                Action::Throttle,
                "2026-01-01T02:00:00Z",
                &["shared_template"],
            ),
            verdict(
                "a",
                Action::Monitor,
                "2026-01-01T01:00:00Z",
                &["harvest_usage"],
            ),
            verdict(
                "b",
                Action::Monitor,
                "2026-01-01T01:30:00Z",
                &["harvest_usage", "synchrony"],
            ),
        ];
        let d = ReportData::build(&vs, &[]);
        assert_eq!(d.actions, [0, 2, 1, 0]);
        assert_eq!(d.latest_actions, [0, 1, 1, 0]);
        assert_eq!(d.accounts[0].account_id, "a");
        assert_eq!(d.accounts[0].action, Action::Throttle);
        assert_eq!(d.accounts[0].verdicts, 2);
        assert_eq!(d.top_reasons[0].signal, "harvest_usage");
        assert_eq!(d.top_reasons[0].strongest, 2);
    }

    #[test]
    fn buckets_cover_the_span_with_a_fitting_width() {
        let vs = vec![
            verdict("a", Action::Monitor, "2026-01-01T00:10:00Z", &[]),
            verdict("b", Action::Suspend, "2026-01-01T23:50:00Z", &[]),
        ];
        let b = ReportData::build(&vs, &[]).buckets;
        assert_eq!(b.width_ms, 900_000, "a day in 15-minute buckets fits 96");
        assert_eq!(b.counts.len(), 96);
        assert_eq!(b.counts[0], [0, 1, 0, 0]);
        assert_eq!(b.counts[95], [0, 0, 0, 1]);
    }

    #[test]
    fn campaigns_keep_their_latest_record_and_note_merges() {
        let rs = vec![
            record("cmp-b", "2026-01-01T01:00:00Z", &["x", "y"]),
            record("cmp-a", "2026-01-01T02:00:00Z", &["w", "x", "y", "z"]),
            record("cmp-a", "2026-01-01T00:30:00Z", &["w", "x"]),
        ];
        let vs = vec![verdict(
            "x",
            Action::Suspend,
            "2026-01-01T01:00:00Z",
            &["synchrony"],
        )];
        let d = ReportData::build(&vs, &rs);
        assert_eq!(d.campaigns.len(), 2);
        let a = &d.campaigns[0];
        assert_eq!(
            (a.record.campaign_id.as_str(), a.records, a.record.size),
            ("cmp-a", 2, 4)
        );
        assert_eq!(a.member_actions, [3, 0, 0, 1]);
        assert_eq!(a.top_reasons[0].signal, "synchrony");
        assert_eq!(d.campaigns[1].absorbed_by.as_deref(), Some("cmp-a"));
        assert_eq!(a.absorbed_by, None);
    }
}
