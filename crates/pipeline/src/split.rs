//! Split mode: the account stage and the key stage of an engine talk through the caller.
//!
//! In replay one engine holds every account and every correlation key, and an event's
//! observations are answered synchronously. In live mode with several input partitions the
//! accounts of one campaign land on different partitions, so each partition's engine keeps its
//! accounts *and* the correlation keys that route to its partition number: the account stage
//! emits [`ToKeys`] messages, the caller delivers each to the engine owning
//! `route() % partitions`, that engine's key stage answers with evidence
//! ([`crate::Pipeline::key_message`]) and the caller hands the evidence back to the account's
//! engine ([`crate::Pipeline::evidence`]). Campaign registries follow the same routing: a
//! label lives with its key, so a campaign spread over partitions is still one campaign.

pub use distillguard_types::corr::ToKeys;
