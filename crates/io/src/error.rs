//! The crate's error type: failures of the files themselves (open, read, write), never a
//! malformed record (that is a [`RejectReason`](distillguard_types::RejectReason)).

use std::path::PathBuf;

/// An I/O failure, with the path it concerns.
#[derive(Debug, thiserror::Error)]
pub enum IoError {
    /// A file could not be opened or created.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Reading (or decompressing) failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path (`-` for stdin).
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path (`-` for stdout).
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A value could not be serialised to JSON.
    #[error("cannot serialise a record for {path}: {source}")]
    Serialize {
        /// The output path.
        path: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// Paths of a run clash (an output on an input, two outputs on one file, `-` twice);
    /// found before anything was opened.
    #[error("refusing to run, nothing was opened or written: {0}")]
    PathClash(String),
    /// A worker thread panicked.
    #[error("the {0} thread panicked")]
    Panicked(&'static str),
}
