//! Verdict actions and the severity levels they put an account at.

use serde::{Deserialize, Serialize};

/// The action a verdict carries (the ladder's action; `Clear` = back to no action).
pub use distillguard_types::ladder::Action;

/// Ordered severity of the action an account is under.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// No action.
    #[default]
    None,
    /// Monitored.
    Monitor,
    /// Throttled.
    Throttle,
    /// Suspended.
    Suspend,
}

impl From<Action> for Level {
    fn from(a: Action) -> Level {
        match a {
            Action::Clear => Level::None,
            Action::Monitor => Level::Monitor,
            Action::Throttle => Level::Throttle,
            Action::Suspend => Level::Suspend,
        }
    }
}

impl Level {
    /// All levels, least severe first.
    pub const ALL: [Level; 4] = [Level::None, Level::Monitor, Level::Throttle, Level::Suspend];

    /// Whether the level stops (throttle) or blocks (suspend) harvesting: what counts
    /// as a detection.
    pub fn is_actioning(self) -> bool {
        self >= Level::Throttle
    }

    /// Lower-case name, as in the verdicts.
    pub fn name(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Monitor => "monitor",
            Level::Throttle => "throttle",
            Level::Suspend => "suspend",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered_and_clear_is_none() {
        assert!(Level::None < Level::Monitor && Level::Monitor < Level::Throttle);
        assert!(Level::Throttle < Level::Suspend);
        assert_eq!(Level::from(Action::Clear), Level::None);
        assert!(Level::from(Action::Throttle).is_actioning());
        assert!(!Level::from(Action::Monitor).is_actioning());
        let a: Action = serde_json::from_str("\"suspend\"").unwrap();
        assert_eq!(a, Action::Suspend);
    }
}
