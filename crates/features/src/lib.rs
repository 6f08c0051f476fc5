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
