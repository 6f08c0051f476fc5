//! Computing the evaluation report from labels, verdict summaries and log counts.

use super::report::{
    ActionCounts, AttackSummary, BenignFpr, CampaignRow, ClassRow, CohortGroupRow, CohortSummary,
    DetectTimes, EvalReport, FprRow, InputSummary, JudgedRecall, Leak, UnlabelledSummary,
};
use crate::action::Level;
use crate::labels::{Class, Labels};
use crate::logs::{AccountRequests, LogScan};
use crate::stats::{share, Dist};
use crate::timestamp::MS_PER_HOUR;
use crate::verdicts::{AccountVerdicts, VerdictSet};
use std::collections::BTreeMap;

/// Accumulates the attack numbers of a set of accounts (all attacks, or one campaign).
#[derive(Default)]
struct AttackGroup {
    counts: ActionCounts,
    detected: u64,
    requests_to_detect: Vec<f64>,
    hours_from_request: Vec<f64>,
    hours_from_verdict: Vec<f64>,
    leak: Leak,
    judged: JudgedRecall,
}

impl AttackGroup {
    fn add(&mut self, verdicts: Option<&AccountVerdicts>, requests: Option<&AccountRequests>) {
        let level = verdicts.map_or(Level::None, |v| v.max_level);
        self.counts.add(level);
        let cutoff = verdicts.and_then(|v| v.first_action_ms.map(|c| (v, c)));
        if let Some((v, cut)) = cutoff {
            self.detected += 1;
            self.hours_from_verdict
                .push((cut - v.first_verdict_ms) as f64 / MS_PER_HOUR);
            if let Some(r) = requests {
                self.requests_to_detect.push(r.upto_cutoff as f64);
                self.hours_from_request
                    .push((cut - r.first_ms) as f64 / MS_PER_HOUR);
            }
        }
        if let Some(r) = requests {
            let leaked = if cutoff.is_some() {
                r.before_cutoff
            } else {
                r.requests
            };
            self.leak.add(leaked, r.requests);
            self.judged.add(r.requests, cutoff.is_some());
        }
    }

    fn times(&self, with_logs: bool) -> DetectTimes {
        DetectTimes {
            detected: self.detected,
            requests: with_logs.then(|| Dist::of(self.requests_to_detect.clone())),
            hours_from_first_request: with_logs.then(|| Dist::of(self.hours_from_request.clone())),
            hours_from_first_verdict: Dist::of(self.hours_from_verdict.clone()),
        }
    }
}

/// Evaluates verdicts against labels. `logs`, when given, must have been scanned with
/// [`VerdictSet::action_cutoffs`] of the same verdicts.
pub fn evaluate(labels: &Labels, verdicts: &VerdictSet, logs: Option<&LogScan>) -> EvalReport {
    let with_logs = logs.is_some();
    let mut class_counts = [ActionCounts::default(); 4];
    let mut attacks = AttackGroup::default();
    let mut campaigns: BTreeMap<&str, AttackGroup> = BTreeMap::new();
    let mut groups: BTreeMap<&str, ActionCounts> = BTreeMap::new();
    let mut cohort_level = Level::None;
    let mut labelled_without_requests = 0;
    for (id, label) in labels.iter() {
        let v = verdicts.accounts.get(id);
        let level = v.map_or(Level::None, |v| v.max_level);
        let class_idx = Class::ALL
            .iter()
            .position(|c| *c == label.class)
            .unwrap_or(0);
        class_counts[class_idx].add(level);
        let requests = logs.and_then(|l| l.accounts.get(id));
        if with_logs && requests.is_none() {
            labelled_without_requests += 1;
        }
        if label.class == Class::Cohort {
            let name = label.campaign.as_deref().unwrap_or("-");
            groups.entry(name).or_default().add(level);
            cohort_level = cohort_level.max(level);
        }
        if label.class == Class::Attack {
            attacks.add(v, requests);
            let name = label.campaign.as_deref().unwrap_or("-");
            campaigns.entry(name).or_default().add(v, requests);
        }
    }

    let mut unlabelled = UnlabelledSummary::default();
    for (id, v) in &verdicts.accounts {
        if labels.get(id).is_none() {
            unlabelled.accounts += 1;
            unlabelled.max_action.add(v.max_level);
        }
    }

    let [organic, automation, attack, cohort] = class_counts;
    let mut benign = organic;
    for other in [automation, cohort] {
        benign.none += other.none;
        benign.monitor += other.monitor;
        benign.throttle += other.throttle;
        benign.suspend += other.suspend;
    }
    let actioned: u64 = class_counts
        .iter()
        .map(|c| c.at_least(Level::Throttle))
        .sum();

    EvalReport {
        inputs: InputSummary {
            labelled_accounts: labels.len(),
            verdict_lines: verdicts.lines,
            verdict_lines_skipped: verdicts.skipped,
            shadow_verdicts: verdicts.shadow,
            verdict_accounts: verdicts.accounts.len(),
            logs: with_logs,
            log_files: logs.map_or(0, |l| l.files),
            log_lines: logs.map_or(0, |l| l.lines),
            log_lines_skipped: logs.map_or(0, |l| l.bad_lines),
            log_accounts: logs.map_or(0, |l| l.accounts.len()),
            labelled_without_requests,
        },
        classes: Class::ALL
            .iter()
            .zip(&class_counts)
            .map(|(c, n)| ClassRow {
                class: c.name().to_string(),
                accounts: n.total(),
                max_action: *n,
            })
            .collect(),
        attack: AttackSummary {
            accounts: attack.total(),
            detected: attacks.detected,
            recall: share(attacks.detected, attack.total()),
            actioned,
            actioned_attack: attack.at_least(Level::Throttle),
            precision: share(attack.at_least(Level::Throttle), actioned),
            ttd: attacks.times(with_logs),
            leak: with_logs.then_some(attacks.leak),
            judged: with_logs.then(|| attacks.judged.finish()),
        },
        benign_fpr: BenignFpr {
            organic: FprRow::from_counts(&organic),
            automation: FprRow::from_counts(&automation),
            cohort: FprRow::from_counts(&cohort),
            benign: FprRow::from_counts(&benign),
        },
        campaigns: campaigns
            .into_iter()
            .map(|(name, g)| CampaignRow {
                campaign: name.to_string(),
                accounts: g.counts.total(),
                detected: g.detected,
                recall: share(g.detected, g.counts.total()),
                max_action: g.counts,
                ttd: g.times(with_logs),
                leak: with_logs.then_some(g.leak),
            })
            .collect(),
        unlabelled,
        cohort_max_action: CohortSummary {
            accounts: cohort.total(),
            level: cohort_level.name().to_string(),
            throttled_or_worse: cohort.at_least(Level::Throttle),
            suspended: cohort.suspend,
            groups: groups
                .into_iter()
                .map(|(name, c)| CohortGroupRow {
                    group: name.to_string(),
                    accounts: c.total(),
                    max_action: c,
                })
                .collect(),
        },
        attribution: None,
    }
}
