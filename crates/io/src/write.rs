//! JSONL writers for the outputs: [`Verdict`]s and [`CampaignRecord`]s, to a file or stdout
//! (`-`), buffered.
//!
//! A file output is written under a temporary name in its destination's directory
//! (`.NAME.tmp-PID-N`) and renamed over the destination only by [`RowWriter::finish`], after a
//! flush and an fsync: a run that fails (or is dropped) leaves an existing output as it was and
//! removes its temporary file. [`RowWriter::finish_partial`] keeps what an interrupted run wrote,
//! whole lines only, as `NAME.partial` beside the destination, which also stays untouched.

use crate::IoError;
use distillguard_types::{CampaignRecord, Verdict};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Where an output's bytes go.
pub enum Sink {
    /// Standard output (`-`).
    Stdout(std::io::Stdout),
    /// A temporary file, renamed on success.
    File(File),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Stdout(s) => s.write(buf),
            Sink::File(f) => f.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Stdout(s) => s.flush(),
            Sink::File(f) => f.flush(),
        }
    }
}

/// A buffered output (file or stdout).
pub type Output = BufWriter<Sink>;

/// Who may read an output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Created with the process's default mode (umask applies).
    Shared,
    /// Created mode 0600: the owner only (the reject file).
    Private,
}

/// A file written under a temporary name; removed when dropped before [`Pending::commit`].
#[derive(Debug)]
struct Pending {
    tmp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl Pending {
    /// Rename the temporary file to `to`.
    fn commit(mut self, to: &Path) -> Result<(), IoError> {
        std::fs::rename(&self.tmp, to).map_err(|source| IoError::Write {
            path: to.to_path_buf(),
            source,
        })?;
        self.done = true;
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// `NAME.partial` beside `dest`: where an interrupted run's whole lines are kept.
pub fn partial_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    dest.with_file_name(name)
}

fn create_temp(dest: &Path, access: Access) -> Result<(File, Pending), IoError> {
    let open_err = |source| IoError::Open {
        path: dest.to_path_buf(),
        source,
    };
    let name = dest.file_name().ok_or_else(|| {
        open_err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a file name",
        ))
    })?;
    let mut n = 0u32;
    loop {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".tmp-{}-{n}", std::process::id()));
        let tmp = dest.with_file_name(tmp_name);
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        if access == Access::Private {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&tmp) {
            Ok(f) => {
                let pending = Pending {
                    tmp,
                    dest: dest.to_path_buf(),
                    done: false,
                };
                return Ok((f, pending));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 64 => n += 1,
            Err(e) => return Err(open_err(e)),
        }
    }
}

/// Writes one JSON object per line, of any serializable type (the shared core of the typed
/// writers and the reject file).
pub struct RowWriter {
    out: Output,
    path: PathBuf,
    rows: u64,
    pending: Option<Pending>,
}

impl RowWriter {
    /// Start the file (under a temporary name); `-` is stdout.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, IoError> {
        RowWriter::create_with(path, Access::Shared)
    }

    /// Start the file with the given [`Access`]; `-` is stdout.
    pub fn create_with(path: impl AsRef<Path>, access: Access) -> Result<Self, IoError> {
        let path = path.as_ref().to_path_buf();
        let (sink, pending) = if path.as_os_str() == "-" {
            (Sink::Stdout(std::io::stdout()), None)
        } else {
            let (f, p) = create_temp(&path, access)?;
            (Sink::File(f), Some(p))
        };
        Ok(RowWriter {
            out: BufWriter::with_capacity(128 * 1024, sink),
            path,
            rows: 0,
            pending,
        })
    }

    /// Write one row (whole: a row that fails to serialise writes nothing).
    pub fn write<R: Serialize + ?Sized>(&mut self, row: &R) -> Result<(), IoError> {
        let mut line = serde_json::to_vec(row).map_err(|source| IoError::Serialize {
            path: self.path.clone(),
            source,
        })?;
        line.push(b'\n');
        self.out.write_all(&line).map_err(|source| IoError::Write {
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

    fn flush_and_sync(&mut self) -> Result<(), IoError> {
        let err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| IoError::Write { path, source }
        };
        self.out.flush().map_err(err(&self.path))?;
        if let Sink::File(f) = self.out.get_ref() {
            f.sync_all().map_err(err(&self.path))?;
        }
        Ok(())
    }

    /// Flush, then rename the file over its destination; returns the number of rows.
    pub fn finish(mut self) -> Result<u64, IoError> {
        self.flush_and_sync()?;
        if let Some(p) = self.pending.take() {
            let dest = p.dest.clone();
            p.commit(&dest)?;
        }
        Ok(self.rows)
    }

    /// Flush and keep what was written as [`partial_path`] of the destination (stdout: just
    /// flush); returns the rows and where they are.
    pub fn finish_partial(mut self) -> Result<(u64, PathBuf), IoError> {
        self.flush_and_sync()?;
        let to = match self.pending.take() {
            Some(p) => {
                let to = partial_path(&p.dest);
                p.commit(&to)?;
                to
            }
            None => self.path.clone(),
        };
        Ok((self.rows, to))
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
    /// Start the file (see [`RowWriter::create`]); `-` is stdout.
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

    /// Flush and rename into place; returns the number of rows.
    pub fn finish(self) -> Result<u64, IoError> {
        self.rows.finish()
    }

    /// Keep an interrupted run's rows (see [`RowWriter::finish_partial`]).
    pub fn finish_partial(self) -> Result<(u64, PathBuf), IoError> {
        self.rows.finish_partial()
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

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn an_unfinished_output_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        std::fs::write(&p, "old\n").unwrap();
        let mut w = RowWriter::create(&p).unwrap();
        w.write(&serde_json::json!({"a": 1})).unwrap();
        // nothing visible at the destination until finish
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n");
        drop(w);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n");
        assert_eq!(names(dir.path()), ["out.jsonl"]);
        let mut w = RowWriter::create(&p).unwrap();
        w.write(&serde_json::json!({"a": 2})).unwrap();
        assert_eq!(w.finish().unwrap(), 1);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "{\"a\":2}\n");
        assert_eq!(names(dir.path()), ["out.jsonl"]);
    }

    #[test]
    fn a_partial_output_sits_beside_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.jsonl");
        std::fs::write(&p, "old\n").unwrap();
        let mut w = RowWriter::create(&p).unwrap();
        w.write(&serde_json::json!({"a": 1})).unwrap();
        let (rows, at) = w.finish_partial().unwrap();
        assert_eq!(
            (rows, at.clone()),
            (1, dir.path().join("out.jsonl.partial"))
        );
        assert_eq!(std::fs::read_to_string(&at).unwrap(), "{\"a\":1}\n");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "old\n");
    }

    #[cfg(unix)]
    #[test]
    fn private_outputs_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.jsonl");
        let w = RowWriter::create_with(&p, Access::Private).unwrap();
        w.finish().unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}
