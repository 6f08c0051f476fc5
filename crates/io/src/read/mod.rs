//! Opening inputs and splitting them into lines.
//!
//! [`open_input`] opens a path (`-` is stdin) and decompresses it by what it is: the magic bytes
//! decide (gzip `1f 8b`, zstd `28 b5 2f fd`), so a file whose extension lies is still read;
//! the extension (`.gz`, `.zst`) is only reported by [`Compression::from_path`]. Concatenated
//! gzip members are read through (`MultiGzDecoder`), as are concatenated zstd frames.
//! [`LineReader`] splits the result into records without ever buffering more than
//! `max_record_bytes + 1` bytes of one line.

mod lines;

pub use lines::{Line, LineReader};

use crate::IoError;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Read buffer size of inputs.
pub const READ_BUFFER: usize = 256 * 1024;

/// One input of a replay: a display name (used in reject rows) and a path (`-` = stdin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputSpec {
    /// Name written in reject rows and summaries.
    pub name: String,
    /// The file, or `-` for stdin.
    pub path: PathBuf,
}

impl InputSpec {
    /// An input named by its path.
    pub fn new(path: impl Into<PathBuf>) -> InputSpec {
        let path = path.into();
        InputSpec {
            name: path.display().to_string(),
            path,
        }
    }

    /// Whether this is stdin.
    pub fn is_stdin(&self) -> bool {
        self.path.as_os_str() == "-"
    }
}

/// How an input is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain JSONL.
    None,
    /// gzip (one or more members).
    Gzip,
    /// zstd (one or more frames).
    Zstd,
}

impl Compression {
    /// What the file name claims.
    pub fn from_path(path: &Path) -> Compression {
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => Compression::Gzip,
            Some("zst") | Some("zstd") => Compression::Zstd,
            _ => Compression::None,
        }
    }

    /// What the first bytes say (`None` when they match no known format).
    pub fn sniff(head: &[u8]) -> Option<Compression> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Compression::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Compression::Zstd)
        } else {
            None
        }
    }
}

/// Open an input for reading, decompressed. Returns the reader and the compression found.
pub fn open_input(spec: &InputSpec) -> Result<(Box<dyn BufRead + Send>, Compression), IoError> {
    let raw: Box<dyn Read + Send> = if spec.is_stdin() {
        Box::new(std::io::stdin())
    } else {
        Box::new(File::open(&spec.path).map_err(|source| IoError::Open {
            path: spec.path.clone(),
            source,
        })?)
    };
    wrap(raw, &spec.path)
}

/// Every non-blank line of an input, decompressed (tests, benches and other small inputs; the
/// engine streams through [`LineReader`] instead).
pub fn read_lines(spec: &InputSpec) -> Result<Vec<Vec<u8>>, IoError> {
    let (mut r, _) = open_input(spec)?;
    let mut text = Vec::new();
    r.read_to_end(&mut text).map_err(|source| IoError::Read {
        path: spec.path.clone(),
        source,
    })?;
    Ok(text
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .map(<[u8]>::to_vec)
        .collect())
}

/// Decompress a reader by its magic bytes.
pub fn wrap(
    raw: Box<dyn Read + Send>,
    path: &Path,
) -> Result<(Box<dyn BufRead + Send>, Compression), IoError> {
    let mut r = BufReader::with_capacity(READ_BUFFER, raw);
    let head = r.fill_buf().map_err(|source| read_err(path, source))?;
    let kind = Compression::sniff(head).unwrap_or(Compression::None);
    let reader: Box<dyn BufRead + Send> = match kind {
        Compression::None => Box::new(r),
        Compression::Gzip => Box::new(BufReader::with_capacity(
            READ_BUFFER,
            flate2::bufread::MultiGzDecoder::new(r),
        )),
        Compression::Zstd => Box::new(BufReader::with_capacity(
            READ_BUFFER,
            zstd::Decoder::with_buffer(r).map_err(|source| read_err(path, source))?,
        )),
    };
    Ok((reader, kind))
}

pub(crate) fn read_err(path: &Path, source: std::io::Error) -> IoError {
    IoError::Read {
        path: path.to_path_buf(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(spec: &InputSpec) -> (Vec<u8>, Compression) {
        let (mut r, c) = open_input(spec).unwrap();
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        (out, c)
    }

    #[test]
    fn opens_plain_gzip_zstd_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"{\"a\":1}\n{\"a\":2}\n";
        let plain = dir.path().join("x.jsonl");
        std::fs::write(&plain, text).unwrap();
        let gz = dir.path().join("x.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&text[..8]).unwrap();
        let mut two = enc.finish().unwrap();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&text[8..]).unwrap();
        two.extend(enc.finish().unwrap()); // two members
        std::fs::write(&gz, &two).unwrap();
        let zst = dir.path().join("x.jsonl.zst");
        std::fs::write(&zst, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
        // An extension that lies: zstd content named .jsonl.
        let liar = dir.path().join("liar.jsonl");
        std::fs::write(&liar, zstd::encode_all(&text[..], 3).unwrap()).unwrap();

        assert_eq!(
            read_all(&InputSpec::new(&plain)),
            (text.to_vec(), Compression::None)
        );
        assert_eq!(
            read_all(&InputSpec::new(&gz)),
            (text.to_vec(), Compression::Gzip)
        );
        assert_eq!(
            read_all(&InputSpec::new(&zst)),
            (text.to_vec(), Compression::Zstd)
        );
        assert_eq!(
            read_all(&InputSpec::new(&liar)),
            (text.to_vec(), Compression::Zstd)
        );
        assert_eq!(Compression::from_path(&gz), Compression::Gzip);
        assert!(matches!(
            open_input(&InputSpec::new(dir.path().join("nope"))),
            Err(IoError::Open { .. })
        ));
    }
}
