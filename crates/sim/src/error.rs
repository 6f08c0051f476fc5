//! The crate's error type.

use std::path::PathBuf;

/// Everything that can go wrong while loading a scenario or resources, or writing output.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// `--scenario` is neither a shipped name nor a readable file.
    #[error("unknown scenario {0:?}: not a shipped scenario ({1}) and not a file")]
    UnknownScenario(String, String),
    /// The scenario TOML does not parse or has unknown knobs.
    #[error("scenario {name}: {source}")]
    ScenarioParse {
        /// Scenario name or path.
        name: String,
        /// The TOML error.
        #[source]
        source: toml::de::Error,
    },
    /// The scenario parses but a value is out of range.
    #[error("scenario {0}: invalid value: {1}")]
    InvalidScenario(String, String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A corpus JSONL line is not an object with a string `text`.
    #[error("corpus {path} line {line}: {msg}")]
    Corpus {
        /// The corpus file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        msg: String,
    },
    /// The ASN database has a malformed row.
    #[error("asn db {path} row {row}: {msg}")]
    AsnDb {
        /// The CSV file.
        path: PathBuf,
        /// 1-based row number.
        row: u64,
        /// What is wrong.
        msg: String,
    },
    /// Writing the labels CSV failed.
    #[error("labels {path}: {source}")]
    Labels {
        /// The labels file.
        path: PathBuf,
        /// The CSV error.
        #[source]
        source: csv::Error,
    },
}

impl SimError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SimError::Io {
            path: path.into(),
            source,
        }
    }
}
