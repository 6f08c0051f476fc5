//! Output sinks: JSONL (plain, `.gz`, `.zst` by extension, `-` = stdout) and labels CSV.

use crate::error::SimError;
use crate::sim::Label;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A record sink chosen by file extension.
pub enum Sink {
    /// Standard output.
    Stdout(BufWriter<std::io::Stdout>),
    /// Plain file.
    Plain(BufWriter<File>),
    /// Gzip file (`.gz`).
    Gz(flate2::write::GzEncoder<BufWriter<File>>),
    /// Zstandard file (`.zst`).
    Zst(zstd::Encoder<'static, BufWriter<File>>),
}

impl Sink {
    /// Opens `path` (`-` = stdout); compression from the extension.
    pub fn open(path: &Path) -> Result<Self, SimError> {
        if path.as_os_str() == "-" {
            return Ok(Sink::Stdout(BufWriter::with_capacity(
                1 << 20,
                std::io::stdout(),
            )));
        }
        let f = File::create(path).map_err(|e| SimError::io(path, e))?;
        let w = BufWriter::with_capacity(1 << 20, f);
        Ok(match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => Sink::Gz(flate2::write::GzEncoder::new(
                w,
                flate2::Compression::fast(),
            )),
            Some("zst") => Sink::Zst(zstd::Encoder::new(w, 1).map_err(|e| SimError::io(path, e))?),
            _ => Sink::Plain(w),
        })
    }

    /// Writes bytes.
    pub fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::Stdout(w) => w.write_all(buf),
            Sink::Plain(w) => w.write_all(buf),
            Sink::Gz(w) => w.write_all(buf),
            Sink::Zst(w) => w.write_all(buf),
        }
    }

    /// Flushes and finishes compression.
    pub fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Stdout(mut w) => w.flush(),
            Sink::Plain(mut w) => w.flush(),
            Sink::Gz(w) => w.finish()?.flush(),
            Sink::Zst(w) => w.finish()?.flush(),
        }
    }
}

/// Writes labels as CSV with header `account_id,class,campaign`.
pub fn write_labels(path: &Path, labels: &[Label]) -> Result<(), SimError> {
    let err = |source| SimError::Labels {
        path: PathBuf::from(path),
        source,
    };
    let mut w = csv::Writer::from_path(path).map_err(err)?;
    w.write_record(["account_id", "class", "campaign"])
        .map_err(err)?;
    for l in labels {
        w.write_record([l.account_id.as_str(), l.class.as_str(), l.campaign.as_str()])
            .map_err(err)?;
    }
    w.flush().map_err(|e| SimError::io(path, e))
}
