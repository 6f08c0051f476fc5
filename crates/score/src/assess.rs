//! The group assessment that bounds an account's action.
//!
//! Coordination (a view whose key suspicion reaches `correlate.link_strength`) says an account
//! belongs to a group; what that group extracts says whether it is a campaign. A coordinated
//! account whose group extracts less than `extraction.cohort_below` (or which carries a cohort
//! label) is a cohort member: held at `monitor`, listed for review. A campaign member tied to
//! its group by fewer than `extraction.suspend_views` independent views is throttled at most.

use distillguard_features::signals::SignalSet;
use distillguard_features::AccountState;
use distillguard_types::config::Config;
use distillguard_types::corr::{byte_share, View};
use distillguard_types::ladder::Action;
use distillguard_types::sketch::ramp;
use distillguard_types::Reason;

/// The highest action an account's group assessment allows, and why.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    /// Highest action allowed.
    pub max: Action,
    /// What the account's group extracts (the strongest of its bound views).
    pub group: f64,
    /// Views that tie the account to its group.
    pub views: u32,
}

impl Limit {
    /// The reason to show when the limit is below `suspend` (built only for a verdict).
    pub fn reason(&self, cfg: &Config) -> Option<Reason> {
        let x = &cfg.extraction;
        match self.max {
            Action::Monitor => Some(Reason {
                signal: "cohort".into(),
                value: round(self.group),
                threshold: x.cohort_below,
                detail: Some(format!(
                    "coordinated with a group that extracts {:.2} (below {:.2}): a cohort, \
                     held at monitor for review",
                    self.group, x.cohort_below
                )),
            }),
            Action::Throttle => Some(Reason {
                signal: "bound_views".into(),
                value: f64::from(self.views),
                threshold: f64::from(x.suspend_views),
                detail: Some(format!(
                    "tied to its group by {} view(s); suspending takes {}",
                    self.views, x.suspend_views
                )),
            }),
            Action::Clear | Action::Suspend => None,
        }
    }
}

/// Views (template, IP pool, identity, timing) that tie an account with signals `s` to its
/// group: a key view when its key suspicion reaches `correlate.link_strength`, timing when the
/// account's activity correlates with a key view's members at least halfway along
/// `correlate.sync_corr`.
pub fn bound_views(s: &SignalSet, cfg: &Config) -> u32 {
    let c = &cfg.correlate;
    let (mut keyed, mut sync) = (0u32, 0.0);
    for (id, v) in s.iter() {
        match id.view() {
            Some(View::Template | View::IpPool | View::Identity) => {
                keyed += u32::from(v.value >= c.link_strength);
            }
            Some(View::Timing) => sync = v.value,
            None => {}
        }
    }
    let timing = keyed > 0 && ramp(sync, c.sync_corr) >= 0.5;
    keyed + u32::from(timing)
}

/// The group assessment of an account with signals `s` at `ts`.
pub fn assess(st: &AccountState, s: &SignalSet, ts: i64, cfg: &Config) -> Limit {
    let c = &cfg.correlate;
    let x = &cfg.extraction;
    let hl = c.evidence_half_life.as_millis() as i64;
    let e = &st.evidence;
    let (mut bound, mut group) = (false, 0.0f64);
    for h in [&e.template, &e.ip_pool, &e.identity] {
        if h.at(ts, hl) >= c.link_strength {
            bound = true;
            group = group.max(byte_share(h.group_extraction));
        }
    }
    let views = bound_views(s, cfg);
    let cohort_label = e.label.is_some_and(|l| l.cohort);
    let max = if cohort_label || (bound && group < x.cohort_below) {
        Action::Monitor
    } else if views > 0 && views < x.suspend_views {
        Action::Throttle
    } else {
        Action::Suspend
    };
    Limit { max, group, views }
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scorer;
    use distillguard_features::signals::{compute, SignalId};
    use distillguard_types::corr::{CorrKey, KeyKind};
    use distillguard_types::Event;

    /// An account holding full-strength evidence on `views` (template, IP pool) from groups
    /// extracting `group` (0..=255); returns the highest action it reaches and its last
    /// reason.
    fn check(views: &[KeyKind], group: u8, expected: Action, reason: Option<&str>) {
        let cfg = Config::default();
        let ev = Event::sample("a", 0, "1.2.3.4".parse().unwrap());
        let mut st = AccountState::new(&ev, &cfg.signals, &cfg.correlate);
        st.fresh = true;
        for i in 0..40 {
            st.evidence.note_template(1.0, false, i);
        }
        for kind in views {
            let held = distillguard_features::evidence::Held {
                strength: 1.0,
                ts_ms: 0,
                group_extraction: group,
                suspect_members: 30,
                members: 30,
                sync: 0.0,
                key: Some(CorrKey {
                    kind: *kind,
                    hash: 1,
                }),
            };
            match kind.view() {
                Some(distillguard_types::corr::View::Template) => st.evidence.template = held,
                _ => st.evidence.ip_pool = held,
            }
        }
        let scorer = Scorer::new(&cfg);
        let sigs = compute(&mut st, 0.0, 0, &cfg);
        let v = scorer.decide(&st, &sigs, 0, &cfg).verdict;
        if expected == Action::Clear {
            assert!(v.is_none(), "{v:?}");
            assert_eq!(assess(&st, &sigs, 0, &cfg).max, Action::Monitor);
            return;
        }
        let v = v.expect("a verdict");
        assert_eq!(v.action, expected, "{v:?}");
        let last = v.reasons.last().map(|r| r.signal.as_str());
        match reason {
            Some(r) => assert_eq!(last, Some(r), "{v:?}"),
            None => assert!(!matches!(last, Some("cohort" | "bound_views")), "{v:?}"),
        }
    }

    fn check_cohort_label() {
        let cfg = Config::default();
        let ev = Event::sample("a", 0, "1.2.3.4".parse().unwrap());
        let mut st = AccountState::new(&ev, &cfg.signals, &cfg.correlate);
        st.evidence.label = Some(distillguard_types::corr::CampaignLabel {
            cohort: true,
            since_ms: 0,
            key: 1,
        });
        let mut sigs = SignalSet::default();
        for id in [SignalId::SharedTemplate, SignalId::SharedIpPool] {
            sigs[id].value = 1.0;
            sigs[id].strength = 1.0;
        }
        let v = Scorer::new(&cfg).decide(&st, &sigs, 0, &cfg).verdict;
        let v = v.expect("a verdict");
        assert_eq!(v.action, Action::Monitor);
        assert_eq!(v.reasons.last().unwrap().signal, "cohort");
    }

    #[test]
    fn the_group_assessment_bounds_the_action() {
        use KeyKind::{Ip, Template};
        // a coordinated group that does not extract: its evidence counts for nothing, and the
        // assessment would hold it at monitor anyway
        check(&[Template, Ip], 20, Action::Clear, Some("cohort"));
        // an account carrying a cohort label is held at monitor however strong its evidence
        check_cohort_label();
        // an extracting group tied by one view: throttled at most
        check(&[Template], 230, Action::Throttle, Some("bound_views"));
        // two independent views and extraction: suspended
        check(&[Template, Ip], 230, Action::Suspend, None);
    }
}
