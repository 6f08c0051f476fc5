//! The signals: one strength in 0..1 per signal, with the raw value behind it.
//!
//! Per-account (from [`AccountState`]):
//! - `rate_vs_history`: requests per hour in the rate window ÷ the account's own decayed
//!   long-run hourly rate (after `history_min_requests`).
//! - `rate_vs_cohort`: z-score of log daily volume among accounts of the same age band.
//! - `timing_regularity`: scripted rhythm of inter-arrival gaps (see [`crate::timing`]).
//! - `sleepless`: activity through the hours a human population sleeps (see [`crate::hours`]).
//! - `young_volume`: daily volume of an account younger than `young_age`.
//! - `harvest_usage`: moving share of requests asking for long outputs, extended reasoning or
//!   explicit chain-of-thought.
//! - `template_concentration`: share of prompts in the account's top three templates.
//! - `capability_breadth`: capability areas each asked for in ≥ 10% of requests.
//! - `ip_rotation`: moving share of requests that change /24 (/48).
//! - `hosting_ip`: moving share of requests from hosting / VPN ranges.
//!
//! Cross-account (from the evidence the correlation stage returned):
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
use crate::ramp;
use distillguard_types::config::Config;
use distillguard_types::corr::byte_share;
use distillguard_types::time::HOUR_MS;

/// Number of signals.
pub const COUNT: usize = 14;
/// Index of the first cross-account signal.
pub const FIRST_CROSS: usize = 10;

/// Signal names, in the order of `score.weights`.
pub const NAMES: [&str; COUNT] = [
    "rate_vs_history",
    "rate_vs_cohort",
    "timing_regularity",
    "sleepless",
    "young_volume",
    "harvest_usage",
    "template_concentration",
    "capability_breadth",
    "ip_rotation",
    "hosting_ip",
    "shared_template",
    "shared_ip_pool",
    "shared_identity",
    "synchrony",
];

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

/// All signals of an account at one event.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SignalSet(pub [Signal; COUNT]);

fn sig(value: f64, r: [f64; 2]) -> Signal {
    Signal {
        value,
        strength: ramp(value, r),
        threshold: r[0],
    }
}

/// Compute every signal of `st` at event time `ts`; `cohort_z` comes from
/// [`crate::cohort::Cohorts::observe`].
pub fn compute(st: &mut AccountState, cohort_z: f64, ts: i64, cfg: &Config) -> SignalSet {
    let s = &cfg.signals;
    let mut out = [Signal::default(); COUNT];
    let n = st.n;

    let rate_ms = s.rate_window.size.as_millis() as f64;
    let cur_per_hour = st.rate.count_at(ts, s.rate_window.slide.as_millis() as i64) as f64
        * HOUR_MS as f64
        / rate_ms;
    if n >= u64::from(s.history_min_requests) {
        let hl_hours = s.history_half_life.as_secs_f64() / 3600.0;
        let hist_per_hour = st.decayed * std::f64::consts::LN_2 / hl_hours;
        out[0] = sig(cur_per_hour / hist_per_hour.max(1e-9), s.history_ratio);
    } else {
        out[0].threshold = s.history_ratio[0];
    }
    out[1] = sig(cohort_z, s.cohort_z);

    let t = st.gaps.stats();
    out[2] = Signal {
        value: t.cv,
        strength: 0.0,
        threshold: s.timing_cv[0],
    };
    if t.n >= s.timing_min_gaps {
        out[2].strength = t.regularity(s.timing_cv);
    }

    let quiet = f64::from(st.hours.longest_quiet_run(s.quiet_hour_share));
    out[3] = Signal {
        value: quiet,
        strength: 0.0,
        threshold: f64::from(s.quiet_hours),
    };
    if n >= u64::from(s.active_hours_min_requests) && st.hours.days() >= s.active_hours_min_days {
        out[3].strength = st.hours.sleepless(s.quiet_hour_share, s.quiet_hours);
    }

    let daily = st
        .volume
        .count_at(ts, s.volume_window.slide.as_millis() as i64) as f64;
    let young = st
        .age_days(ts)
        .is_some_and(|d| d * 86_400.0 < s.young_age.as_secs_f64());
    out[4] = if young {
        sig(daily, s.young_volume)
    } else {
        Signal {
            value: daily,
            strength: 0.0,
            threshold: s.young_volume[0],
        }
    };

    let judged = n >= u64::from(s.share_min_requests);
    let gate = |x: Signal| {
        if judged {
            x
        } else {
            Signal { strength: 0.0, ..x }
        }
    };
    out[5] = gate(sig(f64::from(st.harvest), s.harvest_share));
    let tpl = if st.templates.total() >= s.share_min_requests {
        st.templates.top3_share()
    } else {
        0.0
    };
    out[6] = sig(tpl, s.template_share);
    let breadth = st.caps.iter().filter(|c| **c >= 0.1).count() as f64;
    out[7] = gate(sig(breadth, s.breadth));
    out[8] = gate(sig(f64::from(st.ip_switch), s.ip_switch));
    out[9] = gate(sig(f64::from(st.hosting), s.hosting_share));

    let own = crate::extraction::evidence_share(st, cfg);
    out[10..].copy_from_slice(&cross_account(&st.evidence, own, ts, cfg));
    SignalSet(out)
}

/// How much a held key's evidence counts for what its group extracts (0..1).
pub fn group_factor(h: &Held, cfg: &Config) -> f64 {
    ramp(byte_share(h.group_extraction), cfg.extraction.group)
}

/// The cross-account signals (`shared_template`, `shared_ip_pool`, `shared_identity`,
/// `synchrony`) that the held evidence `e` gives at `ts` to an account taking `own` (0..1) of
/// its group's evidence (see [`crate::extraction::evidence_share`]).
pub fn cross_account(e: &EvidenceSet, own: f64, ts: i64, cfg: &Config) -> [Signal; 4] {
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
    [
        tpl,
        ip,
        view(&e.identity, 1.0),
        Signal {
            value: sync,
            strength: ramp(sync, c.sync_corr) * base,
            threshold: c.sync_corr[0],
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::prompt::print_of;
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

    fn strength(s: &SignalSet, name: &str) -> f64 {
        s.0[NAMES.iter().position(|n| *n == name).unwrap()].strength
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
        assert_eq!(strength(&s, "timing_regularity"), 1.0);
        assert_eq!(strength(&s, "sleepless"), 1.0);
        assert_eq!(strength(&s, "young_volume"), 1.0, "{:?}", s.0[4]);
        assert_eq!(strength(&s, "harvest_usage"), 1.0);
        assert!(strength(&s, "template_concentration") > 0.9);
        assert!(strength(&s, "capability_breadth") > 0.9, "{:?}", s.0[7]);
        assert!(strength(&s, "ip_rotation") > 0.9);
        assert_eq!(strength(&s, "shared_template"), 0.0);
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
        for name in [
            "timing_regularity",
            "sleepless",
            "young_volume",
            "harvest_usage",
            "ip_rotation",
        ] {
            assert_eq!(strength(&s, name), 0.0, "{name}: {:?}", s.0);
        }
    }
}
