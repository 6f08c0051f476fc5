//! Shared data types of distillguard.
//!
//! Everything that crosses a stage boundary lives here: the parsed [`Event`] (with its prompt
//! already reduced to a [`PromptPrint`], so prompt text never travels further than the parser),
//! [`Verdict`] and [`CampaignRecord`] (the output contract), [`RejectReason`] (why a record was
//! refused), the action [`ladder`] with its hysteresis, stable [`hash`]ing, the bounded
//! [`sketch`]es both stages keep, and the whole [`config`] with its one `validate()`.
//!
//! This crate does no I/O and never reads the clock.

pub mod config;
pub mod corr;
pub mod event;
pub mod hash;
pub mod ladder;
pub mod net;
pub mod prompt;
pub mod reject;
pub mod sketch;
pub mod time;
pub mod verdict;

pub use config::Config;
pub use event::{AccountId, Event};
pub use ladder::{Action, Hysteresis, LadderState, Thresholds};
pub use prompt::{Capability, PromptPrint};
pub use reject::{RecordOrigin, RejectReason};
pub use verdict::{CampaignRecord, GroupExtraction, Reason, Verdict};
