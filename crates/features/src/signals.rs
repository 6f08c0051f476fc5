//! The signals: one strength in 0..1 per signal, with the raw value behind it.
//!
//! [`SignalId`] names every signal; a [`SignalSet`] is indexed by it, and every place that
//! treats signals one by one (this file's [`compute`], the weights, the reasons and their
//! details, the group assessment) matches on it without a catch-all arm, so a new signal does
//! not compile until each of them handles it. Each signal's function below says what it
//! measures.
//!
//! Per-account (from [`AccountState`]): [`rate_vs_history`], [`rate_vs_cohort`],
//! [`timing_regularity`], [`sleepless`], [`young_volume`], [`harvest_usage`],
//! [`template_concentration`], [`capability_breadth`], [`ip_rotation`], [`hosting_ip`].
//!
//! Cross-account (from the evidence the correlation stage returned, see [`cross_account`]):
//! - `shared_template`, `shared_ip_pool`, `shared_identity`: the strongest key suspicion of
//!   each view (suspect share × support × rarity), decayed since received, scaled by what the
//!   key's group extracts (along `extraction.group`); the template view is further scaled by
//!   the account's template exposure (the share of its recent prompts on suspicious
//!   templates, along `correlate.template_exposure`). The value is the key's suspicion, the
//!   threshold `correlate.link_strength`.
//! - `synchrony`: activity correlation with the members of those keys, counted only as far as
//!   the keys themselves are suspicious.

use crate::account::AccountState;
use crate::evidence::{EvidenceSet, Held};
use distillguard_types::config::{Config, SignalsConfig, Weights};
use distillguard_types::corr::{byte_share, View};
use distillguard_types::sketch::ramp;
use distillguard_types::time::HOUR_MS;

/// Declares [`SignalId`] from one list, so [`SignalId::ALL`], [`COUNT`] and
/// [`SignalId::name`] cannot leave a variant out.
macro_rules! signal_ids {
    ($($(#[doc = $doc:literal])* $variant:ident => $name:literal,)*) => {
        /// One signal. The declaration order is the order of `score.weights`, of a
        /// [`SignalSet`] and of ties between reasons.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum SignalId {
            $($(#[doc = $doc])* $variant,)*
        }

        /// Number of signals.
        pub const COUNT: usize = [$($name,)*].len();

        impl SignalId {
            /// Every signal, in declaration order.
            pub const ALL: [SignalId; COUNT] = [$(SignalId::$variant,)*];

            /// The signal's name: its key under `score.weights` and its reason's `signal`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(SignalId::$variant => $name,)*
                }
            }
        }
    };
}

signal_ids! {
    /// Requests per hour against the account's own long-run rate.
    RateVsHistory => "rate_vs_history",
    /// Daily volume against accounts of the same age.
    RateVsCohort => "rate_vs_cohort",
    /// Scripted rhythm of inter-arrival gaps.
    TimingRegularity => "timing_regularity",
    /// Activity through the hours a human population sleeps.
    Sleepless => "sleepless",
    /// Daily volume of a young account.
    YoungVolume => "young_volume",
    /// Share of requests asking for long outputs or reasoning.
    HarvestUsage => "harvest_usage",
    /// Share of prompts in the account's top templates.
    TemplateConcentration => "template_concentration",
    /// Capability areas the account asks for.
    CapabilityBreadth => "capability_breadth",
    /// Share of requests that change network prefix.
    IpRotation => "ip_rotation",
    /// Share of requests from hosting / VPN ranges.
    HostingIp => "hosting_ip",
    /// Prompt templates shared with a suspicious group.
    SharedTemplate => "shared_template",
    /// Addresses, prefixes or ASNs shared with a suspicious group.
    SharedIpPool => "shared_ip_pool",
    /// Payment fingerprints or API keys shared with a suspicious group.
    SharedIdentity => "shared_identity",
    /// Activity in step with the members of those shared keys.
    Synchrony => "synchrony",
}

impl SignalId {
    /// Whether the signal reads cross-account evidence (otherwise it is per-account, and
    /// counts within `score.per_account_cap`): exactly the signals with a [`View`].
    pub const fn is_cross_account(self) -> bool {
        self.view().is_some()
    }

    /// The view that ties an account to its group through this signal, for cross-account
    /// signals.
    pub const fn view(self) -> Option<View> {
        match self {
            SignalId::SharedTemplate => Some(View::Template),
            SignalId::SharedIpPool => Some(View::IpPool),
            SignalId::SharedIdentity => Some(View::Identity),
            SignalId::Synchrony => Some(View::Timing),
            SignalId::RateVsHistory
            | SignalId::RateVsCohort
            | SignalId::TimingRegularity
            | SignalId::Sleepless
            | SignalId::YoungVolume
            | SignalId::HarvestUsage
            | SignalId::TemplateConcentration
            | SignalId::CapabilityBreadth
            | SignalId::IpRotation
            | SignalId::HostingIp => None,
        }
    }

    /// The signal's weight in `w` (`score.weights.<name>`).
    pub fn weight(self, w: &Weights) -> f64 {
        match self {
            SignalId::RateVsHistory => w.rate_vs_history,
            SignalId::RateVsCohort => w.rate_vs_cohort,
            SignalId::TimingRegularity => w.timing_regularity,
            SignalId::Sleepless => w.sleepless,
            SignalId::YoungVolume => w.young_volume,
            SignalId::HarvestUsage => w.harvest_usage,
            SignalId::TemplateConcentration => w.template_concentration,
            SignalId::CapabilityBreadth => w.capability_breadth,
            SignalId::IpRotation => w.ip_rotation,
            SignalId::HostingIp => w.hosting_ip,
            SignalId::SharedTemplate => w.shared_template,
            SignalId::SharedIpPool => w.shared_ip_pool,
            SignalId::SharedIdentity => w.shared_identity,
            SignalId::Synchrony => w.synchrony,
        }
    }
}

/// One signal's reading.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Signal {
    /// The raw measurement.
    pub value: f64,
    /// Strength 0..1.
    pub strength: f64,
    /// Where the strength starts rising (the ramp's start).
    pub threshold: f64,
}

/// All signals of an account at one event, indexed by [`SignalId`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SignalSet([Signal; COUNT]);

impl SignalSet {
    /// The set whose signal `id` is `f(id)`, computed in [`SignalId::ALL`] order.
    pub fn from_fn(mut f: impl FnMut(SignalId) -> Signal) -> Self {
        let mut out = [Signal::default(); COUNT];
        for id in SignalId::ALL {
            out[id as usize] = f(id);
        }
        SignalSet(out)
    }

    /// Every signal with its id, in [`SignalId::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (SignalId, &Signal)> {
        SignalId::ALL.into_iter().zip(self.0.iter())
    }
}

impl std::ops::Index<SignalId> for SignalSet {
    type Output = Signal;
    fn index(&self, id: SignalId) -> &Signal {
        &self.0[id as usize]
    }
}

impl std::ops::IndexMut<SignalId> for SignalSet {
    fn index_mut(&mut self, id: SignalId) -> &mut Signal {
        &mut self.0[id as usize]
    }
}

fn sig(value: f64, r: [f64; 2]) -> Signal {
    Signal {
        value,
        strength: ramp(value, r),
        threshold: r[0],
    }
}

/// A reading with its strength held at 0 (not judged yet).
fn unjudged(value: f64, threshold: f64) -> Signal {
    Signal {
        value,
        strength: 0.0,
        threshold,
    }
}

/// Compute every signal of `st` at event time `ts`; `cohort_z` comes from
/// [`crate::cohort::Cohorts::observe`].
pub fn compute(st: &mut AccountState, cohort_z: f64, ts: i64, cfg: &Config) -> SignalSet {
    let s = &cfg.signals;
    let own = crate::extraction::evidence_share(st, cfg);
    let cross = cross_account(&st.evidence, own, ts, cfg);
    SignalSet::from_fn(|id| match id {
        SignalId::RateVsHistory => rate_vs_history(st, ts, s),
        SignalId::RateVsCohort => rate_vs_cohort(cohort_z, s),
        SignalId::TimingRegularity => timing_regularity(st, s),
        SignalId::Sleepless => sleepless(st, s),
        SignalId::YoungVolume => young_volume(st, ts, s),
        SignalId::HarvestUsage => harvest_usage(st, s),
        SignalId::TemplateConcentration => template_concentration(st, s),
        SignalId::CapabilityBreadth => capability_breadth(st, s),
        SignalId::IpRotation => ip_rotation(st, s),
        SignalId::HostingIp => hosting_ip(st, s),
        SignalId::SharedTemplate => cross.shared_template,
        SignalId::SharedIpPool => cross.shared_ip_pool,
        SignalId::SharedIdentity => cross.shared_identity,
        SignalId::Synchrony => cross.synchrony,
    })
}

/// `rate_vs_history`: requests per hour in the rate window ÷ the account's own decayed
/// long-run hourly rate, once it has `history_min_requests`.
pub fn rate_vs_history(st: &mut AccountState, ts: i64, s: &SignalsConfig) -> Signal {
    let rate_ms = s.rate_window.size.as_millis() as f64;
    let cur_per_hour = st.rate.count_at(ts, s.rate_window.slide.as_millis() as i64) as f64
        * HOUR_MS as f64
        / rate_ms;
    if st.n < u64::from(s.history_min_requests) {
        return Signal {
            threshold: s.history_ratio[0],
            ..Signal::default()
        };
    }
    let hl_hours = s.history_half_life.as_secs_f64() / 3600.0;
    let hist_per_hour = st.decayed * std::f64::consts::LN_2 / hl_hours;
    sig(cur_per_hour / hist_per_hour.max(1e-9), s.history_ratio)
}

/// `rate_vs_cohort`: z-score of log daily volume among accounts of the same age band
/// (`cohort_z`, from [`crate::cohort::Cohorts::observe`]).
pub fn rate_vs_cohort(cohort_z: f64, s: &SignalsConfig) -> Signal {
    sig(cohort_z, s.cohort_z)
}

/// `timing_regularity`: scripted rhythm of inter-arrival gaps (see [`crate::timing`]), once
/// `timing_min_gaps` gaps are known.
pub fn timing_regularity(st: &AccountState, s: &SignalsConfig) -> Signal {
    let t = st.gaps.stats();
    let mut out = unjudged(t.cv, s.timing_cv[0]);
    if t.n >= s.timing_min_gaps {
        out.strength = t.regularity(s.timing_cv);
    }
    out
}

/// `sleepless`: activity through the hours a human population sleeps (see [`crate::hours`]),
/// once the profile has enough requests and days.
pub fn sleepless(st: &AccountState, s: &SignalsConfig) -> Signal {
    let quiet = f64::from(st.hours.longest_quiet_run(s.quiet_hour_share));
    let mut out = unjudged(quiet, f64::from(s.quiet_hours));
    if st.n >= u64::from(s.active_hours_min_requests) && st.hours.days() >= s.active_hours_min_days
    {
        out.strength = st.hours.sleepless(s.quiet_hour_share, s.quiet_hours);
    }
    out
}

/// `young_volume`: daily volume of an account younger than `young_age`.
pub fn young_volume(st: &mut AccountState, ts: i64, s: &SignalsConfig) -> Signal {
    let daily = st
        .volume
        .count_at(ts, s.volume_window.slide.as_millis() as i64) as f64;
    let young = st
        .age_days(ts)
        .is_some_and(|d| d * 86_400.0 < s.young_age.as_secs_f64());
    if young {
        sig(daily, s.young_volume)
    } else {
        unjudged(daily, s.young_volume[0])
    }
}

/// A moving share's signal, judged once the account has `share_min_requests`.
fn share(st: &AccountState, s: &SignalsConfig, value: f64, r: [f64; 2]) -> Signal {
    let x = sig(value, r);
    if st.n >= u64::from(s.share_min_requests) {
        x
    } else {
        Signal { strength: 0.0, ..x }
    }
}

/// `harvest_usage`: moving share of requests asking for long outputs, extended reasoning or
/// explicit chain-of-thought.
pub fn harvest_usage(st: &AccountState, s: &SignalsConfig) -> Signal {
    share(st, s, f64::from(st.harvest), s.harvest_share)
}

/// `template_concentration`: share of prompts in the account's top three templates.
pub fn template_concentration(st: &AccountState, s: &SignalsConfig) -> Signal {
    let tpl = if st.templates.total() >= s.share_min_requests {
        st.templates.top3_share()
    } else {
        0.0
    };
    sig(tpl, s.template_share)
}

/// `capability_breadth`: capability areas each asked for in ≥ 10% of requests.
pub fn capability_breadth(st: &AccountState, s: &SignalsConfig) -> Signal {
    let breadth = st.caps.iter().filter(|c| **c >= 0.1).count() as f64;
    share(st, s, breadth, s.breadth)
}

/// `ip_rotation`: moving share of requests that change /24 (/48).
pub fn ip_rotation(st: &AccountState, s: &SignalsConfig) -> Signal {
    share(st, s, f64::from(st.ip_switch), s.ip_switch)
}

/// `hosting_ip`: moving share of requests from hosting / VPN ranges.
pub fn hosting_ip(st: &AccountState, s: &SignalsConfig) -> Signal {
    share(st, s, f64::from(st.hosting), s.hosting_share)
}

/// How much a held key's evidence counts for what its group extracts (0..1).
pub fn group_factor(h: &Held, cfg: &Config) -> f64 {
    ramp(byte_share(h.group_extraction), cfg.extraction.group)
}

/// The cross-account signals of one account at one event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossAccount {
    /// `shared_template`.
    pub shared_template: Signal,
    /// `shared_ip_pool`.
    pub shared_ip_pool: Signal,
    /// `shared_identity`.
    pub shared_identity: Signal,
    /// `synchrony`.
    pub synchrony: Signal,
}

/// The cross-account signals that the held evidence `e` gives at `ts` to an account taking
/// `own` (0..1) of its group's evidence (see [`crate::extraction::evidence_share`]).
pub fn cross_account(e: &EvidenceSet, own: f64, ts: i64, cfg: &Config) -> CrossAccount {
    let c = &cfg.correlate;
    let hl = c.evidence_half_life.as_millis() as i64;
    let view = |h: &Held, scale: f64| {
        let suspicion = h.at(ts, hl);
        Signal {
            value: suspicion,
            strength: suspicion * scale * group_factor(h, cfg) * own,
            threshold: c.link_strength,
        }
    };
    let exposure = ramp(e.template_exposure(), c.template_exposure);
    let tpl = view(&e.template, exposure);
    let ip = view(&e.ip_pool, 1.0);
    let (sync, base) = if tpl.strength >= ip.strength {
        (e.template.sync, tpl.strength)
    } else {
        (e.ip_pool.sync, ip.strength)
    };
    CrossAccount {
        shared_template: tpl,
        shared_ip_pool: ip,
        shared_identity: view(&e.identity, 1.0),
        synchrony: Signal {
            value: sync,
            strength: ramp(sync, c.sync_corr) * base,
            threshold: c.sync_corr[0],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::tests::ev;
    use distillguard_fingerprint::print_of;
    use distillguard_types::config::CorrelateConfig;
    use distillguard_types::corr::{CampaignLabel, KeyKind, View};
    use distillguard_types::Event;

    fn feed(events: &[Event], cfg: &Config) -> SignalSet {
        let mut st = AccountState::new(&events[0], &cfg.signals, &cfg.correlate);
        let mut last = SignalSet::default();
        for ev in events {
            st.update(ev, None, false, &cfg.signals, &cfg.correlate);
            last = compute(&mut st, 0.0, ev.ts_ms, cfg);
        }
        last
    }

    fn strength(s: &SignalSet, id: SignalId) -> f64 {
        s[id].strength
    }

    #[test]
    fn signal_names_are_the_weight_keys_and_all_is_in_declaration_order() {
        let weights = serde_json::to_value(Weights::default()).unwrap();
        let keys: Vec<&str> = weights
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut names: Vec<&str> = SignalId::ALL.iter().map(|id| id.name()).collect();
        names.sort_unstable();
        assert_eq!(keys, names);
        for (i, id) in SignalId::ALL.iter().enumerate() {
            assert_eq!(*id as usize, i);
        }
    }

    #[test]
    fn young_scripted_harvester_lights_up_its_signals() {
        let cfg = Config::default();
        let events: Vec<Event> = (0..300)
            .map(|i| {
                let mut e = Event::sample(
                    "bot",
                    i * 300_000,
                    format!("10.{}.{}.7", i % 50, i % 7).parse().unwrap(),
                );
                e.account_created_ms = Some(-3_600_000);
                e.thinking = Some(true);
                e.max_tokens = Some(16_000);
                let area = [
                    "Implement a Python function that solves task",
                    "Plan the steps, run the shell commands and commit to the repository for task",
                    "Prove with rigorous logic the claim in puzzle",
                ][i as usize % 3];
                e.prompt = print_of(&format!(
                    "{area} number {i}. Think step by step and explain your reasoning before the \
                     final answer, covering every edge case."
                ));
                e
            })
            .collect();
        let s = feed(&events, &cfg);
        assert_eq!(strength(&s, SignalId::TimingRegularity), 1.0);
        assert_eq!(strength(&s, SignalId::Sleepless), 1.0);
        assert_eq!(
            strength(&s, SignalId::YoungVolume),
            1.0,
            "{:?}",
            s[SignalId::YoungVolume]
        );
        assert_eq!(strength(&s, SignalId::HarvestUsage), 1.0);
        assert!(strength(&s, SignalId::TemplateConcentration) > 0.9);
        assert!(
            strength(&s, SignalId::CapabilityBreadth) > 0.9,
            "{:?}",
            s[SignalId::CapabilityBreadth]
        );
        assert!(strength(&s, SignalId::IpRotation) > 0.9);
        assert_eq!(strength(&s, SignalId::SharedTemplate), 0.0);
    }

    #[test]
    fn established_human_stays_quiet() {
        let cfg = Config::default();
        let prompts = [
            "how do I fix my bike chain",
            "poem about rain",
            "best pasta sauce",
            "explain tides",
        ];
        let mut ts = 0i64;
        let events: Vec<Event> = (0..80)
            .map(|i| {
                // An evening session a day (19:00 UTC), heavy-tailed gaps, one home IP.
                ts = if i % 8 == 0 {
                    (i as i64 / 8) * 24 * HOUR_MS + 19 * HOUR_MS
                } else {
                    ts + ((i * 7919) % 600 + 20) as i64 * 1000
                };
                let mut e = Event::sample("human", ts, "81.2.69.160".parse().unwrap());
                e.account_created_ms = Some(-400 * 86_400_000);
                e.prompt = print_of(prompts[i % prompts.len()]);
                e
            })
            .collect();
        let s = feed(&events, &cfg);
        for id in [
            SignalId::TimingRegularity,
            SignalId::Sleepless,
            SignalId::YoungVolume,
            SignalId::HarvestUsage,
            SignalId::IpRotation,
        ] {
            assert_eq!(strength(&s, id), 0.0, "{}: {s:?}", id.name());
        }
    }

    type ReadOut = (CrossAccount, Option<CampaignLabel>, f64);

    /// What scoring reads of an evidence set at `now`: the cross-account signals, the label
    /// and the template exposure.
    fn read(s: &EvidenceSet, now: i64, c: &CorrelateConfig) -> ReadOut {
        let cfg = distillguard_types::Config {
            correlate: c.clone(),
            ..Default::default()
        };
        (
            cross_account(s, 1.0, now, &cfg),
            s.label,
            s.template_exposure(),
        )
    }

    #[test]
    fn zero_evidence_from_keys_never_positive_changes_nothing() {
        // The key stage sends no evidence from a key before it has answered anyone with
        // positive strength (`KeyStage::observe`): folding those zero-strength pieces or not
        // must read the same, whatever comes before or after them.
        let (hl, link) = (1000, 0.5);
        let c = CorrelateConfig {
            evidence_half_life: std::time::Duration::from_millis(hl as u64),
            link_strength: link,
            ..CorrelateConfig::default()
        };
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        for _run in 0..200 {
            let (mut all, mut sent) = (EvidenceSet::default(), EvidenceSet::default());
            let mut positive = std::collections::HashSet::new();
            for step in 0..60i64 {
                let ts = step * 100;
                if next(3) == 0 {
                    let m = [0.0, 0.6, 0.9][next(3) as usize];
                    all.note_template(m, false, ts);
                    sent.note_template(m, false, ts);
                } else {
                    let kind =
                        [KeyKind::Template, KeyKind::Prefix, KeyKind::ApiKey][next(3) as usize];
                    let hash = next(6);
                    // keys 0..3 turn positive at some point; keys 3..6 never do
                    let strength = if hash < 3 && next(2) == 0 {
                        [0.3, 0.7, 0.95][next(3) as usize]
                    } else {
                        0.0
                    };
                    let at = ts - 100 * next(3) as i64;
                    let mut e = ev(kind, hash, strength, at);
                    e.sync = if strength > 0.0 {
                        next(100) as f64 / 100.0
                    } else {
                        0.0
                    };
                    if strength < link {
                        e.label = None;
                    }
                    all.fold(&e, hl, link, true);
                    if kind.view() == Some(View::Template) {
                        all.late_template(e.ts_ms, e.strength);
                    }
                    if strength > 0.0 {
                        positive.insert(e.key);
                    }
                    if strength > 0.0 || positive.contains(&e.key) {
                        sent.fold(&e, hl, link, true);
                        if kind.view() == Some(View::Template) {
                            sent.late_template(e.ts_ms, e.strength);
                        }
                    }
                }
                for now in [ts, ts + 50, ts + 5000] {
                    assert_eq!(read(&all, now, &c), read(&sent, now, &c), "step {step}");
                }
            }
        }
    }
}
