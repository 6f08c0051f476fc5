//! The crate's error type.

use std::path::PathBuf;

/// What can go wrong while reading the inputs of a report or writing it.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line of a JSONL input is not a verdict or campaign record.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file concerned.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What the JSON parser said.
        message: String,
    },
}

impl ReportError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
