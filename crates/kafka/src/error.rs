//! Errors of the live transport.
//!
//! A malformed record is never an error here (it goes to the dead-letter topic); these are the
//! conditions under which the live loop stops without committing what it cannot vouch for.

use distillguard_types::config::Problem;

/// Why the live transport stopped or could not start.
#[derive(Debug, thiserror::Error)]
pub enum KafkaError {
    /// The `[live]` configuration is invalid; every problem is listed.
    #[error("invalid [live] configuration:\n{}", .0.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Config(Vec<Problem>),
    /// librdkafka refused a client configuration or an operation.
    #[error("kafka {op}: {source}")]
    Client {
        /// What was being done.
        op: &'static str,
        /// The librdkafka error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// A produced record (verdict, campaign, dead letter or checkpoint) was not acknowledged, so
    /// the input offsets it depends on are not committed.
    #[error("delivery failed for {failed} record(s); last error: {last}")]
    Delivery {
        /// Records that failed since the last checkpoint.
        failed: u64,
        /// The last delivery error seen.
        last: String,
    },
    /// The producer did not drain within the flush timeout.
    #[error("producer flush timed out with {0} record(s) in flight")]
    FlushTimeout(i32),
    /// A checkpoint could not be read back or decoded.
    #[error("checkpoint for {key}: {message}")]
    Checkpoint {
        /// `<topic>/<partition>`.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// The metrics / health listener could not be started.
    #[error("metrics listener on {addr}: {source}")]
    Listen {
        /// The configured address.
        addr: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Why a `[live]` section could not be read (its values are checked apart, by
/// [`LiveConfig::validate`](crate::LiveConfig::validate), which lists every problem).
#[derive(Debug, thiserror::Error)]
pub enum LiveConfigError {
    /// Not a table of known keys with values of the right types (unknown keys are refused).
    #[error("{0}")]
    Parse(#[from] toml::de::Error),
}

impl KafkaError {
    /// Wrap a librdkafka error with the operation it came from.
    pub fn client(op: &'static str) -> impl FnOnce(rdkafka::error::KafkaError) -> KafkaError {
        move |source| KafkaError::Client { op, source }
    }
}
