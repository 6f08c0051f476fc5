//! JSONL writers for the outputs: [`Verdict`]s and [`CampaignRecord`]s, to a file or stdout
//! (`-`), buffered and flushed by [`JsonlWriter::finish`].

use crate::IoError;
use distillguard_types::{CampaignRecord, Verdict};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// A buffered output (file or stdout).
pub type Output = BufWriter<Box<dyn Write + Send>>;

/// Open a path for writing (created / truncated); `-` is stdout.
pub fn open_output(path: &Path) -> Result<Output, IoError> {
    let w: Box<dyn Write + Send> = if path.as_os_str() == "-" {
        Box::new(std::io::stdout())
    } else {
        Box::new(File::create(path).map_err(|source| IoError::Open {
            path: path.to_path_buf(),
            source,
        })?)
    };
    Ok(BufWriter::with_capacity(128 * 1024, w))
}

/// Writes one JSON object per line, of any serializable type (the shared core of the typed
/// writers and the reject file).
pub struct RowWriter {
    out: Output,
    path: PathBuf,
    rows: u64,
}

impl RowWriter {
    /// Create (truncate) the file; `-` is stdout.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, IoError> {
        let path = path.as_ref().to_path_buf();
        Ok(RowWriter {
            out: open_output(&path)?,
            path,
            rows: 0,
        })
    }

    /// Write one row.
    pub fn write<R: Serialize + ?Sized>(&mut self, row: &R) -> Result<(), IoError> {
        serde_json::to_writer(&mut self.out, row).map_err(|source| IoError::Serialize {
            path: self.path.clone(),
            source,
        })?;
        self.out.write_all(b"\n").map_err(|source| IoError::Write {
            path: self.path.clone(),
            source,
        })?;
        self.rows += 1;
        Ok(())
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Flush; returns the number of rows.
    pub fn finish(mut self) -> Result<u64, IoError> {
        self.out.flush().map_err(|source| IoError::Write {
            path: self.path.clone(),
            source,
        })?;
        Ok(self.rows)
    }
}

/// Writes one `T` per line.
pub struct JsonlWriter<T> {
    rows: RowWriter,
    _t: PhantomData<fn(&T)>,
}

/// Verdicts, one a line.
pub type VerdictWriter = JsonlWriter<Verdict>;
/// Campaign records, one a line.
pub type CampaignWriter = JsonlWriter<CampaignRecord>;

impl<T: Serialize> JsonlWriter<T> {
    /// Create (truncate) the file; `-` is stdout.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, IoError> {
        Ok(JsonlWriter {
            rows: RowWriter::create(path)?,
            _t: PhantomData,
        })
    }

    /// Write one row.
    pub fn write(&mut self, row: &T) -> Result<(), IoError> {
        self.rows.write(row)
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows.rows()
    }

    /// Flush; returns the number of rows.
    pub fn finish(self) -> Result<u64, IoError> {
        self.rows.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_types::{Action, Reason};

    #[test]
    fn verdicts_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("v.jsonl");
        let v = Verdict {
            account_id: "a".into(),
            action: Action::Monitor,
            ts: "2026-04-22T10:00:00.000Z".into(),
            score: 0.4,
            reasons: vec![Reason {
                signal: "young_volume".into(),
                value: 1.0,
                threshold: 0.5,
                detail: None,
            }],
            campaign_id: None,
            config_version: "t".into(),
            enforced: true,
            allowlisted: None,
        };
        let mut w = VerdictWriter::create(&p).unwrap();
        w.write(&v).unwrap();
        w.write(&v).unwrap();
        assert_eq!(w.finish().unwrap(), 2);
        let text = std::fs::read_to_string(&p).unwrap();
        let back: Vec<Verdict> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(back, vec![v.clone(), v]);
    }
}
