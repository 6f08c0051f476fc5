//! The group assessment that bounds an account's action.
//!
//! Coordination (a view whose key suspicion reaches `correlate.link_strength`) says an account
//! belongs to a group; what that group extracts says whether it is a campaign. A coordinated
//! account whose group extracts less than `extraction.cohort_below` (or which carries a cohort
//! label) is a cohort member: held at `monitor`, listed for review. A campaign member tied to
//! its group by fewer than `extraction.suspend_views` independent views is throttled at most.

use distillguard_features::evidence::Held;
use distillguard_features::signals::SignalSet;
use distillguard_features::{ramp, AccountState};
use distillguard_types::config::Config;
use distillguard_types::corr::byte_share;
use distillguard_types::ladder::Action;
use distillguard_types::Reason;

/// Index of the synchrony signal in a [`SignalSet`].
const SYNCHRONY: usize = 13;

/// The highest action an account's group assessment allows, and the reason when it limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// Highest action allowed.
    pub max: Action,
    /// Why, when it is below `suspend`.
    pub reason: Option<Reason>,
}

/// Views (template, IP pool, identity, timing) that tie an account with signals `s` to its
/// group: a key view when its key suspicion reaches `correlate.link_strength`, timing when the
/// account's activity correlates with a key view's members at least halfway along
/// `correlate.sync_corr`.
pub fn bound_views(s: &SignalSet, cfg: &Config) -> u32 {
    let c = &cfg.correlate;
    let keyed = s.0[10..13]
        .iter()
        .filter(|v| v.value >= c.link_strength)
        .count() as u32;
    let timing = keyed > 0 && ramp(s.0[SYNCHRONY].value, c.sync_corr) >= 0.5;
    keyed + u32::from(timing)
}

/// The group assessment of an account with signals `s` at `ts`.
pub fn assess(st: &AccountState, s: &SignalSet, ts: i64, cfg: &Config) -> Limit {
    let c = &cfg.correlate;
    let x = &cfg.extraction;
    let hl = c.evidence_half_life.as_millis() as i64;
    let e = &st.evidence;
    let bound: Vec<&Held> = [&e.template, &e.ip_pool, &e.identity]
        .into_iter()
        .filter(|h| h.at(ts, hl) >= c.link_strength)
        .collect();
    let group = bound
        .iter()
        .map(|h| byte_share(h.group_extraction))
        .fold(0.0, f64::max);
    let cohort_label = e.label.is_some_and(|l| l.cohort);
    if cohort_label || (!bound.is_empty() && group < x.cohort_below) {
        return Limit {
            max: Action::Monitor,
            reason: Some(Reason {
                signal: "cohort".into(),
                value: round(group),
                threshold: x.cohort_below,
                detail: Some(format!(
                    "coordinated with a group that extracts {group:.2} (below {:.2}): a \
                     cohort, held at monitor for review",
                    x.cohort_below
                )),
            }),
        };
    }
    let views = bound_views(s, cfg);
    if views > 0 && views < x.suspend_views {
        return Limit {
            max: Action::Throttle,
            reason: Some(Reason {
                signal: "bound_views".into(),
                value: f64::from(views),
                threshold: f64::from(x.suspend_views),
                detail: Some(format!(
                    "tied to its group by {views} view(s); suspending takes {}",
                    x.suspend_views
                )),
            }),
        };
    }
    Limit {
        max: Action::Suspend,
        reason: None,
    }
}

fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}
