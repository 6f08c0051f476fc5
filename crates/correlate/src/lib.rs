//! The cross-account stage.
//!
//! Accounts meet on correlation keys ([`CorrKey`]): template bands, system prompts, IPs,
//! prefixes, ASNs, payment fingerprints, API keys. [`KeyStage`] holds the state of each key —
//! keyed by key, so in live mode it runs over a repartition topic — and answers every
//! [`Observation`] with [`Evidence`] for the observing account:
//!
//! - **Rarity-weighted sharing** (the SliceNDice idea): a key is suspicious in proportion to the
//!   share of *fresh* accounts among its members (smoothed towards a prior), times its support
//!   (how many fresh accounts share it). A key used by thousands of established accounts — a
//!   shared tool's system prompt, a public benchmark, a cloud region — gives nothing; one used
//!   mostly by a tight group of fresh accounts is strong.
//! - **Synchrony** (the SynchroTrap idea): accounts acting in the same time buckets on the same
//!   key. Each member's activity bitmap over the last 64 buckets is kept (members are capped),
//!   and the observing account's Jaccard similarity with the other members is averaged.
//! - **Campaign labels**: a key that becomes suspicious takes a label (the time it became so
//!   and its own hash). Keys and accounts exchange labels and keep the minimum, so a connected
//!   group of keys and accounts converges on one label — the oldest suspicious key — which is
//!   the campaign id. This needs no global view, so it works across partitions.
//!
//! Cost is bounded: keys seen by a single account live in a capped, time-limited table until a
//! second account arrives; a shared key tracks at most `member_cap` members (beyond, only a
//! HyperLogLog count), so a popular key costs O(member_cap) per observation, never quadratic.
//!
//! No I/O, no wall clock.

mod key;
mod stage;

pub use key::KeyState;
pub use stage::{KeyStage, KeyStageState};

pub use distillguard_types::corr::{CorrKey, Evidence, Observation};
