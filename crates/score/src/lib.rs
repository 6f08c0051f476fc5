//! The scoring stage.
//!
//! score = min(1, min(per_account_cap, Σ per-account weight × strength) + Σ cross-account
//! weight × strength). The per-account part alone can reach `monitor` but, with the default cap,
//! never `throttle`: acting on an account takes evidence shared with other accounts, which is
//! what separates a campaign from a busy CI pipeline. Each signal's contribution becomes a
//! [`Reason`]; reasons are ordered by contribution and carry no prompt text. The action follows
//! the hysteresis ladder ([`distillguard_types::ladder`]); an allowlist entry caps it at
//! `monitor`; shadow mode marks verdicts as not enforced. The scorer reads the account's state
//! and returns a [`Decision`] holding the ladder's next position; the engine stores it.
//!
//! Deterministic: the same signals in the same order give the same verdicts. No I/O, no clock.

mod allow;
mod assess;
mod reasons;

pub use allow::{AllowIndex, Allowed};
pub use assess::{assess, bound_views, Limit};
pub use reasons::reasons;

use distillguard_features::signals::{SignalId, SignalSet};
use distillguard_features::AccountState;
use distillguard_types::config::Config;
use distillguard_types::ladder::{Action, LadderState};
use distillguard_types::time::format_rfc3339_ms;
use distillguard_types::Verdict;

/// Score of a signal set: (total, per-account part after the cap, cross-account part).
pub fn score(s: &SignalSet, cfg: &Config) -> (f64, f64, f64) {
    let w = &cfg.score.weights;
    let part = |cross_account: bool| -> f64 {
        SignalId::ALL
            .into_iter()
            .filter(|id| id.is_cross_account() == cross_account)
            .map(|id| id.weight(w) * s[id].strength)
            .sum()
    };
    let (per, cross) = (part(false), part(true));
    let per = per.min(cfg.score.per_account_cap);
    ((per + cross).min(1.0), per, cross)
}

/// Decides actions.
#[derive(Debug)]
pub struct Scorer {
    allow: AllowIndex,
}

impl Scorer {
    /// A scorer for `cfg`.
    pub fn new(cfg: &Config) -> Self {
        Scorer {
            allow: AllowIndex::new(&cfg.allowlist),
        }
    }

    /// Score an account at event time `ts`: the decision holds the account's ladder after this
    /// step, which the caller stores in the account, and a verdict when the action changes (the
    /// caller fills in `campaign_id`). The account state is only read.
    pub fn decide(&self, st: &AccountState, s: &SignalSet, ts: i64, cfg: &Config) -> Decision {
        let (total, _, _) = score(s, cfg);
        let sc = &cfg.score;
        let limit = assess(st, s, ts, cfg);
        let bounded = sc.thresholds.bounded(total, limit.max);
        let allowed = self.allow.lookup(st, ts);
        let mut ladder = st.ladder;
        let changed = ladder.step(bounded, ts, &sc.thresholds, &sc.hysteresis);
        let decision = |verdict| Decision {
            score: total,
            bound: limit.max,
            ladder,
            verdict,
        };
        let action = match changed {
            Some(a) => a,
            None => return decision(None),
        };
        let capped = allowed.is_some() && action > Action::Monitor;
        let shown = if capped { Action::Monitor } else { action };
        let v = Verdict {
            account_id: st.id.to_string(),
            action: shown,
            ts: format_rfc3339_ms(ts),
            score: (bounded * 1e4).round() / 1e4,
            reasons: {
                let mut r = reasons(s, st, cfg);
                r.extend(limit.reason(cfg));
                if let Some(a) = allowed.filter(|_| capped) {
                    r.push(allowlisted_reason(a, action));
                }
                r
            },
            campaign_id: None,
            config_version: cfg.config_version.clone(),
            enforced: !cfg.shadow,
            allowlisted: allowed.map(|a| a.reason.to_string()),
        };
        decision(Some(v))
    }
}

/// The last reason of a verdict an allowlist entry capped at monitor: which entry, and the
/// action the score had reached (value: its ladder rank, threshold: monitor's).
fn allowlisted_reason(a: Allowed<'_>, reached: Action) -> distillguard_types::Reason {
    distillguard_types::Reason {
        signal: "allowlisted".to_string(),
        value: reached as u8 as f64,
        threshold: Action::Monitor as u8 as f64,
        detail: Some(format!(
            "capped at monitor (the score reached {reached}) by the allowlist entry {} = {:?}: {}",
            a.scope, a.value, a.reason
        )),
    }
}

/// What [`Scorer::decide`] found for one account at one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// The score before the group assessment's bound.
    pub score: f64,
    /// The highest action the group assessment allows.
    pub bound: Action,
    /// The account's ladder after this step: the caller stores it in the account's state.
    pub ladder: LadderState,
    /// The verdict, when the account's action changed.
    pub verdict: Option<Verdict>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_features::signals::Signal;

    fn set(strengths: &[(SignalId, f64)]) -> SignalSet {
        let mut s = SignalSet::default();
        for (id, v) in strengths {
            s[*id] = Signal {
                value: *v,
                strength: *v,
                threshold: 0.0,
            };
        }
        s
    }

    /// Full-strength `shared_template` and `shared_ip_pool`.
    const TEMPLATE_AND_POOL: [(SignalId, f64); 2] = [
        (SignalId::SharedTemplate, 1.0),
        (SignalId::SharedIpPool, 1.0),
    ];

    #[test]
    fn per_account_signals_alone_cannot_throttle() {
        let cfg = Config::default();
        let all_per_account: Vec<(SignalId, f64)> = SignalId::ALL
            .into_iter()
            .filter(|id| !id.is_cross_account())
            .map(|id| (id, 1.0))
            .collect();
        let (total, per, cross) = score(&set(&all_per_account), &cfg);
        assert_eq!(per, cfg.score.per_account_cap);
        assert_eq!(cross, 0.0);
        assert!(total < cfg.score.thresholds.throttle);
        assert!(total >= cfg.score.thresholds.monitor);
    }

    #[test]
    fn shared_template_plus_pool_reaches_suspend() {
        let cfg = Config::default();
        let (total, _, _) = score(&set(&TEMPLATE_AND_POOL), &cfg);
        assert!(total >= cfg.score.thresholds.suspend);
    }

    #[test]
    fn allowlist_caps_and_shadow_marks_not_enforced() {
        use distillguard_types::config::AllowEntry;
        use distillguard_types::Event;
        let mut cfg = Config {
            shadow: true,
            ..Default::default()
        };
        cfg.allowlist.0.push(AllowEntry {
            account: Some("partner".into()),
            reason: "eval partner".into(),
            ..AllowEntry::default()
        });
        let scorer = Scorer::new(&cfg);
        let ev = Event::sample("partner", 0, "1.2.3.4".parse().unwrap());
        let st = AccountState::new(&ev, &cfg.signals, &cfg.correlate);
        let d = scorer.decide(&st, &set(&TEMPLATE_AND_POOL), 0, &cfg);
        assert_eq!(st.ladder, LadderState::default(), "the state is only read");
        assert!(
            d.ladder.action > Action::Monitor,
            "the ladder steps in the decision"
        );
        let v = d.verdict.expect("a verdict");
        assert_eq!(v.action, Action::Monitor);
        assert_eq!(v.allowlisted.as_deref(), Some("eval partner"));
        assert!(!v.enforced);
        assert_eq!(v.reasons[0].signal, "shared_template");
        let last = v.reasons.last().unwrap();
        assert_eq!(last.signal, "allowlisted");
        assert!(last
            .detail
            .as_deref()
            .unwrap()
            .contains("account = \"partner\": eval partner"));
    }
}
