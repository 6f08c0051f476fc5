//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while evaluating verdicts or tuning thresholds.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file could not be opened, read, decompressed or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The labels CSV is malformed.
    #[error("{path}: bad labels CSV: {message}")]
    Labels {
        /// The labels file.
        path: PathBuf,
        /// What is wrong, with the line where known.
        message: String,
    },
    /// A TOML configuration could not be parsed or rewritten.
    #[error("bad TOML configuration: {0}")]
    Config(String),
    /// The trade-off plot could not be drawn.
    #[error("{path}: cannot draw plot: {message}")]
    Plot {
        /// The SVG file being written.
        path: PathBuf,
        /// The plotting backend's message.
        message: String,
    },
    /// A report could not be serialised to JSON.
    #[error("cannot serialise report: {0}")]
    Json(#[from] serde_json::Error),
    /// An input could not be opened or read, as the engine's own reader reports it.
    #[error(transparent)]
    Input(#[from] distillguard_io::IoError),
    /// Arguments that make no sense together (empty grid, bad range, ...).
    #[error("invalid arguments: {0}")]
    Invalid(String),
}

impl EvalError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
