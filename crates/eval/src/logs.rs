//! Streaming scan of request logs (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`) into per-account
//! request counts, in memory proportional to accounts.
//!
//! Only `ts` and `account_id` are parsed (serde_json, into a borrowed struct). A reader thread decompresses and cuts the input
//! into newline-aligned chunks; worker threads parse the chunks into per-worker maps that
//! are merged at the end, so the result does not depend on line order.

use crate::error::EvalError;
use crate::timestamp::TsMs;
use ahash::AHashMap;
use distillguard_io::InputSpec;
use serde::Deserialize;
use std::borrow::Cow;
use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

/// Bytes per chunk handed to a parsing worker.
const CHUNK: usize = 4 << 20;

/// The fields of a request record that evaluation needs.
#[derive(Deserialize)]
struct LogLine<'a> {
    #[serde(borrow)]
    account_id: Cow<'a, str>,
    ts: TsMs,
}

/// Request counts of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountRequests {
    /// All requests of the account.
    pub requests: u64,
    /// Time of its first request (epoch ms).
    pub first_ms: i64,
    /// Time of its last request (epoch ms).
    pub last_ms: i64,
    /// Requests strictly before the account's cutoff (all of them when it has none): the
    /// requests served before it was throttled or suspended.
    pub before_cutoff: u64,
    /// Requests at or before the cutoff (all of them when it has none).
    pub upto_cutoff: u64,
    /// The cutoff the counts refer to: the first throttle/suspend time, if any.
    pub cutoff_ms: Option<i64>,
}

impl AccountRequests {
    fn new(cutoff_ms: Option<i64>) -> Self {
        AccountRequests {
            requests: 0,
            first_ms: i64::MAX,
            last_ms: i64::MIN,
            before_cutoff: 0,
            upto_cutoff: 0,
            cutoff_ms,
        }
    }

    fn add(&mut self, ts: i64) {
        self.requests += 1;
        self.first_ms = self.first_ms.min(ts);
        self.last_ms = self.last_ms.max(ts);
        match self.cutoff_ms {
            Some(c) => {
                self.before_cutoff += u64::from(ts < c);
                self.upto_cutoff += u64::from(ts <= c);
            }
            None => {
                self.before_cutoff += 1;
                self.upto_cutoff += 1;
            }
        }
    }

    fn merge(&mut self, o: &AccountRequests) {
        self.requests += o.requests;
        self.first_ms = self.first_ms.min(o.first_ms);
        self.last_ms = self.last_ms.max(o.last_ms);
        self.before_cutoff += o.before_cutoff;
        self.upto_cutoff += o.upto_cutoff;
    }
}

/// The result of scanning the logs.
#[derive(Debug, Clone, Default)]
pub struct LogScan {
    /// Files read.
    pub files: usize,
    /// Non-blank lines read.
    pub lines: u64,
    /// Lines skipped because they lacked a valid `account_id` or `ts`.
    pub bad_lines: u64,
    /// Per-account counts.
    pub accounts: AHashMap<Box<str>, AccountRequests>,
}

impl LogScan {
    fn merge(&mut self, other: LogScan) {
        self.lines += other.lines;
        self.bad_lines += other.bad_lines;
        if self.accounts.is_empty() {
            self.accounts = other.accounts;
            return;
        }
        for (k, v) in other.accounts {
            match self.accounts.get_mut(&k) {
                Some(a) => a.merge(&v),
                None => {
                    self.accounts.insert(k, v);
                }
            }
        }
    }

    /// Adds the non-blank lines of a newline-separated chunk.
    pub fn add_chunk(&mut self, chunk: &[u8], cutoffs: &AHashMap<String, i64>) {
        for line in chunk.split(|&b| b == b'\n') {
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.lines += 1;
            let Ok(rec) = serde_json::from_slice::<LogLine>(line) else {
                self.bad_lines += 1;
                continue;
            };
            let id: &str = &rec.account_id;
            match self.accounts.get_mut(id) {
                Some(a) => a.add(rec.ts.0),
                None => {
                    let mut a = AccountRequests::new(cutoffs.get(id).copied());
                    a.add(rec.ts.0);
                    self.accounts.insert(id.into(), a);
                }
            }
        }
    }
}

/// Whether a file name looks like a request log.
fn is_log_file(p: &Path) -> bool {
    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
    [
        ".jsonl",
        ".jsonl.gz",
        ".jsonl.zst",
        ".ndjson",
        ".ndjson.gz",
        ".ndjson.zst",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

/// Expands inputs: files are kept as given, directories are replaced by the log files
/// directly inside them (sorted by name).
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, EvalError> {
    let mut out = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| EvalError::io(input, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && is_log_file(p))
                .collect();
            files.sort();
            out.extend(files);
        } else {
            out.push(input.clone());
        }
    }
    Ok(out)
}

/// Opens a log file as the engine does ([`distillguard_io::open_input`]: gzip and zstd by their
/// magic bytes); `-` is standard input.
pub fn open_log(path: &Path) -> Result<Box<dyn BufRead + Send>, EvalError> {
    let (reader, _) = distillguard_io::open_input(&InputSpec::new(path))?;
    Ok(reader)
}

/// Reads `reader` into newline-aligned chunks and hands each to `send`; returns false
/// from `send` to stop early.
fn chunk_reader(
    mut reader: impl Read,
    mut fresh: impl FnMut() -> Vec<u8>,
    mut send: impl FnMut(Vec<u8>) -> bool,
) -> std::io::Result<()> {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let mut buf = fresh();
        buf.clear();
        buf.append(&mut carry);
        let mut filled = buf.len();
        buf.resize(CHUNK.max(filled + (64 << 10)), 0);
        let mut eof = false;
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        buf.truncate(filled);
        if eof {
            if !buf.is_empty() {
                send(buf);
            }
            return Ok(());
        }
        match buf.iter().rposition(|&b| b == b'\n') {
            Some(p) => {
                carry.extend_from_slice(&buf[p + 1..]);
                buf.truncate(p + 1);
                if !send(buf) {
                    return Ok(());
                }
            }
            None => carry = buf, // a line longer than a chunk: keep reading
        }
    }
}

/// Scans all log inputs. `cutoffs` gives, per account, the time of its first throttle or
/// suspend, against which [`AccountRequests::before_cutoff`] and
/// [`AccountRequests::upto_cutoff`] are counted.
pub fn scan_logs(
    inputs: &[PathBuf],
    cutoffs: &AHashMap<String, i64>,
) -> Result<LogScan, EvalError> {
    let files = expand_inputs(inputs)?;
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 8);
    let (tx, rx) = crossbeam_channel::bounded::<Vec<u8>>(workers * 2);
    let (recycle_tx, recycle_rx) = crossbeam_channel::unbounded::<Vec<u8>>();
    let mut total = LogScan {
        files: files.len(),
        ..LogScan::default()
    };
    let read_result = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let rx = rx.clone();
                let recycle_tx = recycle_tx.clone();
                s.spawn(move || {
                    let mut part = LogScan::default();
                    for chunk in rx {
                        part.add_chunk(&chunk, cutoffs);
                        let _ = recycle_tx.send(chunk);
                    }
                    part
                })
            })
            .collect();
        drop(rx);
        let mut result = Ok(());
        for path in &files {
            let reader = match open_log(path) {
                Ok(r) => r,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let fresh = || recycle_rx.try_recv().unwrap_or_default();
            if let Err(e) = chunk_reader(reader, fresh, |c| tx.send(c).is_ok()) {
                result = Err(EvalError::io(path, e));
                break;
            }
        }
        drop(tx);
        for h in handles {
            let part = h.join().expect("log parsing worker panicked");
            total.merge(part);
        }
        result
    });
    read_result.map(|()| total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use distillguard_io::IoError;
    use std::io::Write;

    const LOG: &str = r#"{"ts":"2026-01-01T00:00:00Z","account_id":"a","prompt":"x"}
{"ts":"2026-01-01T01:00:00+01:00","account_id":"b"}
{"ts":1767225660000,"account_id":"a"}

{"ts":"garbage","account_id":"a"}
{"account_id":"a"}
{"ts":"2026-01-01T00:02:00Z","account_id":"a"}"#;

    fn cutoffs() -> AHashMap<String, i64> {
        // a is actioned at 00:01:00, exactly at its second request.
        [("a".to_string(), 1_767_225_660_000)].into_iter().collect()
    }

    fn check_scan(scan: &LogScan) {
        assert_eq!((scan.lines, scan.bad_lines), (6, 2));
        let a = scan.accounts["a"];
        assert_eq!(a.requests, 3);
        assert_eq!(a.first_ms, 1_767_225_600_000);
        assert_eq!(a.last_ms, 1_767_225_720_000);
        assert_eq!((a.before_cutoff, a.upto_cutoff), (1, 2));
        let b = scan.accounts["b"];
        assert_eq!((b.requests, b.before_cutoff, b.upto_cutoff), (1, 1, 1));
        assert_eq!(b.first_ms, 1_767_225_600_000);
    }

    #[test]
    fn scans_plain_gzip_and_zstd_files_and_directories() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("x.jsonl");
        std::fs::write(&plain, LOG).unwrap();
        check_scan(&scan_logs(std::slice::from_ref(&plain), &cutoffs()).unwrap());

        let gz = dir.path().join("y.jsonl.gz");
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::fast(),
        );
        enc.write_all(LOG.as_bytes()).unwrap();
        enc.finish().unwrap();
        check_scan(&scan_logs(std::slice::from_ref(&gz), &cutoffs()).unwrap());

        let zst = dir.path().join("z.jsonl.zst");
        std::fs::write(&zst, zstd::encode_all(LOG.as_bytes(), 1).unwrap()).unwrap();
        check_scan(&scan_logs(std::slice::from_ref(&zst), &cutoffs()).unwrap());

        let all = scan_logs(&[dir.path().to_path_buf()], &cutoffs()).unwrap();
        assert_eq!(all.files, 3);
        assert_eq!(all.accounts["a"].requests, 9);
        assert_eq!(all.bad_lines, 6);
    }

    #[test]
    fn missing_file_is_an_error() {
        let e = scan_logs(&[PathBuf::from("/nonexistent/x.jsonl")], &cutoffs());
        assert!(matches!(e, Err(EvalError::Input(IoError::Open { .. }))));
    }

    #[test]
    fn chunking_keeps_lines_whole_across_many_chunks() {
        // Lines longer than nothing special, but many of them: > 1 chunk.
        let line = format!(
            "{{\"ts\":1000,\"account_id\":\"acct\",\"pad\":\"{}\"}}\n",
            "x".repeat(1000)
        );
        let n = (CHUNK / line.len()) * 2 + 17;
        let text = line.repeat(n);
        let mut chunks = Vec::new();
        chunk_reader(text.as_bytes(), Vec::new, |c| {
            chunks.push(c);
            true
        })
        .unwrap();
        assert!(chunks.len() >= 3);
        let mut scan = LogScan::default();
        for c in &chunks {
            assert_eq!(*c.last().unwrap(), b'\n');
            scan.add_chunk(c, &AHashMap::new());
        }
        assert_eq!(scan.accounts["acct"].requests, n as u64);
        assert_eq!(scan.bad_lines, 0);
    }
}
