//! The engine: events and watermarks in, verdicts and campaign records out.
//!
//! [`Pipeline`] is what both replay and live mode run. It
//! 1. admits events ([`Pipeline::offer`]): holds those further in the future than
//!    `max_future` past the time recent records agree on until later records show a gap
//!    (admitted) or an outlier (`future_ts`; see [`clock`] and [`held`]); refuses those
//!    behind the watermark (`late`, or admitted at the watermark under `late = "admit"`) or
//!    repeating their account's `request_id` within `dedupe_window` (`duplicate`);
//! 2. buffers them and, when the watermark passes ([`Pipeline::advance_to`]), processes them in
//!    event-time order — ties broken by request id, then content — so arrival order within the
//!    allowed lateness never changes the result;
//! 3. per event: the account stage updates the account and emits observations, the key stage
//!    answers with evidence, the evidence is folded back, the scorer decides the ladder's next
//!    step (stored in the account), and the campaign registry follows the account's label.
//!
//! No I/O, no wall clock: a run is a pure function of the events and watermarks it is given.

mod campaigns;
pub mod clock;
mod engine;
pub mod held;
mod order;
pub mod size;
pub mod split;

pub use campaigns::CampaignRegistry;
pub use clock::{EventClock, CLOCK_AGREE, CLOCK_RING};
pub use engine::{Counters, Outputs, Pipeline, ScoreSample, STATE_FORMAT};
pub use held::{take_releases, AheadGate, AheadOfClock, Release};
pub use size::StateSize;
pub use split::ToKeys;

/// Why a snapshot could not be restored.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The snapshot bytes do not decode.
    #[error("snapshot does not decode: {0}")]
    Snapshot(String),
    /// The snapshot was written in another state format (by another version of distillguard).
    #[error(
        "snapshot is in state format {}, this build reads format {expected}: state cannot \
         carry over between these versions; reset the checkpoints (see deploy/README.md, \
         \"Upgrades\")",
        found.map_or_else(|| "0 (unnumbered)".to_string(), |v| v.to_string())
    )]
    Format {
        /// The snapshot's format (`None`: written before formats were numbered).
        found: Option<u16>,
        /// The format this build writes and reads ([`STATE_FORMAT`]).
        expected: u16,
    },
}
