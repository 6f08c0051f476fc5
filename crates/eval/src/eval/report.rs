//! The evaluation report's data: what is printed and serialised to JSON.

use crate::action::Level;
use crate::error::EvalError;
use crate::stats::Dist;
use serde::Serialize;
use std::path::Path;

/// How many accounts ended at each maximum action (each account counted once, at the
/// most severe action it ever reached).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ActionCounts {
    /// Never acted on.
    pub none: u64,
    /// At most monitored.
    pub monitor: u64,
    /// At most throttled.
    pub throttle: u64,
    /// Suspended.
    pub suspend: u64,
}

impl ActionCounts {
    /// Counts one account at `level`.
    pub fn add(&mut self, level: Level) {
        match level {
            Level::None => self.none += 1,
            Level::Monitor => self.monitor += 1,
            Level::Throttle => self.throttle += 1,
            Level::Suspend => self.suspend += 1,
        }
    }

    /// Accounts counted.
    pub fn total(&self) -> u64 {
        self.none + self.monitor + self.throttle + self.suspend
    }

    /// Accounts that reached `level` or a more severe one.
    pub fn at_least(&self, level: Level) -> u64 {
        match level {
            Level::None => self.total(),
            Level::Monitor => self.monitor + self.throttle + self.suspend,
            Level::Throttle => self.throttle + self.suspend,
            Level::Suspend => self.suspend,
        }
    }
}

/// What was read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct InputSummary {
    /// Labelled accounts.
    pub labelled_accounts: usize,
    /// Verdict lines read.
    pub verdict_lines: u64,
    /// Verdict lines skipped as invalid.
    pub verdict_lines_skipped: u64,
    /// Verdicts with `"enforced": false` (shadow mode).
    pub shadow_verdicts: u64,
    /// Accounts with at least one verdict.
    pub verdict_accounts: usize,
    /// Whether logs were given.
    pub logs: bool,
    /// Log files read.
    pub log_files: usize,
    /// Log lines read.
    pub log_lines: u64,
    /// Log lines skipped as invalid.
    pub log_lines_skipped: u64,
    /// Accounts seen in the logs.
    pub log_accounts: usize,
    /// Labelled accounts absent from the logs (when logs were given).
    pub labelled_without_requests: usize,
}

/// Accounts of one class by maximum action reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassRow {
    /// `organic`, `automation` or `attack`.
    pub class: String,
    /// Accounts of the class.
    pub accounts: u64,
    /// By maximum action reached.
    pub max_action: ActionCounts,
}

/// Share of accounts reaching at least each action (cumulative: a suspended account also
/// counts as monitored and throttled).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FprRow {
    /// Accounts in the group.
    pub accounts: u64,
    /// Share reaching monitor or more.
    pub monitor: Option<f64>,
    /// Share reaching throttle or suspend.
    pub throttle: Option<f64>,
    /// Share suspended.
    pub suspend: Option<f64>,
}

impl FprRow {
    /// The row for accounts counted by maximum action.
    pub fn from_counts(c: &ActionCounts) -> FprRow {
        let n = c.total();
        let s = |l| crate::stats::share(c.at_least(l), n);
        FprRow {
            accounts: n,
            monitor: s(Level::Monitor),
            throttle: s(Level::Throttle),
            suspend: s(Level::Suspend),
        }
    }
}

/// Benign false-positive rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BenignFpr {
    /// Organic accounts.
    pub organic: FprRow,
    /// Automation accounts.
    pub automation: FprRow,
    /// Members of benign groups (courses, research teams, onboardings, events).
    pub cohort: FprRow,
    /// All benign accounts together (organic, automation and cohort).
    pub benign: FprRow,
}

/// Cohort members: the worst action any of them received.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CohortSummary {
    /// Cohort accounts.
    pub accounts: u64,
    /// The highest action any cohort member received (`none` when none or no cohorts).
    pub level: String,
    /// Members throttled or suspended.
    pub throttled_or_worse: u64,
    /// Members suspended.
    pub suspended: u64,
    /// Per group (labels' campaign column), sorted by name.
    pub groups: Vec<CohortGroupRow>,
}

/// One benign group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortGroupRow {
    /// Group name (`course-1`, ...; `-` when the label has none).
    pub group: String,
    /// Members.
    pub accounts: u64,
    /// By maximum action reached.
    pub max_action: ActionCounts,
}

/// How pure the engine's campaign records are, judged by the labels of their members
/// (`--campaigns`: the last record per `campaign_id` is its final state).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Attribution {
    /// Lines read from the campaigns file.
    pub lines: u64,
    /// Lines that were not a campaign record (skipped).
    pub lines_skipped: u64,
    /// Final records with `size >= 1`.
    pub records: u64,
    /// Lowest majority share over records with labelled members.
    pub min_share: Option<f64>,
    /// Records whose majority share is under 95 %.
    pub under_95: u64,
    /// Benign members (organic, automation, cohort) of records assessed `extraction`.
    pub benign_in_extraction: u64,
    /// Attack members of records assessed `cohort`.
    pub attack_in_cohort: u64,
    /// Per record, lowest share first (ties by id).
    pub rows: Vec<AttributionRow>,
}

/// One final campaign record and the labels of its listed members.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributionRow {
    /// The engine's campaign id.
    pub campaign_id: String,
    /// The record's `size` (exact; `members` may be capped).
    pub size: u64,
    /// The record's `assessment` (`extraction`, `cohort`), when given.
    pub assessment: Option<String>,
    /// Listed members with a label.
    pub labelled: u64,
    /// Labelled attack members.
    pub attack: u64,
    /// Labelled benign members.
    pub benign: u64,
    /// `attack`, `benign` or `tie` (`None` without labelled members).
    pub majority: Option<String>,
    /// The majority side's share of the labelled members.
    pub share: Option<f64>,
    /// Members by group: campaign name (attack), group name (cohort), class name
    /// (organic, automation) or `unlabelled`; most members first.
    pub groups: Vec<(String, u64)>,
}

/// Time to detect, over detected attack accounts (first throttle/suspend).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DetectTimes {
    /// Attack accounts detected.
    pub detected: u64,
    /// Requests from the account's first up to and including the one at its first
    /// throttle/suspend time (logs only; accounts without requests are left out).
    pub requests: Option<Dist>,
    /// Hours from the account's first request to its first throttle/suspend (logs only).
    pub hours_from_first_request: Option<Dist>,
    /// Hours from the account's first verdict (usually monitor) to its first
    /// throttle/suspend: what can be said without logs.
    pub hours_from_first_verdict: Dist,
}

/// Attack exchanges served before their account was throttled or suspended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Leak {
    /// Requests with a timestamp strictly before the account's first throttle/suspend
    /// (all requests of accounts never actioned).
    pub leaked: u64,
    /// All requests of the accounts.
    pub total: u64,
    /// `leaked / total`.
    pub share: Option<f64>,
}

impl Leak {
    /// Adds another account's counts.
    pub fn add(&mut self, leaked: u64, total: u64) {
        self.leaked += leaked;
        self.total += total;
        self.share = crate::stats::share(self.leaked, self.total);
    }
}

/// Headline attack numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttackSummary {
    /// Attack accounts.
    pub accounts: u64,
    /// Attack accounts that reached throttle or suspend.
    pub detected: u64,
    /// `detected / accounts`.
    pub recall: Option<f64>,
    /// Labelled accounts that reached throttle or suspend.
    pub actioned: u64,
    /// Attack accounts among them.
    pub actioned_attack: u64,
    /// Attack accounts among them / `actioned`.
    pub precision: Option<f64>,
    /// Time to detect.
    pub ttd: DetectTimes,
    /// Leaked exchanges (logs only).
    pub leak: Option<Leak>,
    /// Recall over the accounts the engine could judge, and by exchanges (logs only).
    pub judged: Option<JudgedRecall>,
}

/// Recall over attack accounts that sent at least `min_requests` requests (the fewest the
/// engine judges an account's usage on, `signals.share_min_requests` by default), and recall
/// weighted by exchanges (the share of attack exchanges sent by accounts that were throttled
/// or suspended). An account seen once or twice inside the window cannot be told by usage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JudgedRecall {
    /// The request threshold.
    pub min_requests: u64,
    /// Attack accounts with at least that many requests.
    pub accounts: u64,
    /// Those that reached throttle or suspend.
    pub detected: u64,
    /// `detected / accounts`.
    pub recall: Option<f64>,
    /// Exchanges of all attack accounts.
    pub exchanges: u64,
    /// Exchanges of the attack accounts that reached throttle or suspend.
    pub exchanges_detected: u64,
    /// `exchanges_detected / exchanges`.
    pub exchange_recall: Option<f64>,
}

impl Default for JudgedRecall {
    fn default() -> Self {
        JudgedRecall {
            min_requests: u64::from(
                distillguard_types::config::Config::default()
                    .signals
                    .share_min_requests,
            ),
            accounts: 0,
            detected: 0,
            recall: None,
            exchanges: 0,
            exchanges_detected: 0,
            exchange_recall: None,
        }
    }
}

impl JudgedRecall {
    /// Count one attack account with `requests` requests, detected or not.
    pub fn add(&mut self, requests: u64, detected: bool) {
        self.exchanges += requests;
        if detected {
            self.exchanges_detected += requests;
        }
        if requests >= self.min_requests {
            self.accounts += 1;
            self.detected += u64::from(detected);
        }
    }

    /// With the shares filled in.
    pub fn finish(&self) -> JudgedRecall {
        JudgedRecall {
            recall: crate::stats::share(self.detected, self.accounts),
            exchange_recall: crate::stats::share(self.exchanges_detected, self.exchanges),
            ..self.clone()
        }
    }
}

/// Attack numbers for one campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CampaignRow {
    /// Campaign name from the labels (`-` for attack accounts without one).
    pub campaign: String,
    /// Accounts of the campaign.
    pub accounts: u64,
    /// Accounts that reached throttle or suspend.
    pub detected: u64,
    /// `detected / accounts`.
    pub recall: Option<f64>,
    /// By maximum action reached.
    pub max_action: ActionCounts,
    /// Time to detect.
    pub ttd: DetectTimes,
    /// Leaked exchanges (logs only).
    pub leak: Option<Leak>,
}

/// Accounts with verdicts but no label.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UnlabelledSummary {
    /// How many.
    pub accounts: u64,
    /// By maximum action reached.
    pub max_action: ActionCounts,
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// What was read.
    pub inputs: InputSummary,
    /// Per class, by maximum action reached.
    pub classes: Vec<ClassRow>,
    /// Attack recall, precision, time to detect, leak.
    pub attack: AttackSummary,
    /// Benign false-positive rates by action.
    pub benign_fpr: BenignFpr,
    /// Per campaign, sorted by name.
    pub campaigns: Vec<CampaignRow>,
    /// Accounts in the verdicts but not in the labels.
    pub unlabelled: UnlabelledSummary,
    /// Cohort members' worst action.
    pub cohort_max_action: CohortSummary,
    /// Campaign-record purity (with `--campaigns`).
    pub attribution: Option<Attribution>,
}

impl EvalReport {
    /// Serialises the report as pretty JSON.
    pub fn to_json(&self) -> Result<String, EvalError> {
        Ok(serde_json::to_string_pretty(self)?)
    }

    /// Writes the report as pretty JSON to `path`.
    pub fn write_json(&self, path: &Path) -> Result<(), EvalError> {
        let mut text = self.to_json()?;
        text.push('\n');
        std::fs::write(path, text).map_err(|e| EvalError::io(path, e))
    }
}
