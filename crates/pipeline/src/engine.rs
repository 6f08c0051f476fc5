//! The in-process engine.

use crate::campaigns::CampaignRegistry;
use crate::clock::EventClock;
use crate::held::{take_releases, AheadGate};
use crate::order::ReorderBuffer;
use crate::size::{Footprint, StateSize};
use crate::split::ToKeys;
use crate::PipelineError;
use distillguard_correlate::{KeyStage, KeyStageState};
use distillguard_features::evidence::EvidenceSet;
use distillguard_features::extraction::figures;
use distillguard_features::signals::compute;
use distillguard_features::stage::{fold_into, note_template_request, AccountStageState};
use distillguard_features::{AccountStage, AccountState, SignalId, SignalSet};
use distillguard_score::{Decision, Scorer};
use distillguard_types::config::{Config, LatePolicy, Problem};
use distillguard_types::corr::{CampaignLabel, Evidence, Observation, View};
use distillguard_types::hash::{combine, stable_hash};
use distillguard_types::net::NetData;
use distillguard_types::time::HOUR_MS;
use distillguard_types::{AccountId, CampaignRecord, Event, RecordOrigin, RejectReason, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::mem::take;
use std::sync::Arc;

/// A score of one account at one event (recorded for `tune` and `explain` when enabled).
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreSample {
    /// The account.
    pub account: AccountId,
    /// Event time.
    pub ts_ms: i64,
    /// The account's request count so far.
    pub n_request: u64,
    /// The score, before the group assessment's bound.
    pub score: f64,
    /// The highest action the group assessment allowed (`tune` bounds swept ladders by it).
    pub bound: distillguard_types::ladder::Action,
    /// Every signal behind the score (`explain` shows their trajectories).
    pub signals: SignalSet,
    /// The evidence held per view (template, IP pool, identity): the strongest key each
    /// ties the account to and how many accounts share it.
    pub views: [distillguard_features::evidence::Held; 3],
    /// The campaign label the account carries.
    pub label: Option<CampaignLabel>,
}

/// What a step of the engine produced.
#[derive(Debug, Default)]
pub struct Outputs {
    /// Action changes.
    pub verdicts: Vec<Verdict>,
    /// Campaign records.
    pub campaigns: Vec<CampaignRecord>,
    /// Score samples (only when recording).
    pub scores: Vec<ScoreSample>,
    /// Messages for the key stages (split mode only).
    pub to_keys: Vec<ToKeys>,
    /// Records refused after they were offered (held ahead of the clock, see [`crate::held`]),
    /// with the origin their caller gave, to be written as rejects.
    pub refused: Vec<(RecordOrigin, RejectReason)>,
}

impl Outputs {
    /// True when nothing was produced.
    pub fn is_empty(&self) -> bool {
        self.verdicts.is_empty()
            && self.campaigns.is_empty()
            && self.scores.is_empty()
            && self.to_keys.is_empty()
            && self.refused.is_empty()
    }
}

/// Counters of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Events processed.
    pub processed: u64,
    /// Events refused as late (policy reject) or admitted late (policy admit).
    pub late: u64,
    /// Events refused as too far in the future.
    pub future: u64,
    /// Repeated request ids.
    pub duplicate: u64,
    /// Observations sent to the key stage.
    pub observations: u64,
    /// Accounts expired for idleness.
    pub expired: u64,
    /// Accounts dropped, least recently active first, to stay within `windows.max_accounts`.
    pub evicted: u64,
    /// Keys seen by one account (and whole prompts) dropped to stay within
    /// `windows.state_budget_mib`, oldest first.
    pub budget_single_keys: u64,
    /// Accounts dropped to stay within `windows.state_budget_mib`, least recently active first.
    pub budget_accounts: u64,
    /// Shared keys dropped to stay within `windows.state_budget_mib`, least recently touched
    /// first.
    pub budget_shared_keys: u64,
}

impl Counters {
    /// Add `other`'s counts to these (engines of one run held side by side).
    pub fn add(&mut self, other: &Counters) {
        let Counters {
            processed,
            late,
            future,
            duplicate,
            observations,
            expired,
            evicted,
            budget_single_keys,
            budget_accounts,
            budget_shared_keys,
        } = other;
        self.processed += processed;
        self.late += late;
        self.future += future;
        self.duplicate += duplicate;
        self.observations += observations;
        self.expired += expired;
        self.evicted += evicted;
        self.budget_single_keys += budget_single_keys;
        self.budget_accounts += budget_accounts;
        self.budget_shared_keys += budget_shared_keys;
    }
}

/// The engine.
#[derive(Debug)]
pub struct Pipeline {
    cfg: Arc<Config>,
    accounts: AccountStage,
    keys: KeyStage,
    scorer: Scorer,
    campaigns: CampaignRegistry,
    buffer: ReorderBuffer,
    dedupe: HashMap<u64, i64, ahash::RandomState>,
    dedupe_swept_ms: i64,
    max_ts: i64,
    /// The event-time clock, the arrival count and the records held ahead of the clock.
    gate: AheadGate,
    refused: Vec<(RecordOrigin, RejectReason)>,
    watermark: i64,
    counters: Counters,
    /// The processed count at the last state budget check.
    budget_checked_at: u64,
    record_scores: bool,
    split: bool,
    /// False when the caller holds records ahead of the clock for a whole run of engines.
    holds_ahead: bool,
    dirty: Dirty,
    early: Vec<Evidence>,
    obs: Vec<Observation>,
    evs: Vec<Evidence>,
}

/// Split mode: accounts whose evidence changed since they were last scored, with the event
/// time to score them at and the label they had before.
type Dirty = HashMap<AccountId, (i64, Option<CampaignLabel>), ahash::RandomState>;

/// Processed events between two checks of `windows.state_budget_mib` (a check walks the
/// accounts and shared keys).
const BUDGET_CHECK_EVENTS: u64 = 8192;

/// Leads every snapshot, followed by [`STATE_FORMAT`] (2 bytes, little-endian).
const SNAPSHOT_MAGIC: &[u8; 3] = b"DGS";

/// The layout of [`Pipeline::snapshot`]'s state. Bump it with every change to what a snapshot
/// holds (the state structs are bincode, which has no room for added fields): a snapshot of
/// another format is refused with [`PipelineError::Format`] instead of misread.
/// 1: the first numbered format (the key stage remembers whether a key has been positive).
/// 2: extraction (account shares, key members' extraction, label assessment, record figures).
/// 3: the event-time clock (recent record times), dedupe keys scoped to the account.
/// 4: each account's latest API key and address (allowlists by key and IP range).
/// 5: records held ahead of the clock, with their origins, and the arrival count; template
/// slots without the distinct-skeleton sketch no signal read.
/// 6: the counters of what the state budget dropped; the processed count of the last budget
/// check.
pub const STATE_FORMAT: u16 = 6;

#[derive(Serialize, Deserialize)]
struct Snapshot {
    accounts: AccountStageState,
    keys: KeyStageState,
    campaigns: CampaignRegistry,
    dedupe: Vec<(u64, i64)>,
    dedupe_swept_ms: i64,
    max_ts: i64,
    clock: EventClock,
    arrivals: u64,
    ahead: Vec<(EventRepr, RecordOrigin, u64)>,
    refused: Vec<(RecordOrigin, RejectReason)>,
    watermark: i64,
    counters: Counters,
    budget_checked_at: u64,
    dirty: Vec<(AccountId, i64, Option<CampaignLabel>)>,
    early: Vec<Evidence>,
}

impl Pipeline {
    /// A fresh engine.
    pub fn new(cfg: Arc<Config>, net: Arc<NetData>) -> Self {
        Pipeline {
            accounts: AccountStage::new(cfg.clone(), net),
            keys: KeyStage::new(cfg.clone()),
            scorer: Scorer::new(&cfg),
            gate: AheadGate::new(&cfg),
            cfg,
            campaigns: CampaignRegistry::default(),
            buffer: ReorderBuffer::default(),
            dedupe: HashMap::default(),
            dedupe_swept_ms: i64::MIN,
            max_ts: i64::MIN,
            refused: Vec::new(),
            watermark: i64::MIN,
            counters: Counters::default(),
            budget_checked_at: 0,
            record_scores: false,
            split: false,
            holds_ahead: true,
            dirty: Dirty::default(),
            early: Vec::new(),
            obs: Vec::with_capacity(32),
            evs: Vec::with_capacity(32),
        }
    }

    /// Record a [`ScoreSample`] per event (for `tune`).
    pub fn record_scores(&mut self, on: bool) {
        self.record_scores = on;
    }

    /// Split mode (see [`crate::split`]): observations and campaign moves leave as
    /// [`Outputs::to_keys`], evidence comes back through [`Pipeline::evidence`].
    pub fn set_split(&mut self, on: bool) {
        self.split = on;
    }

    /// Whether this engine holds records ahead of its clock (the default). A driver running
    /// several engines over one input turns it off and holds them itself, by the run's clock
    /// (one engine's clock sees only its accounts); the engine then keeps no clock of its own
    /// ([`Pipeline::natural_watermark`] stays unknown).
    pub fn set_holds_ahead(&mut self, on: bool) {
        self.holds_ahead = on;
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Take a reloaded configuration between batches (live mode's SIGHUP): later decisions use
    /// its weights, thresholds, hysteresis, allowlist and shadow flag, and their verdicts carry
    /// its `config_version`; state is kept. Refused, with every section named, when `cfg`
    /// changes a restart-only section ([`Config::restart_only_changes`]).
    pub fn reconfigure(&mut self, cfg: Arc<Config>) -> Result<(), Vec<Problem>> {
        let refused = self.cfg.restart_only_changes(&cfg);
        if !refused.is_empty() {
            return Err(refused);
        }
        self.accounts.set_config(cfg.clone());
        self.keys.set_config(cfg.clone());
        self.scorer = Scorer::new(&cfg);
        self.cfg = cfg;
        Ok(())
    }

    /// Highest event time admitted.
    pub fn max_event_ms(&self) -> i64 {
        self.max_ts
    }

    /// Where the run is in event time ([`EventClock::now`]: a time several recent records
    /// reached; `i64::MIN` until there are enough to say). The watermark follows it, not the
    /// highest time seen.
    pub fn clock_ms(&self) -> i64 {
        self.gate.clock.now().unwrap_or(i64::MIN)
    }

    /// Current watermark.
    pub fn watermark(&self) -> i64 {
        self.watermark
    }

    /// The watermark implied by the events offered: [`Pipeline::clock_ms`] − allowed lateness.
    pub fn natural_watermark(&self) -> i64 {
        match self.clock_ms() {
            i64::MIN => i64::MIN,
            t => t.saturating_sub(self.cfg.windows.allowed_lateness.as_millis() as i64),
        }
    }

    /// Counters so far.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// Events waiting for the watermark, and records held ahead of the clock.
    pub fn pending(&self) -> usize {
        self.buffer.len() + self.gate.ahead.len()
    }

    /// Records held ahead of the clock (see [`crate::held`]).
    pub fn held_ahead(&self) -> usize {
        self.gate.ahead.len()
    }

    /// [`Pipeline::offer_from`] for a caller that writes no reject rows for held records.
    pub fn offer(&mut self, ev: Event) -> Result<(), RejectReason> {
        self.offer_from(ev, RecordOrigin::default)
    }

    /// Offer an event. On `Err` the event was not taken (the caller counts the reason and
    /// writes the reject). A record too far ahead of the clock is held (`Ok`) until later
    /// records say whether it is an outlier; if it is refused then, it comes out in
    /// [`Outputs::refused`] with the origin `origin` makes (called only for a held record).
    pub fn offer_from(
        &mut self,
        ev: Event,
        origin: impl FnOnce() -> RecordOrigin,
    ) -> Result<(), RejectReason> {
        if !self.holds_ahead {
            // the caller's clock judges records: this engine keeps no clock or arrival count
            return self.admit(ev);
        }
        let ev = self.gate.arrive(ev, origin, self.watermark);
        self.take_released();
        ev.map_or(Ok(()), |ev| self.admit(ev))
    }

    /// Admit held records the clock has reached; refuse those it never reached.
    fn release_ahead(&mut self) {
        self.gate.release(self.watermark);
        self.take_released();
    }

    /// Admit what the gate released; refused records go out with their origins.
    fn take_released(&mut self) {
        let (mut released, mut refused) = (take(&mut self.gate.released), take(&mut self.refused));
        self.counters.future += take_releases(&mut released, &mut refused, |ev| self.admit(ev));
        (self.gate.released, self.refused) = (released, refused);
    }

    /// Take a record that is not ahead of the clock: refuse it when late or a duplicate.
    fn admit(&mut self, mut ev: Event) -> Result<(), RejectReason> {
        let c = &self.cfg;
        if ev.ts_ms < self.watermark {
            self.counters.late += 1;
            match c.windows.late {
                LatePolicy::Reject => return Err(RejectReason::Late),
                LatePolicy::Admit => ev.ts_ms = self.watermark,
            }
        }
        if let Some(id) = ev.request_id {
            // a request id is the account's: the same id from two accounts is two requests
            let id = combine(id, stable_hash(ev.account.as_bytes()));
            let window = c.input.dedupe_window.as_millis() as i64;
            match self.dedupe.get(&id) {
                Some(seen) if (ev.ts_ms - seen).abs() <= window => {
                    self.counters.duplicate += 1;
                    return Err(RejectReason::Duplicate);
                }
                _ => {
                    self.dedupe.insert(id, ev.ts_ms);
                }
            }
        }
        self.max_ts = self.max_ts.max(ev.ts_ms);
        self.buffer.push(ev);
        Ok(())
    }

    /// Advance the watermark to `wm` (it never goes back) and process every buffered event at
    /// or before it, in event-time order.
    pub fn advance_to(&mut self, wm: i64, out: &mut Outputs) {
        if wm <= self.watermark {
            return;
        }
        self.watermark = wm;
        self.release_ahead();
        out.refused.append(&mut self.refused);
        self.rescore(out);
        self.order_early();
        while let Some(ev) = self.buffer.pop_until(wm) {
            self.apply_early(ev.ts_ms - 1);
            self.process(&ev, out);
        }
        self.apply_early(wm);
        self.counters.expired += self.accounts.expire(wm) as u64;
        self.counters.evicted += self.accounts.evict_over(self.cfg.windows.max_accounts) as u64;
        self.hold_to_budget();
        if !self.split {
            // split mode: the key side's clock comes from its own input (Self::key_clock)
            self.keys.expire(wm);
        }
        self.sweep_dedupe(wm);
    }

    /// Advance to the natural watermark (replay).
    pub fn advance(&mut self, out: &mut Outputs) {
        let wm = self.natural_watermark();
        self.advance_to(wm, out);
    }

    /// End of input: process everything left and write the final campaign records.
    pub fn finish(&mut self, out: &mut Outputs) {
        self.finish_events(out);
        self.finish_campaigns(self.max_ts, out);
    }

    /// End of input, events only: refuse the records held ahead that the clock never reached
    /// and process everything left. Split mode drivers deliver what that sends before
    /// [`Pipeline::finish_campaigns`].
    pub fn finish_events(&mut self, out: &mut Outputs) {
        self.release_ahead();
        for origin in self.gate.ahead.refuse_all() {
            self.counters.future += 1;
            self.refused.push((origin, RejectReason::FutureTs));
        }
        out.refused.append(&mut self.refused);
        let end = self.max_ts;
        self.rescore(out);
        self.order_early();
        while let Some(ev) = self.buffer.pop_until(i64::MAX) {
            self.apply_early(ev.ts_ms - 1);
            self.process(&ev, out);
        }
        self.apply_early(i64::MAX);
        if end != i64::MIN {
            self.watermark = self.watermark.max(end);
        }
    }

    /// The final record of every campaign this engine holds, at event time `end` (the
    /// highest event time of the run; nothing when the run had no event).
    pub fn finish_campaigns(&mut self, end: i64, out: &mut Outputs) {
        if end != i64::MIN {
            let c = &self.cfg.correlate;
            out.campaigns.extend(self.campaigns.finish(
                end,
                c.campaign_min_size,
                c.campaign_members_listed,
            ));
        }
    }

    /// Every [`BUDGET_CHECK_EVENTS`] processed events: past `windows.state_budget_mib`, drop
    /// state down to 90% of it, cheapest loss first (see the field's docs).
    fn hold_to_budget(&mut self) {
        if self.counters.processed < self.budget_checked_at + BUDGET_CHECK_EVENTS {
            return;
        }
        self.budget_checked_at = self.counters.processed;
        let budget = self.cfg.windows.state_budget_mib.saturating_mul(1 << 20) as usize;
        let size = self.state_size();
        let total = size.total_bytes();
        if total <= budget {
            return;
        }
        let mut excess = total - (budget - budget / 10);
        let c = &mut self.counters;
        let per = |f: Footprint| f.bytes.div_ceil(f.entries.max(1)).max(1);
        let singles = self
            .keys
            .drop_oldest_singles(excess.div_ceil(per(size.single_keys)));
        c.budget_single_keys += singles as u64;
        excess = excess.saturating_sub(singles * per(size.single_keys));
        let keep = size
            .accounts
            .entries
            .saturating_sub(excess.div_ceil(per(size.accounts)));
        let accounts = if excess > 0 {
            self.accounts.evict_to(keep)
        } else {
            0
        };
        c.budget_accounts += accounts as u64;
        excess = excess.saturating_sub(accounts * per(size.accounts));
        let shared = if excess > 0 {
            self.keys
                .drop_idlest_shared(excess.div_ceil(per(size.shared_keys)))
        } else {
            0
        };
        c.budget_shared_keys += shared as u64;
    }

    fn sweep_dedupe(&mut self, wm: i64) {
        if self.dedupe_swept_ms != i64::MIN && wm - self.dedupe_swept_ms < HOUR_MS {
            return;
        }
        self.dedupe_swept_ms = wm;
        let cut = wm - self.cfg.input.dedupe_window.as_millis() as i64;
        self.dedupe.retain(|_, ts| *ts >= cut);
    }

    fn process(&mut self, ev: &Event, out: &mut Outputs) {
        let cfg = &*self.cfg;
        self.counters.processed += 1;
        self.obs.clear();
        self.evs.clear();
        let st = self.accounts.update(ev, &mut self.obs);
        self.counters.observations += self.obs.len() as u64;
        if self.split {
            out.to_keys.extend(self.obs.drain(..).map(ToKeys::Observe));
            note_template_request(st, ev, &[], cfg);
            let sigs = compute(st, f64::from(st.cohort_z), ev.ts_ms, cfg);
            let d = decide(&self.scorer, st, &sigs, ev.ts_ms, cfg);
            push_scored(st, &sigs, ev.ts_ms, d, None, self.record_scores, cfg, out);
            return;
        }
        for o in &self.obs {
            self.keys.observe(o, &mut self.evs);
        }
        let label_before = st.evidence.label;
        for e in &self.evs {
            fold_into(st, e, cfg);
        }
        note_template_request(st, ev, &self.evs, cfg);
        let sigs = compute(st, f64::from(st.cohort_z), ev.ts_ms, cfg);
        let c = &cfg.correlate;
        if let (Some(old), None) = (label_before, st.evidence.label) {
            self.campaigns
                .leave(&st.id, old, ev.ts_ms, c, &mut out.campaigns);
        }
        if let Some(label) = st.evidence.label {
            if label_before != Some(label) || !self.campaigns.has(&st.id) {
                let (views, key) = linking_views(st, &sigs, cfg);
                let fig = figures(st, cfg);
                self.campaigns.join(
                    &st.id,
                    label,
                    &views,
                    key,
                    &fig,
                    ev.ts_ms,
                    c,
                    &mut out.campaigns,
                );
            }
        }
        let d = decide(&self.scorer, st, &sigs, ev.ts_ms, cfg);
        let campaigns = &self.campaigns;
        push_scored(
            st,
            &sigs,
            ev.ts_ms,
            d,
            Some(campaigns),
            self.record_scores,
            cfg,
            out,
        );
    }

    /// Split mode, key side: handle a message routed to this engine's partition. Evidence for
    /// an observation is appended to `evidence` (to be delivered to the observing account's
    /// engine); campaign records go to `out`.
    pub fn key_message(&mut self, msg: &ToKeys, evidence: &mut Vec<Evidence>, out: &mut Outputs) {
        let c = &self.cfg.correlate;
        match msg {
            ToKeys::Observe(o) => self.keys.observe(o, evidence),
            ToKeys::Join {
                account,
                label,
                views,
                key,
                figures,
                ts_ms,
            } => self.campaigns.join(
                account,
                *label,
                views,
                key.clone(),
                figures,
                *ts_ms,
                c,
                &mut out.campaigns,
            ),
            ToKeys::Leave {
                account,
                label,
                ts_ms,
            } => self
                .campaigns
                .leave(account, *label, *ts_ms, c, &mut out.campaigns),
        }
    }

    /// Event time of the earliest event waiting for the watermark.
    pub fn earliest_pending_ms(&self) -> Option<i64> {
        self.buffer.earliest()
    }

    /// Split mode, key side: every task feeding this key side has advanced to `ts`; expire
    /// keys by it. The caller derives `ts` from the key side's own input (the slowest task's
    /// tick on its partition), so the evidence it answers with is a function of that input's
    /// order alone, whatever the account side's progress: a key side restored after a crash
    /// answers re-read observations exactly as it did before, and the per-sender message
    /// numbers that deduplicate them line up.
    pub fn key_clock(&mut self, ts: i64) {
        if ts != i64::MIN {
            self.keys.expire(ts);
        }
    }

    /// Records of the campaigns whose size changed since their last record, at the current
    /// watermark (live mode calls this at every checkpoint round; replay ends with
    /// [`Pipeline::finish`] instead).
    pub fn flush_campaigns(&mut self, out: &mut Outputs) {
        let ts = if self.watermark == i64::MIN {
            self.max_ts
        } else {
            self.watermark
        };
        let c = &self.cfg.correlate;
        out.campaigns.extend(self.campaigns.flush(
            ts,
            c.campaign_min_size,
            c.campaign_members_listed,
        ));
    }

    /// Split mode, account side: fold evidence from a key stage into its account (evidence
    /// for an account this engine no longer holds is dropped). The account is rescored at
    /// the next [`Pipeline::rescore`] (also run on every watermark advance).
    ///
    /// Evidence about an event this engine has not processed yet (after a restore, the
    /// evidence of observations sent before a crash arrives while the events are re-read) is
    /// held until the watermark passes it, so it lands on the request it answers.
    pub fn evidence(&mut self, e: &Evidence) {
        if e.ts_ms > self.watermark {
            self.early.push(e.clone());
            return;
        }
        self.apply_evidence(e);
    }

    /// Held early evidence, last due at the end (ties in arrival order).
    fn order_early(&mut self) {
        if self.early.len() > 1 {
            self.early.reverse();
            self.early.sort_by_key(|e| std::cmp::Reverse(e.ts_ms));
        }
    }

    /// Apply held early evidence about events at or before `ts` (after [`Self::order_early`]),
    /// so it lands right after the event it answers.
    fn apply_early(&mut self, ts: i64) {
        while self.early.last().is_some_and(|e| e.ts_ms <= ts) {
            let e = self.early.pop().expect("checked");
            self.apply_evidence(&e);
        }
    }

    fn apply_evidence(&mut self, e: &Evidence) {
        let cfg = &*self.cfg;
        let Some(st) = self.accounts.get_mut(&e.account) else {
            return;
        };
        let label = st.evidence.label;
        fold_into(st, e, cfg);
        if e.key.kind.view() == Some(View::Template) {
            st.evidence.late_template(e.ts_ms, e.strength);
        }
        if EvidenceSet::is_duplicate(e) {
            st.evidence.late_duplicate(e.ts_ms);
        }
        let at = st.last_ms.max(e.ts_ms);
        self.dirty
            .entry(st.id.clone())
            .and_modify(|d| d.0 = d.0.max(at))
            .or_insert((at, label));
    }

    /// Split mode: score the accounts whose evidence changed (in account order), move
    /// relabelled accounts between campaign registries.
    pub fn rescore(&mut self, out: &mut Outputs) {
        if self.dirty.is_empty() {
            return;
        }
        let cfg = &*self.cfg;
        let mut dirty: Vec<_> = self.dirty.drain().collect();
        dirty.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (id, (ts, before)) in dirty {
            let Some(st) = self.accounts.get_mut(&id) else {
                continue;
            };
            let sigs = compute(st, f64::from(st.cohort_z), ts, cfg);
            let now = st.evidence.label;
            if now != before {
                if let Some(old) = before {
                    out.to_keys.push(ToKeys::Leave {
                        account: id.clone(),
                        label: old,
                        ts_ms: ts,
                    });
                }
                if let Some(label) = now {
                    let (views, key) = linking_views(st, &sigs, cfg);
                    out.to_keys.push(ToKeys::Join {
                        account: id.clone(),
                        label,
                        views,
                        key,
                        figures: figures(st, cfg),
                        ts_ms: ts,
                    });
                }
            }
            let d = decide(&self.scorer, st, &sigs, ts, cfg);
            push_scored(st, &sigs, ts, d, None, self.record_scores, cfg, out);
        }
    }

    /// What the engine holds, by structure (estimates; see [`StateSize`]).
    pub fn state_size(&self) -> StateSize {
        let (single_keys, shared_keys) = self.keys.sizes();
        let (single_bytes, shared_bytes) = self.keys.state_bytes();
        let (campaigns, campaign_bytes) = self.campaigns.held();
        let buffered = self.buffer.len() + self.gate.ahead.len();
        let event = std::mem::size_of::<Event>() + 24;
        let dedupe = self.dedupe.len();
        StateSize {
            accounts: Footprint {
                entries: self.accounts.len(),
                bytes: self.accounts.state_bytes(),
            },
            single_keys: Footprint {
                entries: single_keys,
                bytes: single_bytes,
            },
            shared_keys: Footprint {
                entries: shared_keys,
                bytes: shared_bytes,
            },
            reorder_buffer: Footprint {
                entries: buffered,
                bytes: buffered * event,
            },
            campaigns: Footprint {
                entries: campaigns,
                bytes: campaign_bytes,
            },
            dedupe: Footprint {
                entries: dedupe,
                bytes: dedupe * (std::mem::size_of::<(u64, i64)>() + 8),
            },
        }
    }

    /// Campaigns of at least the configured size.
    pub fn campaign_count(&self) -> usize {
        self.campaigns.count(self.cfg.correlate.campaign_min_size)
    }

    /// Serialize the whole state, pending events first processed up to the watermark is not
    /// required: events still buffered are included.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut dedupe: Vec<(u64, i64)> = self.dedupe.iter().map(|(k, v)| (*k, *v)).collect();
        dedupe.sort_unstable();
        let snap = Snapshot {
            accounts: self.accounts.to_state(),
            keys: self.keys.to_state(),
            campaigns: clone_registry(&self.campaigns),
            dedupe,
            dedupe_swept_ms: self.dedupe_swept_ms,
            max_ts: self.max_ts,
            clock: self.gate.clock.clone(),
            arrivals: self.gate.arrivals,
            ahead: self
                .gate
                .ahead
                .entries()
                .iter()
                .map(|(e, o, a)| (EventRepr::from(e), o.clone(), *a))
                .collect(),
            refused: self.refused.clone(),
            watermark: self.watermark,
            counters: self.counters.clone(),
            budget_checked_at: self.budget_checked_at,
            early: self.early.clone(),
            dirty: {
                let mut d: Vec<_> = self
                    .dirty
                    .iter()
                    .map(|(k, (t, l))| (k.clone(), *t, *l))
                    .collect();
                d.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                d
            },
        };
        let pending: Vec<EventRepr> = self.buffer.events().map(EventRepr::from).collect();
        let mut bytes = Vec::with_capacity(4096);
        bytes.extend_from_slice(SNAPSHOT_MAGIC);
        bytes.extend_from_slice(&STATE_FORMAT.to_le_bytes());
        bincode::serialize_into(&mut bytes, &(snap, pending)).expect("state serializes");
        bytes
    }

    /// Rebuild an engine from [`Pipeline::snapshot`] bytes.
    pub fn restore(
        cfg: Arc<Config>,
        net: Arc<NetData>,
        bytes: &[u8],
    ) -> Result<Pipeline, PipelineError> {
        let body = match bytes.strip_prefix(SNAPSHOT_MAGIC) {
            Some([a, b, body @ ..]) if u16::from_le_bytes([*a, *b]) == STATE_FORMAT => body,
            Some([a, b, ..]) => {
                return Err(PipelineError::Format {
                    found: Some(u16::from_le_bytes([*a, *b])),
                    expected: STATE_FORMAT,
                })
            }
            // Snapshots before formats were numbered began with the account count (bincode).
            _ => {
                return Err(PipelineError::Format {
                    found: None,
                    expected: STATE_FORMAT,
                })
            }
        };
        let (snap, pending): (Snapshot, Vec<EventRepr>) =
            bincode::deserialize(body).map_err(|e| PipelineError::Snapshot(e.to_string()))?;
        let mut p = Pipeline::new(cfg.clone(), net.clone());
        p.accounts = AccountStage::from_state(cfg.clone(), net, snap.accounts);
        p.keys = KeyStage::from_state(cfg, snap.keys);
        p.campaigns = snap.campaigns;
        p.dedupe = snap.dedupe.into_iter().collect();
        p.dedupe_swept_ms = snap.dedupe_swept_ms;
        p.max_ts = snap.max_ts;
        p.gate.clock = snap.clock;
        p.gate.arrivals = snap.arrivals;
        for (e, origin, arrival) in snap.ahead {
            p.gate.ahead.hold(e.into(), origin, arrival);
        }
        p.refused = snap.refused;
        p.watermark = snap.watermark;
        p.counters = snap.counters;
        p.budget_checked_at = snap.budget_checked_at;
        p.early = snap.early;
        p.dirty = snap
            .dirty
            .into_iter()
            .map(|(k, t, l)| (k, (t, l)))
            .collect();
        for e in pending {
            p.buffer.push(e.into());
        }
        Ok(p)
    }
}

/// The views (and the strongest key) that tie an account to its campaign.
fn linking_views(st: &AccountState, sigs: &SignalSet, cfg: &Config) -> (Vec<View>, Option<String>) {
    let (e, c) = (&st.evidence, &cfg.correlate);
    let mut views = Vec::with_capacity(4);
    let mut key = None;
    for (v, h) in [
        (View::Template, &e.template),
        (View::IpPool, &e.ip_pool),
        (View::Identity, &e.identity),
    ] {
        if h.strength >= c.link_strength {
            views.push(v);
            key = key.or(h.key.map(|k| k.display()));
        }
    }
    if sigs[SignalId::Synchrony].strength > 0.0 {
        views.push(View::Timing);
    }
    (views, key)
}

/// Score an account and apply the decision to its ladder: the scorer only reads the state.
fn decide(
    scorer: &Scorer,
    st: &mut AccountState,
    sigs: &SignalSet,
    ts: i64,
    cfg: &Config,
) -> Decision {
    let d = scorer.decide(st, sigs, ts, cfg);
    st.ladder = d.ladder;
    d
}

/// Emit a scoring step: the verdict (with its campaign id) and the score sample.
/// `campaigns` is the local registry; in split mode (none) the verdict names the account's
/// label when a key linking it holds at least `campaign_min_size` accounts.
#[allow(clippy::too_many_arguments)]
fn push_scored(
    st: &AccountState,
    sigs: &SignalSet,
    ts: i64,
    d: Decision,
    campaigns: Option<&CampaignRegistry>,
    record: bool,
    cfg: &Config,
    out: &mut Outputs,
) {
    if let Some(mut v) = d.verdict {
        // The campaign id is looked up (and formatted) only when a verdict is written.
        let c = &cfg.correlate;
        v.campaign_id = match campaigns {
            Some(r) => r.campaign_of(&st.id, c.campaign_min_size),
            None => {
                let e = &st.evidence;
                let members = [&e.template, &e.ip_pool, &e.identity]
                    .iter()
                    .filter(|h| h.strength >= c.link_strength)
                    .map(|h| h.members)
                    .max()
                    .unwrap_or(0);
                e.label
                    .filter(|_| members >= c.campaign_min_size)
                    .map(|l| l.campaign_id())
            }
        };
        out.verdicts.push(v);
    }
    if record {
        out.scores.push(ScoreSample {
            account: st.id.clone(),
            ts_ms: ts,
            n_request: st.n,
            score: d.score,
            bound: d.bound,
            signals: *sigs,
            views: [
                st.evidence.template,
                st.evidence.ip_pool,
                st.evidence.identity,
            ],
            label: st.evidence.label,
        });
    }
}

fn clone_registry(r: &CampaignRegistry) -> CampaignRegistry {
    bincode::deserialize(&bincode::serialize(r).expect("registry serializes"))
        .expect("registry round-trips")
}

#[path = "engine/repr.rs"]
mod repr;
use repr::EventRepr;

#[cfg(test)]
#[path = "engine/tests.rs"]
mod tests;
