//! The action ladder: none → monitor → throttle → suspend, with hysteresis.
//!
//! A score is turned into an action by thresholds. Escalation is immediate; de-escalation needs
//! the score to fall below the current level's threshold by `release_margin` *and* the account
//! to have held its level for `min_dwell`, so a score hovering at a threshold does not flap.
//! Suspension is sticky by default (lifting it is a human decision). The same pure step function
//! drives the live scorer and the threshold sweep in `tune`.

use serde::{Deserialize, Serialize};

/// What the enforcement side should do with an account.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// No action (written as `clear` when an account returns to it).
    #[default]
    #[serde(rename = "clear")]
    Clear,
    /// Watch: no enforcement.
    Monitor,
    /// Lower the account's rate limits.
    Throttle,
    /// Stop serving the account.
    Suspend,
}

impl Action {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Clear => "clear",
            Action::Monitor => "monitor",
            Action::Throttle => "throttle",
            Action::Suspend => "suspend",
        }
    }
    /// All actions in ladder order.
    pub const ALL: [Action; 4] = [
        Action::Clear,
        Action::Monitor,
        Action::Throttle,
        Action::Suspend,
    ];
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Score thresholds of the three actions (monitor < throttle < suspend).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// Score at which an account is monitored.
    pub monitor: f64,
    /// Score at which an account is throttled.
    pub throttle: f64,
    /// Score at which an account is suspended.
    pub suspend: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            monitor: 0.35,
            throttle: 0.6,
            suspend: 0.85,
        }
    }
}

impl Thresholds {
    /// The highest action whose threshold `score` reaches.
    pub fn level(&self, score: f64) -> Action {
        if score >= self.suspend {
            Action::Suspend
        } else if score >= self.throttle {
            Action::Throttle
        } else if score >= self.monitor {
            Action::Monitor
        } else {
            Action::Clear
        }
    }
    /// Threshold of an action (0 for clear).
    pub fn of(&self, a: Action) -> f64 {
        match a {
            Action::Clear => 0.0,
            Action::Monitor => self.monitor,
            Action::Throttle => self.throttle,
            Action::Suspend => self.suspend,
        }
    }

    /// `score`, lowered just under the next level's threshold so it reaches at most `max`.
    pub fn bounded(&self, score: f64, max: Action) -> f64 {
        let below = |t: f64| f64::from_bits(t.to_bits() - 1);
        match max {
            Action::Clear => score.min(below(self.monitor)),
            Action::Monitor => score.min(below(self.throttle)),
            Action::Throttle => score.min(below(self.suspend)),
            Action::Suspend => score,
        }
    }
}

/// De-escalation rules.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Hysteresis {
    /// A level is left only when the score is this far below its threshold.
    pub release_margin: f64,
    /// A level is held at least this long (event time) before it may be lowered.
    #[serde(with = "humantime_serde")]
    pub min_dwell: std::time::Duration,
    /// Once suspended, stay suspended (a human lifts it).
    pub sticky_suspend: bool,
}

impl Default for Hysteresis {
    fn default() -> Self {
        Hysteresis {
            release_margin: 0.1,
            min_dwell: std::time::Duration::from_secs(6 * 3600),
            sticky_suspend: true,
        }
    }
}

/// An account's position on the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LadderState {
    /// Current action.
    pub action: Action,
    /// Event time the current action was taken.
    pub since_ms: i64,
}

impl LadderState {
    /// Feed one score at event time `ts_ms`; returns the new action when it changes.
    pub fn step(
        &mut self,
        score: f64,
        ts_ms: i64,
        th: &Thresholds,
        hy: &Hysteresis,
    ) -> Option<Action> {
        let target = th.level(score);
        let cur = self.action;
        let next = if target > cur {
            target
        } else if target < cur {
            let sticky = cur == Action::Suspend && hy.sticky_suspend;
            let dwelt = ts_ms - self.since_ms >= hy.min_dwell.as_millis() as i64;
            if sticky || !dwelt || score >= th.of(cur) - hy.release_margin {
                cur
            } else {
                th.level(score + hy.release_margin).min(cur)
            }
        } else {
            cur
        };
        if next != cur {
            self.action = next;
            self.since_ms = ts_ms;
            Some(next)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feed (score, ts) pairs and collect the changes.
    fn check(inputs: &[(f64, i64)], hy: Hysteresis, expected: &[(i64, Action)]) {
        let mut st = LadderState::default();
        let th = Thresholds::default();
        let got: Vec<(i64, Action)> = inputs
            .iter()
            .filter_map(|(s, t)| st.step(*s, *t, &th, &hy).map(|a| (*t, a)))
            .collect();
        assert_eq!(got, expected);
    }

    const H: i64 = 3_600_000;

    #[test]
    fn escalates_immediately_and_skips_levels() {
        check(
            &[(0.1, 0), (0.9, 1)],
            Hysteresis::default(),
            &[(1, Action::Suspend)],
        );
        check(
            &[(0.4, 0), (0.65, 1)],
            Hysteresis::default(),
            &[(0, Action::Monitor), (1, Action::Throttle)],
        );
    }

    #[test]
    fn hovering_at_a_threshold_does_not_flap() {
        let hy = Hysteresis {
            min_dwell: std::time::Duration::ZERO,
            ..Default::default()
        };
        check(
            &[
                (0.61, 0),
                (0.59, H),
                (0.61, 2 * H),
                (0.55, 3 * H),
                (0.45, 4 * H),
            ],
            hy,
            &[(0, Action::Throttle), (4 * H, Action::Monitor)],
        );
    }

    #[test]
    fn dwell_time_holds_a_level() {
        check(
            &[(0.7, 0), (0.0, H), (0.0, 7 * H)],
            Hysteresis::default(),
            &[(0, Action::Throttle), (7 * H, Action::Clear)],
        );
    }

    #[test]
    fn suspension_is_sticky_unless_configured() {
        check(
            &[(0.9, 0), (0.0, 100 * H)],
            Hysteresis::default(),
            &[(0, Action::Suspend)],
        );
        let hy = Hysteresis {
            sticky_suspend: false,
            ..Default::default()
        };
        check(
            &[(0.9, 0), (0.0, 100 * H)],
            hy,
            &[(0, Action::Suspend), (100 * H, Action::Clear)],
        );
    }

    #[test]
    fn action_names_serialise() {
        assert_eq!(serde_json::to_string(&Action::Clear).unwrap(), "\"clear\"");
        assert_eq!(
            serde_json::to_string(&Action::Suspend).unwrap(),
            "\"suspend\""
        );
    }
}
