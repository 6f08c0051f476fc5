//! The reject file: one JSONL row per refused record.
//!
//! Row: `{"source": "<input name>", "line": N, "reason": "bad_json", "raw": "…"}`, plus
//! `"truncated": true` when the raw bytes were cut at [`RAW_CAP`]. `raw` is the record as read:
//! valid UTF-8 is kept as a JSON string; each byte that is not valid UTF-8 is written as the
//! four characters `\xNN` (so the row is always valid JSON; a literal `\x41` in the input looks
//! the same, which is accepted for a diagnostic file).
//!
//! A *well-formed* record refused by the engine (`late`, `future_ts`) is written without `raw`:
//! `{"source", "line", "reason", "fields": {…}}`, its scalar contract fields only
//! ([`KeptFields`]: ids, time, address, model, counts; never `prompt`, `messages`, `system`,
//! `tools` or keys outside the contract).
//!
//! **Privacy**: `raw` of a *malformed* record may contain prompt text (the whole point of the
//! quarantine is to show the operator what could not be read). The file is created mode 0600;
//! it should live with the input logs, under the same access rules, and never be shipped with
//! verdicts. Nothing else in distillguard keeps prompt text.

use crate::redact::KeptFields;
use crate::write::{Access, RowWriter};
use crate::IoError;
use distillguard_types::RejectReason;
use serde::Serialize;
use std::path::Path;

/// Raw bytes kept per reject row at most.
pub const RAW_CAP: usize = 4096;

/// Writes reject rows to a file or stdout (`-`), buffered.
pub struct RejectWriter {
    out: RowWriter,
    text: String,
}

#[derive(Serialize)]
struct FieldsRow<'a> {
    source: &'a str,
    line: u64,
    reason: RejectReason,
    fields: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
struct Row<'a> {
    source: &'a str,
    line: u64,
    reason: RejectReason,
    raw: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    truncated: bool,
}

impl RejectWriter {
    /// Start the reject file, mode 0600 (renamed into place by [`RejectWriter::finish`]);
    /// `-` is stdout.
    pub fn create(path: impl AsRef<Path>) -> Result<RejectWriter, IoError> {
        Ok(RejectWriter {
            out: RowWriter::create_with(path, Access::Private)?,
            text: String::new(),
        })
    }

    /// Write one row of a malformed record, with its escaped raw bytes.
    pub fn write(
        &mut self,
        source: &str,
        line: u64,
        reason: RejectReason,
        raw: &[u8],
    ) -> Result<(), IoError> {
        let truncated = escape_raw(raw, RAW_CAP, &mut self.text);
        let row = Row {
            source,
            line,
            reason,
            raw: &self.text,
            truncated,
        };
        self.out.write(&row)
    }

    /// Write a well-formed record refused by the engine: its [`KeptFields`], no raw bytes.
    pub fn write_fields(
        &mut self,
        source: &str,
        line: u64,
        reason: RejectReason,
        raw: &[u8],
        keep: &KeptFields,
    ) -> Result<(), IoError> {
        let row = FieldsRow {
            source,
            line,
            reason,
            fields: keep.extract(raw),
        };
        self.out.write(&row)
    }

    /// Write a well-formed record refused after its bytes were let go: `kept_fields` is the
    /// JSON object [`KeptFields::extract`] made of it when it was taken.
    pub fn write_kept(
        &mut self,
        source: &str,
        line: u64,
        reason: RejectReason,
        kept_fields: &str,
    ) -> Result<(), IoError> {
        let row = FieldsRow {
            source,
            line,
            reason,
            fields: serde_json::from_str(kept_fields).unwrap_or_default(),
        };
        self.out.write(&row)
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.out.rows()
    }

    /// Flush and rename into place; returns the number of rows.
    pub fn finish(self) -> Result<u64, IoError> {
        self.out.finish()
    }

    /// Keep an interrupted run's rows (see [`RowWriter::finish_partial`]).
    pub fn finish_partial(self) -> Result<(u64, std::path::PathBuf), IoError> {
        self.out.finish_partial()
    }
}

/// `raw` (at most `cap` bytes of it) as text: invalid UTF-8 bytes become `\xNN`. Returns whether
/// it was cut. A cut inside a valid character backs off to the character's start.
pub fn escape_raw(raw: &[u8], cap: usize, out: &mut String) -> bool {
    out.clear();
    let mut end = raw.len().min(cap);
    let truncated = end < raw.len();
    if truncated {
        // Where the last invalid run of the cut prefix starts, if it ends at the cut.
        let mut off = 0;
        let mut tail = None;
        for chunk in raw[..end].utf8_chunks() {
            off += chunk.valid().len();
            let bad = chunk.invalid().len();
            tail = (bad > 0 && off + bad == end).then_some(off);
            off += bad;
        }
        if let Some(s) = tail {
            let width = match raw[s] {
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                0xF0..=0xF7 => 4,
                _ => 0,
            };
            if s + width > end
                && s + width <= raw.len()
                && std::str::from_utf8(&raw[s..s + width]).is_ok()
            {
                end = s;
            }
        }
    }
    for chunk in raw[..end].utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    truncated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(raw: &[u8], cap: usize) -> (String, bool) {
        let mut s = String::new();
        let t = escape_raw(raw, cap, &mut s);
        (s, t)
    }

    #[test]
    fn escapes_invalid_bytes_and_caps() {
        assert_eq!(esc(b"plain \"q\"", 100), ("plain \"q\"".into(), false));
        assert_eq!(esc(b"a\xffb\xc3", 100), ("a\\xFFb\\xC3".into(), false));
        assert_eq!(esc(b"abcdef", 3), ("abc".into(), true));
        // "é" is c3 a9: a cut between its bytes backs off.
        assert_eq!(esc("abé".as_bytes(), 3), ("ab".into(), true));
        assert_eq!(esc("abé!".as_bytes(), 4), ("abé".into(), true));
    }

    #[test]
    fn rows_are_json() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rejects.jsonl");
        let mut w = RejectWriter::create(&p).unwrap();
        w.write("in.jsonl", 7, RejectReason::BadJson, b"{\"x\":\xff")
            .unwrap();
        w.write(
            "in.jsonl",
            9,
            RejectReason::TooLarge,
            &vec![b'a'; RAW_CAP + 10],
        )
        .unwrap();
        assert_eq!(w.finish().unwrap(), 2);
        let text = std::fs::read_to_string(&p).unwrap();
        let rows: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows[0]["source"], "in.jsonl");
        assert_eq!(rows[0]["line"], 7);
        assert_eq!(rows[0]["reason"], "bad_json");
        assert_eq!(rows[0]["raw"], "{\"x\":\\xFF");
        assert!(rows[0].get("truncated").is_none());
        assert_eq!(rows[1]["reason"], "too_large");
        assert_eq!(rows[1]["truncated"], true);
        assert_eq!(rows[1]["raw"].as_str().unwrap().len(), RAW_CAP);
    }
}
