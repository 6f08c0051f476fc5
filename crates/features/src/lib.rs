//! Per-account state and signals.
//!
//! [`AccountStage`] owns the state of every active account: bounded sketches and rings (at
//! most 2 KiB per account, see [`AccountState`]), updated once per event in event-time
//! order. From that state [`signals::compute`] derives the per-account signals, each a strength
//! in 0..1 with the raw value it came from. The stage also emits the account's
//! [`Observation`](distillguard_types::corr::Observation)s for the cross-account stage and folds
//! the [`Evidence`](distillguard_types::corr::Evidence) it gets back.
//!
//! No I/O, no wall clock: events in, state and observations out.

pub mod account;
pub mod cohort;
pub mod distinct;
pub mod evidence;
pub mod extraction;
pub mod hours;
pub mod keys;
pub mod signals;
pub mod stage;
pub mod templates;
pub mod timing;
pub mod window;

pub use account::AccountState;
pub use signals::{Signal, SignalId, SignalSet};
pub use stage::AccountStage;

/// Linear ramp: 0 at `r[0]`, 1 at `r[1]` (works for descending ramps too).
#[inline]
pub fn ramp(x: f64, r: [f64; 2]) -> f64 {
    if !x.is_finite() {
        return 0.0;
    }
    ((x - r[0]) / (r[1] - r[0])).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ramp_clamps_both_ways() {
        assert_eq!(super::ramp(0.0, [1.0, 3.0]), 0.0);
        assert_eq!(super::ramp(2.0, [1.0, 3.0]), 0.5);
        assert_eq!(super::ramp(9.0, [1.0, 3.0]), 1.0);
        assert_eq!(super::ramp(f64::NAN, [1.0, 3.0]), 0.0);
    }
}
