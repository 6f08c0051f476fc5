//! The simulator engine: accounts in a priority queue of next-event times, emitting
//! records in timestamp order in constant memory (records are never stored).

mod emit;
mod schedule;
mod setup;

use crate::corpus::Corpus;
use crate::error::SimError;
use crate::ids::ShortId;
use crate::net::{Endpoint, IpSpace};
use crate::prompts::{CampaignPrompts, PromptKit};
use crate::record::{Class, SimRecord};
use crate::scenario::{Habits, OrganicTiming, Scenario};
use crate::style::Style;
use rand_chacha::ChaCha8Rng;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Optional real-data inputs.
#[derive(Debug, Clone, Default)]
pub struct Resources {
    /// Prompt corpus (`--corpus`).
    pub corpus: Option<Corpus>,
    /// Routed address ranges (`--asn-db`); the built-in table otherwise.
    pub ip_space: Option<IpSpace>,
}

/// One row of the ground-truth labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The account.
    pub account_id: String,
    /// Its class.
    pub class: Class,
    /// Campaign name for attack accounts, group name for cohort accounts, empty otherwise.
    pub campaign: String,
}

/// Which population an account belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pop {
    Organic,
    Tool(u16),
    Ci(u32),
    Eval,
    Batch,
    Campaign(u16),
    Cohort(u16),
}

/// Account flags.
pub(crate) const F_SESSION: u8 = 1; // a new session/lab/run just started (set by the schedule)
pub(crate) const F_DORMANT: u8 = 2; // campaign account before its takeover
pub(crate) const F_CHAT: u8 = 4; // campaign account: the last request was a camouflage chat
pub(crate) const F_LAB: u8 = 8; // course member inside a lab session / event member at the venue
pub(crate) const F_AFTER: u8 = 16; // event member after the event (light organic user)

/// Per-account identity and state (kept small: hundreds of thousands exist at once).
#[derive(Debug, Clone)]
pub(crate) struct Account {
    pub id: ShortId,
    pub org: ShortId,
    pub pay: ShortId,
    pub keys: [ShortId; 2],
    pub nkeys: u8,
    pub created_at: i64,
    pub pop: Pop,
    pub client: u8,
    pub model: u8,
    pub stream: bool,
    pub blocks: bool,
    pub tz_s: i32,
    /// End of activity (ms).
    pub end: i64,
    /// First use (ms).
    pub first_use: i64,
    /// Population-specific gap scale: ln-mean of session gaps (organic) or mean gap ms (campaign) or job gap (automation).
    pub gap: f64,
    /// Requests left in the current session / job / run.
    pub left: u32,
    /// Campaign: requests left in the account's budget.
    pub budget: u32,
    /// UTC day index and requests that day (rate caps).
    pub day: i32,
    pub day_count: u32,
    pub home: Endpoint,
    pub mobile: Endpoint,
    pub office: Option<Endpoint>,
    pub cur: Endpoint,
    pub last_ip_change: i64,
    /// Current benchmark item / pool index / template.
    pub aux: u32,
    pub aux2: u16,
    /// Per-account habit: harness / batch template / favourite benchmark.
    pub habit: u16,
    /// Current conversation seed (0 = none) and index of its last user turn.
    pub conv: u64,
    pub turn: u16,
    /// `F_*` flags.
    pub flags: u8,
    /// Secondary gap scale: dormant-history / homework / after-event session gap (ln-mean ms).
    pub gap2: f64,
    /// Organic account relayed through campaign `relay - 1`'s proxy pool (0 = none).
    pub relay: u16,
}

/// Organic timing and network habits flattened to plain numbers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrgParams {
    pub think_mu: f64,
    pub think_sigma: f64,
    pub gap_sigma: f64,
    pub msgs: f64,
    pub mobile_share: f64,
    pub ip_change_per_day: f64,
    pub ipv6_share: f64,
    pub followup: f64,
}

impl OrgParams {
    pub fn new(t: &OrganicTiming, h: &Habits) -> Self {
        OrgParams {
            think_mu: t.think_mu,
            think_sigma: t.think_sigma,
            gap_sigma: t.session_gap_sigma,
            msgs: t.messages_per_session,
            mobile_share: h.mobile_share,
            ip_change_per_day: h.ip_change_per_day,
            ipv6_share: h.ipv6_share,
            followup: h.followup_share,
        }
    }
}

pub(crate) struct ToolPop {
    pub params: OrgParams,
    pub style: Style,
    pub system: String,
    pub tools: u32,
}

/// One benign group (course, bench team, onboarding, event).
pub(crate) struct CohortGroup {
    pub name: String,
    pub kind: crate::scenario::CohortKind,
    pub p: crate::scenario::CohortParams,
    pub style: Style,
    /// Shared addresses (campus / office / venue NAT, team servers), one /24.
    pub nat: Vec<Endpoint>,
    pub tz_s: i32,
    /// Group start (first lab / event kickoff / onboarding day / first run) and end, ms.
    pub t0: i64,
    pub t_end: i64,
    /// Course exercise sheet.
    pub sheet: Vec<String>,
    /// Shared system prompt (company assistant, team harness).
    pub system: String,
    /// Harness wrapper (`{item}`) / event starter template (`{idea}`).
    pub wrapper: String,
    /// Bench team: the benchmark the team runs.
    pub bench: u16,
    /// Course: lab weekdays (0 = Monday) and local start hour.
    pub lab_days: Vec<u8>,
    pub lab_hour: u8,
}

pub(crate) struct CampaignPop {
    pub name: String,
    pub cfg: crate::scenario::CampaignConfig,
    pub style: Style,
    pub pool: Vec<Endpoint>,
    pub prompts: CampaignPrompts,
    pub next_task: u64,
    pub salt: u64,
}

/// The streaming generator. Iterate it (owned records) or call [`Simulator::next_record`]
/// (borrowed, allocation-free) and [`SimRecord::write_json`].
pub struct Simulator {
    pub(crate) scenario: Scenario,
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) rng: ChaCha8Rng,
    pub(crate) accounts: Vec<Account>,
    pub(crate) heap: BinaryHeap<Reverse<(i64, u32)>>,
    pub(crate) kit: PromptKit,
    pub(crate) ips: IpSpace,
    pub(crate) organic_style: Style,
    pub(crate) organic_params: OrgParams,
    pub(crate) tools: Vec<ToolPop>,
    pub(crate) ci_style: Style,
    pub(crate) ci_orgs: Vec<(Vec<Endpoint>, u16)>,
    pub(crate) eval_style: Style,
    pub(crate) batch_style: Style,
    pub(crate) campaigns: Vec<CampaignPop>,
    pub(crate) cohorts: Vec<CohortGroup>,
    pub(crate) expected: u64,
    pub(crate) emitted: u64,
    pub(crate) rec: SimRecord,
    pub(crate) scratch: String,
}

impl Simulator {
    /// Builds every account of `scenario` at `scale` (deterministic in `seed`).
    pub fn new(
        scenario: &Scenario,
        seed: u64,
        scale: f64,
        resources: Resources,
    ) -> Result<Self, SimError> {
        setup::build(scenario, seed, scale, resources)
    }

    /// The next record in timestamp order, or `None` at the end of the window.
    pub fn next_record(&mut self) -> Option<&SimRecord> {
        let Reverse((ts, idx)) = self.heap.pop()?;
        self.fill(idx as usize, ts);
        if let Some(next) = self.schedule(idx as usize, ts) {
            if next < self.end {
                self.heap.push(Reverse((next, idx)));
            }
        }
        self.emitted += 1;
        Some(&self.rec)
    }

    /// Expected number of records (an estimate made at setup, for progress bars).
    pub fn expected_records(&self) -> u64 {
        self.expected.max(self.emitted)
    }

    /// Records emitted so far.
    pub fn emitted(&self) -> u64 {
        self.emitted
    }

    /// Class and campaign of every account, sorted by account id.
    pub fn labels(&self) -> Vec<Label> {
        let mut v: Vec<Label> = self
            .accounts
            .iter()
            .map(|a| {
                let (class, _) = self.class_of(a);
                let campaign = match a.pop {
                    Pop::Campaign(c) => self.campaigns[c as usize].name.clone(),
                    Pop::Cohort(g) => self.cohorts[g as usize].name.clone(),
                    _ => String::new(),
                };
                Label {
                    account_id: a.id.as_str().to_string(),
                    class,
                    campaign,
                }
            })
            .collect();
        v.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        v
    }

    /// Campaign names in scenario order.
    pub fn campaign_names(&self) -> Vec<String> {
        self.campaigns.iter().map(|c| c.name.clone()).collect()
    }

    /// The scenario being simulated.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Window [start, end) in epoch ms.
    pub fn window(&self) -> (i64, i64) {
        (self.start, self.end)
    }

    pub(crate) fn class_of(&self, a: &Account) -> (Class, Option<u16>) {
        match a.pop {
            Pop::Organic | Pop::Tool(_) => (Class::Organic, None),
            Pop::Ci(_) | Pop::Eval | Pop::Batch => (Class::Automation, None),
            Pop::Campaign(c) => (Class::Attack, Some(c)),
            Pop::Cohort(_) => (Class::Cohort, None),
        }
    }
}

impl Iterator for Simulator {
    type Item = SimRecord;
    fn next(&mut self) -> Option<SimRecord> {
        self.next_record().cloned()
    }
}

#[cfg(test)]
mod tests;
