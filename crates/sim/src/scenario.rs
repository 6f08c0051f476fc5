//! Scenario files: the populations and their knobs, loaded from TOML.
//!
//! Shipped scenarios live in `configs/scenarios/*.toml` at the repository root and are
//! embedded in the binary; `--scenario` takes one of their names or a path.

use crate::error::SimError;
use crate::style::StyleOverride;
use serde::Deserialize;
use std::path::Path;

/// Shipped scenarios: (name, TOML text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "seed-campaign",
        include_str!("../../../configs/scenarios/seed-campaign.toml"),
    ),
    (
        "multi-campaign",
        include_str!("../../../configs/scenarios/multi-campaign.toml"),
    ),
    (
        "stealth",
        include_str!("../../../configs/scenarios/stealth.toml"),
    ),
    (
        "false-positive-traps",
        include_str!("../../../configs/scenarios/false-positive-traps.toml"),
    ),
    (
        "cohorts",
        include_str!("../../../configs/scenarios/cohorts.toml"),
    ),
    (
        "aged-reseller",
        include_str!("../../../configs/scenarios/aged-reseller.toml"),
    ),
    (
        "slow-drip",
        include_str!("../../../configs/scenarios/slow-drip.toml"),
    ),
    (
        "mixed",
        include_str!("../../../configs/scenarios/mixed.toml"),
    ),
    (
        "cohorts-v2",
        include_str!("../../../configs/scenarios/cohorts-v2.toml"),
    ),
    (
        "aged-reseller-v2",
        include_str!("../../../configs/scenarios/aged-reseller-v2.toml"),
    ),
    (
        "slow-drip-v2",
        include_str!("../../../configs/scenarios/slow-drip-v2.toml"),
    ),
    (
        "mixed-v2",
        include_str!("../../../configs/scenarios/mixed-v2.toml"),
    ),
];

/// A whole scenario.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Scenario name (reported in summaries).
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Start of the simulated window, RFC 3339.
    pub start: String,
    /// Length of the window in days.
    pub days: f64,
    /// Ordinary people.
    pub organic: Option<OrganicConfig>,
    /// Shared IDE-assistant tools (class organic).
    #[serde(default)]
    pub shared_tool: Vec<SharedToolConfig>,
    /// CI code-generation pipelines (class automation).
    pub ci: Option<CiConfig>,
    /// Evaluation harnesses running public benchmarks (class automation).
    pub eval: Option<EvalConfig>,
    /// Batch document processing (class automation).
    pub batch: Option<BatchConfig>,
    /// Distillation campaigns (class attack).
    #[serde(default)]
    pub campaign: Vec<CampaignConfig>,
    /// Benign groups of new people (class cohort): courses, research teams, company
    /// onboardings, events.
    #[serde(default)]
    pub cohort: Vec<CohortConfig>,
}

/// Ordinary people using the API from their own devices.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrganicConfig {
    /// Number of accounts at scale 1.
    pub accounts: f64,
    /// Mean requests per day over users (individual rates are log-normal around it).
    pub requests_per_day: f64,
    /// σ of the log-normal spread of activity across users.
    #[serde(default = "d_activity_sigma")]
    pub activity_sigma: f64,
    /// Timing model (defaults: fitted, see `timing`).
    #[serde(default)]
    pub timing: OrganicTiming,
    /// Account ages and network habits.
    #[serde(default)]
    pub habits: Habits,
    /// Request style overrides.
    #[serde(default)]
    pub style: StyleOverride,
}

/// Organic timing knobs; defaults are the fit to the real traces.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OrganicTiming {
    /// Think time within a session: LogNormal μ (ln seconds).
    pub think_mu: f64,
    /// Think time within a session: LogNormal σ.
    pub think_sigma: f64,
    /// Gap between sessions: LogNormal σ (μ is set from the user's rate).
    pub session_gap_sigma: f64,
    /// Mean requests per session (1 + geometric).
    pub messages_per_session: f64,
}

impl Default for OrganicTiming {
    fn default() -> Self {
        OrganicTiming {
            think_mu: crate::timing::THINK_MU,
            think_sigma: crate::timing::THINK_SIGMA,
            session_gap_sigma: crate::timing::SESSION_GAP_SIGMA,
            messages_per_session: crate::timing::MESSAGES_PER_SESSION,
        }
    }
}

/// Account age and network habits of people.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Habits {
    /// Share of accounts signed up during the window (young accounts that are legitimate).
    pub young_share: f64,
    /// Median age in days of the other accounts at the window start (log-normal, σ = 1).
    pub age_median_days: f64,
    /// Mean daily probability that the home IP changes (ISP reassignment, move).
    pub ip_change_per_day: f64,
    /// Share of sessions from a mobile carrier instead of home.
    pub mobile_share: f64,
    /// Share of users who also work from an office network on weekdays.
    pub office_share: f64,
    /// Share of users whose home connection is IPv6.
    pub ipv6_share: f64,
    /// Time zones as (UTC offset hours, weight).
    pub timezones: Vec<(f64, f64)>,
    /// Probability that a request after the first of a session continues the conversation
    /// (sends the last 1-3 exchanges as history plus a short follow-up); messages-style
    /// clients only.
    pub followup_share: f64,
}

impl Default for Habits {
    fn default() -> Self {
        Habits {
            young_share: 0.08,
            age_median_days: 240.0,
            ip_change_per_day: 0.03,
            mobile_share: 0.2,
            office_share: 0.25,
            ipv6_share: 0.15,
            timezones: vec![
                (-8.0, 0.14),
                (-7.0, 0.04),
                (-6.0, 0.07),
                (-5.0, 0.18),
                (-3.0, 0.05),
                (0.0, 0.08),
                (1.0, 0.16),
                (2.0, 0.05),
                (5.5, 0.08),
                (8.0, 0.06),
                (9.0, 0.06),
                (10.0, 0.03),
            ],
            followup_share: 0.55,
        }
    }
}

/// One IDE assistant used by many independent people (class organic).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedToolConfig {
    /// Tool name (seeds its fixed system prompt).
    pub name: String,
    /// Number of users (accounts) at scale 1.
    pub users: f64,
    /// Mean requests per day per user.
    pub requests_per_day: f64,
    /// Number of tools the assistant declares on every request.
    #[serde(default = "d_tool_count")]
    pub tools: u32,
    /// σ of the log-normal spread of activity across users.
    #[serde(default = "d_activity_sigma")]
    pub activity_sigma: f64,
    /// Timing (organic, fitted defaults).
    #[serde(default)]
    pub timing: OrganicTiming,
    /// Account ages and networks (each user their own).
    #[serde(default)]
    pub habits: Habits,
    /// Request style overrides.
    #[serde(default)]
    pub style: StyleOverride,
}

/// CI code-generation pipelines (class automation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CiConfig {
    /// Number of organisations running a pipeline, at scale 1.
    pub orgs: f64,
    /// Service accounts per organisation (1..=max, uniform).
    #[serde(default = "d_three")]
    pub accounts_per_org_max: u32,
    /// Mean pipeline jobs per business day per account.
    pub jobs_per_day: f64,
    /// Mean requests per job (1 + geometric).
    pub requests_per_job: f64,
    /// Median gap between requests of one job, seconds (log-normal, σ = 0.6).
    #[serde(default = "d_ci_gap")]
    pub gap_median_s: f64,
    /// Local business hours [start, end).
    #[serde(default = "d_business")]
    pub business_hours: (u8, u8),
    /// Cloud egress IPs per organisation (1..=max).
    #[serde(default = "d_three")]
    pub egress_ips_max: u32,
    /// Minimum account age in days at the window start (established accounts).
    #[serde(default = "d_min_age")]
    pub min_age_days: f64,
    /// Request style overrides.
    #[serde(default)]
    pub style: StyleOverride,
}

/// Evaluation harnesses running public benchmarks (class automation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalConfig {
    /// Number of customer accounts running harnesses (each its own organisation), at scale 1.
    pub accounts: f64,
    /// Mean benchmark runs per week per account.
    pub runs_per_week: f64,
    /// Items in each generated benchmark (without a corpus; with one, each tasks_* file is a benchmark).
    #[serde(default = "d_bench_sizes")]
    pub benchmark_sizes: Vec<u32>,
    /// Share of a benchmark a run sends (1.0 = all items, in order).
    #[serde(default = "d_one")]
    pub run_fraction: f64,
    /// Median gap between requests of one run, seconds (log-normal, σ = 0.5).
    #[serde(default = "d_eval_gap")]
    pub gap_median_s: f64,
    /// Minimum account age in days at the window start.
    #[serde(default = "d_min_age")]
    pub min_age_days: f64,
    /// Request style overrides.
    #[serde(default)]
    pub style: StyleOverride,
}

/// Nightly batch document processing (class automation).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchConfig {
    /// Number of accounts (each its own organisation), at scale 1.
    pub accounts: f64,
    /// Probability a batch job runs on a given day.
    #[serde(default = "d_batch_days")]
    pub job_probability: f64,
    /// Mean documents per job (log-normal, σ = 0.5).
    pub docs_per_job: f64,
    /// Median gap between requests of one job, seconds (log-normal, σ = 0.4).
    #[serde(default = "d_batch_gap")]
    pub gap_median_s: f64,
    /// Local hour the nightly job starts.
    #[serde(default = "d_batch_hour")]
    pub start_hour: u8,
    /// Minimum account age in days at the window start.
    #[serde(default = "d_min_age")]
    pub min_age_days: f64,
    /// Request style overrides.
    #[serde(default)]
    pub style: StyleOverride,
}

/// A distillation campaign (class attack).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignConfig {
    /// Campaign name (the `campaign` column of the labels).
    pub name: String,
    /// Fraudulent accounts at scale 1.
    pub accounts: f64,
    /// Total exchanges the campaign harvests at scale 1.
    pub exchanges: f64,
    /// First day of the campaign (offset from the window start).
    #[serde(default)]
    pub start_day: f64,
    /// Last day of the campaign (offset; defaults to the end of the window).
    pub end_day: Option<f64>,
    /// Provisioning waves: accounts are split evenly across waves spread over the campaign
    /// (0 = drip, see `drip`).
    pub waves: u32,
    /// Days over which one wave's accounts start (uniform).
    #[serde(default = "d_wave_spread")]
    pub wave_spread_days: f64,
    /// Mean active lifetime of an account, days (then it is abandoned).
    pub account_lifetime_days: f64,
    /// Mean hours between account creation and first use (exponential).
    #[serde(default = "d_lead")]
    pub provision_lead_hours: f64,
    /// Per-account rate limit the operator stays under (requests per minute).
    pub rate_limit_rpm: f64,
    /// Per-account cap of requests per UTC day (0 = none).
    #[serde(default)]
    pub daily_cap: u32,
    /// Operator on-hours, UTC [start, end); (0, 24) = around the clock.
    #[serde(default = "d_on_hours")]
    pub on_hours: (u8, u8),
    /// Share of days on which the whole campaign pauses (shared off-days).
    #[serde(default)]
    pub pause_day_share: f64,
    /// Relative jitter of gaps around the schedule's mean (uniform ±jitter) without mimicry.
    #[serde(default = "d_jitter")]
    pub jitter: f64,
    /// Evasion: use the organic session/think-time model (fitted) instead of jittered gaps.
    #[serde(default)]
    pub timing_mimicry: bool,
    /// Evasion: days over which each account ramps from 10 % to full rate (0 = off).
    #[serde(default)]
    pub ramp_days: f64,
    /// Proxy pool size (IPs) at scale 1 (at least 8 after scaling).
    #[serde(default = "d_pool")]
    pub proxy_pool_size: f64,
    /// Share of pool IPs that are residential/mobile proxies (rest datacenter/cloud).
    #[serde(default = "d_half")]
    pub pool_residential_share: f64,
    /// Probability a request switches to another random pool IP.
    #[serde(default = "d_rotate")]
    pub ip_rotate_share: f64,
    /// Evasion: each account gets its own residential IP (no pool sharing).
    #[serde(default)]
    pub dedicated_ips: bool,
    /// Evasion: share of requests that are organic-looking camouflage prompts.
    #[serde(default)]
    pub camouflage_share: f64,
    /// Evasion: paraphrases used per template (1 = the template verbatim).
    #[serde(default = "d_one_u")]
    pub paraphrases: u32,
    /// Evasion: probability each swappable word is replaced by a synonym.
    #[serde(default)]
    pub synonym_swap: f64,
    /// Templates per capability area.
    #[serde(default = "d_templates")]
    pub templates_per_area: u32,
    /// Weights of capability areas: software engineering, agentic, reasoning.
    #[serde(default = "d_areas")]
    pub area_weights: (f64, f64, f64),
    /// Share of accounts paying with one of a few shared payment fingerprints.
    #[serde(default)]
    pub shared_payment_share: f64,
    /// Number of shared payment fingerprints.
    #[serde(default = "d_three")]
    pub shared_payment_count: u32,
    /// Evasion (bought accounts): account age at first use, uniform in [min, max] days,
    /// instead of provisioning shortly before first use.
    #[serde(default)]
    pub account_age_days: Option<(f64, f64)>,
    /// Evasion (bought accounts): the account shows light organic use from its old home
    /// IP from the window start until the takeover (its first harvesting request), then
    /// switches abruptly to new addresses and harvesting volume.
    #[serde(default)]
    pub dormant_history: bool,
    /// Organic requests per week of the dormant history (before the takeover).
    #[serde(default = "d_dormant_rate")]
    pub dormant_requests_per_week: f64,
    /// Reseller pool: number of organic people at scale 1 (class organic, ordinary organic
    /// behaviour) whose traffic goes out through the campaign's proxy pool IPs, a random
    /// pool IP per request.
    #[serde(default)]
    pub pool_relays_organic: f64,
    /// Evasion: each account gets a time zone (`timezones`) and follows the organic
    /// session model with the fitted diurnal and weekly rhythm in that zone; `on_hours`
    /// and `pause_day_share` are then ignored (rate limit and daily cap still hold).
    #[serde(default)]
    pub local_schedule: bool,
    /// Time zones of `local_schedule` / dormant accounts as (UTC offset hours, weight);
    /// defaults to the organic habits' zones.
    #[serde(default)]
    pub timezones: Option<Vec<(f64, f64)>>,
    /// Evasion (mixed real chats): camouflage requests are organic conversations; after
    /// a camouflage request, the next request continues that chat (history + follow-up)
    /// with this probability (messages-style clients; 0 = single-turn camouflage). The
    /// overall camouflage share stays `camouflage_share`.
    #[serde(default)]
    pub camouflage_followups: f64,
    /// Evasion (slow drip): accounts start one at a time, uniformly over the campaign
    /// period, instead of in waves (also implied by `waves = 0`).
    #[serde(default)]
    pub drip: bool,
    /// Harvesting prompts: `templates` (capability templates around a task sweep) or
    /// `corpus` (items sampled uniformly from a large task distribution, each wrapped in
    /// the account's own wording).
    #[serde(default)]
    pub prompt_source: PromptSource,
    /// `corpus` source: number of distinct instruction wrappers (phrasings) the campaign
    /// draws one per account from.
    #[serde(default = "d_wordings")]
    pub wordings: u32,
    /// `corpus` source: share of requests that add a reasoning cue ("think step by step").
    #[serde(default = "d_cue")]
    pub reasoning_cue_share: f64,
    /// Request style overrides.
    #[serde(default)]
    pub style: StyleOverride,
}

/// Where a campaign's harvesting prompts come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromptSource {
    /// Capability templates (with paraphrases and synonym swaps) around a systematic task sweep.
    #[default]
    Templates,
    /// Task items sampled uniformly (corpus `tasks_*` files, else procedural), per-account wording.
    Corpus,
}

impl CampaignConfig {
    /// Whether accounts start one at a time (drip) rather than in waves.
    pub fn is_drip(&self) -> bool {
        self.drip || self.waves == 0
    }
}

/// Kind of benign group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CohortKind {
    /// A university class: lab sessions on campus NAT, one exercise sheet, homework at home.
    Course,
    /// A research team running public benchmarks through an open-source harness.
    BenchTeam,
    /// A company onboarding its staff: one org and payment, office NAT, business hours.
    Onboarding,
    /// A hackathon / workshop: venue Wi-Fi, organisers' starter template, bursty days.
    Event,
}

impl CohortKind {
    /// Default group-name prefix.
    pub fn default_name(self) -> &'static str {
        match self {
            CohortKind::Course => "course",
            CohortKind::BenchTeam => "bench-team",
            CohortKind::Onboarding => "onboarding",
            CohortKind::Event => "event",
        }
    }
}

/// Benign groups of one kind (class `cohort`; the labels' campaign column holds the
/// group name `name-k`). Group sizes are NOT multiplied by `--scale`; only the number of
/// groups is (at least `min_groups`). Unset knobs take the kind's defaults (see
/// [`CohortConfig::params`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortConfig {
    /// `course`, `bench_team`, `onboarding` or `event`.
    pub kind: CohortKind,
    /// Group-name prefix (default: `course`, `bench-team`, `onboarding`, `event`).
    pub name: Option<String>,
    /// Number of groups at scale 1 (scaled and rounded, at least `min_groups`).
    pub groups: f64,
    /// Minimum number of groups at any scale.
    #[serde(default = "d_min_groups")]
    pub min_groups: u32,
    /// Members per group [min, max] (uniform; not scaled).
    pub size: Option<(u32, u32)>,
    /// Day (offset from the window start) the group starts, uniform in [min, max].
    pub start_days: Option<(f64, f64)>,
    /// Members create their accounts within this many hours of the group's start.
    pub signup_hours: Option<f64>,
    /// Shared addresses of the group (campus / office / venue NAT, or the team's
    /// servers), [min, max], all in one /24.
    pub nat_ips: Option<(u32, u32)>,
    /// Days the group stays active (course and onboarding: to the window end by default).
    pub active_days: Option<f64>,
    /// Course: lab sessions per week (at fixed weekly slots, the whole class together).
    pub sessions_per_week: Option<u32>,
    /// Course: lab length in hours; event: spacing of the synchronised sessions in hours.
    pub session_hours: Option<f64>,
    /// Requests per session [min, max]: course labs, event sessions.
    pub requests_per_session: Option<(u32, u32)>,
    /// Course: exercises on the group's sheet [min, max].
    pub exercises: Option<(u32, u32)>,
    /// Bench team: whole benchmark runs per account over the active period [min, max].
    pub runs: Option<(u32, u32)>,
    /// Mean requests per day outside sessions: course homework, onboarding use, event
    /// after-users.
    pub requests_per_day: Option<f64>,
    /// Bench team: median gap between items of a run, seconds (log-normal, σ = 0.5).
    pub gap_median_s: Option<f64>,
    /// Bench team: the whole team uses one API key of the team's org.
    pub shared_key: Option<bool>,
    /// Event: share of members who stay on as light organic users afterwards.
    pub after_share: Option<f64>,
    /// Probability a request after the first of a session is a conversational follow-up.
    pub followup_share: Option<f64>,
    /// Time zones of the groups as (UTC offset hours, weight); default: the organic ones.
    pub timezones: Option<Vec<(f64, f64)>>,
    /// Request style overrides (on the kind's base style).
    #[serde(default)]
    pub style: StyleOverride,
}

/// Cohort knobs with the kind's defaults filled in.
#[derive(Debug, Clone)]
pub struct CohortParams {
    /// Group-name prefix.
    pub name: String,
    /// Members per group.
    pub size: (u32, u32),
    /// Start day range.
    pub start_days: (f64, f64),
    /// Sign-up window, hours.
    pub signup_hours: f64,
    /// Shared addresses.
    pub nat_ips: (u32, u32),
    /// Active days (`f64::INFINITY` = to the window end).
    pub active_days: f64,
    /// Course labs per week.
    pub sessions_per_week: u32,
    /// Lab length / sync spacing, hours.
    pub session_hours: f64,
    /// Requests per session.
    pub requests_per_session: (u32, u32),
    /// Exercises per sheet.
    pub exercises: (u32, u32),
    /// Runs per bench account.
    pub runs: (u32, u32),
    /// Requests per day outside sessions.
    pub requests_per_day: f64,
    /// Bench item gap median, seconds.
    pub gap_median_s: f64,
    /// One API key per bench team.
    pub shared_key: bool,
    /// Event after-users share.
    pub after_share: f64,
    /// Follow-up probability.
    pub followup_share: f64,
    /// Time zones.
    pub timezones: Vec<(f64, f64)>,
}

impl CohortConfig {
    /// The knobs with the kind's defaults.
    pub fn params(&self) -> CohortParams {
        use CohortKind::*;
        let k = self.kind;
        let pick = |c: f64, b: f64, o: f64, e: f64| match k {
            Course => c,
            BenchTeam => b,
            Onboarding => o,
            Event => e,
        };
        CohortParams {
            name: self
                .name
                .clone()
                .unwrap_or_else(|| k.default_name().to_string()),
            size: self.size.unwrap_or(match k {
                Course => (30, 80),
                BenchTeam => (5, 30),
                Onboarding => (50, 200),
                Event => (40, 150),
            }),
            start_days: self.start_days.unwrap_or(match k {
                Course => (0.0, 10.0),
                BenchTeam => (0.0, 20.0),
                Onboarding => (0.0, 15.0),
                Event => (1.0, 20.0),
            }),
            signup_hours: self.signup_hours.unwrap_or(pick(2.0, 36.0, 60.0, 3.0)),
            nat_ips: self.nat_ips.unwrap_or(match k {
                Course => (1, 3),
                BenchTeam => (1, 3),
                Onboarding => (1, 3),
                Event => (1, 2),
            }),
            active_days: self
                .active_days
                .unwrap_or(pick(f64::INFINITY, 14.0, f64::INFINITY, 1.5)),
            sessions_per_week: self.sessions_per_week.unwrap_or(2),
            session_hours: self.session_hours.unwrap_or(pick(2.0, 0.0, 0.0, 3.0)),
            requests_per_session: self.requests_per_session.unwrap_or(match k {
                Event => (5, 25),
                _ => (10, 60),
            }),
            exercises: self.exercises.unwrap_or((8, 15)),
            runs: self.runs.unwrap_or((1, 6)),
            requests_per_day: self.requests_per_day.unwrap_or(pick(1.5, 0.0, 5.0, 0.4)),
            gap_median_s: self.gap_median_s.unwrap_or(6.0),
            shared_key: self.shared_key.unwrap_or(true),
            after_share: self.after_share.unwrap_or(0.3),
            followup_share: self.followup_share.unwrap_or(0.55),
            timezones: self
                .timezones
                .clone()
                .unwrap_or_else(|| Habits::default().timezones),
        }
    }
}

fn d_min_groups() -> u32 {
    2
}
fn d_dormant_rate() -> f64 {
    3.0
}
fn d_wordings() -> u32 {
    400
}
fn d_cue() -> f64 {
    0.3
}

fn d_pool() -> f64 {
    1000.0
}
fn d_activity_sigma() -> f64 {
    1.0
}
fn d_tool_count() -> u32 {
    9
}
fn d_three() -> u32 {
    3
}
fn d_ci_gap() -> f64 {
    4.0
}
fn d_business() -> (u8, u8) {
    (8, 19)
}
fn d_min_age() -> f64 {
    120.0
}
fn d_bench_sizes() -> Vec<u32> {
    vec![164, 500, 300, 250]
}
fn d_one() -> f64 {
    1.0
}
fn d_one_u() -> u32 {
    1
}
fn d_eval_gap() -> f64 {
    1.5
}
fn d_batch_days() -> f64 {
    0.8
}
fn d_batch_gap() -> f64 {
    2.0
}
fn d_batch_hour() -> u8 {
    1
}
fn d_wave_spread() -> f64 {
    2.0
}
fn d_lead() -> f64 {
    6.0
}
fn d_on_hours() -> (u8, u8) {
    (0, 24)
}
fn d_jitter() -> f64 {
    0.5
}
fn d_half() -> f64 {
    0.5
}
fn d_rotate() -> f64 {
    0.3
}
fn d_templates() -> u32 {
    6
}
fn d_areas() -> (f64, f64, f64) {
    (0.45, 0.3, 0.25)
}

impl Scenario {
    /// Parses scenario TOML; `name` is used in error messages.
    pub fn from_toml(name: &str, text: &str) -> Result<Self, SimError> {
        let s: Scenario = toml::from_str(text).map_err(|source| SimError::ScenarioParse {
            name: name.to_string(),
            source,
        })?;
        s.validate()?;
        Ok(s)
    }

    /// A shipped scenario by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Self, SimError> {
        if let Some((_, text)) = BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
            return Self::from_toml(name_or_path, text);
        }
        let path = Path::new(name_or_path);
        if path.is_file() {
            let text = std::fs::read_to_string(path).map_err(|e| SimError::io(path, e))?;
            return Self::from_toml(name_or_path, &text);
        }
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        Err(SimError::UnknownScenario(
            name_or_path.to_string(),
            names.join(", "),
        ))
    }

    /// Window start in epoch milliseconds.
    pub fn start_ms(&self) -> Result<i64, SimError> {
        chrono::DateTime::parse_from_rfc3339(&self.start)
            .map(|d| d.timestamp_millis())
            .map_err(|e| SimError::InvalidScenario(self.name.clone(), format!("start: {e}")))
    }

    fn validate(&self) -> Result<(), SimError> {
        let bad = |m: String| Err(SimError::InvalidScenario(self.name.clone(), m));
        self.start_ms()?;
        if !(self.days > 0.0 && self.days <= 3660.0) {
            return bad(format!("days = {} must be in (0, 3660]", self.days));
        }
        for c in &self.campaign {
            if c.rate_limit_rpm <= 0.0 || c.account_lifetime_days <= 0.0 {
                return bad(format!(
                    "campaign {}: rate_limit_rpm and account_lifetime_days must be > 0",
                    c.name
                ));
            }
            if c.on_hours.0 >= c.on_hours.1 || c.on_hours.1 > 24 {
                return bad(format!(
                    "campaign {}: on_hours must be 0 <= a < b <= 24",
                    c.name
                ));
            }
            let end = c.end_day.unwrap_or(self.days);
            if !(c.start_day >= 0.0 && end > c.start_day && end <= self.days) {
                return bad(format!(
                    "campaign {}: need 0 <= start_day < end_day <= days",
                    c.name
                ));
            }
            if let Some((a, b)) = c.account_age_days {
                if !(a >= 0.0 && b >= a) {
                    return bad(format!(
                        "campaign {}: account_age_days must be 0 <= min <= max",
                        c.name
                    ));
                }
            }
            if !(0.0..1.0).contains(&c.camouflage_followups) {
                return bad(format!(
                    "campaign {}: camouflage_followups must be in [0, 1)",
                    c.name
                ));
            }
        }
        for c in &self.cohort {
            let p = c.params();
            let ok = p.size.0 >= 1
                && p.size.1 >= p.size.0
                && p.nat_ips.0 >= 1
                && p.nat_ips.1 >= p.nat_ips.0
                && p.start_days.0 >= 0.0
                && p.start_days.1 >= p.start_days.0
                && p.start_days.0 < self.days
                && p.requests_per_session.0 >= 1
                && p.requests_per_session.1 >= p.requests_per_session.0
                && p.exercises.0 >= 1
                && p.exercises.1 >= p.exercises.0
                && p.runs.1 >= p.runs.0
                && p.active_days > 0.0
                && p.signup_hours >= 0.0
                && (0.0..1.0).contains(&p.followup_share)
                && c.groups >= 0.0;
            if !ok {
                return bad(format!(
                    "cohort {}: need 1 <= min <= max for size, nat_ips, requests_per_session, exercises, runs; 0 <= start_days < days; followup_share in [0, 1)",
                    p.name
                ));
            }
        }
        Ok(())
    }
}
