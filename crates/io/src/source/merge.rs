//! One input's cursor: reads lines, parses them, and holds the next event (its head) for the
//! k-way merge; rejects go straight into the current batch.

use super::batch::Batch;
use crate::parse::RecordParser;
use crate::read::{read_err, LineReader};
use crate::IoError;
use distillguard_types::{Event, RejectReason};
use std::io::BufRead;
use std::path::PathBuf;

pub(super) struct Cursor {
    pub(super) source: u32,
    path: PathBuf,
    lines: LineReader<Box<dyn BufRead + Send>>,
    /// The next event and its line number.
    pub(super) head: Option<(Event, u64)>,
    /// The head's raw bytes (the line buffer is scrambled by the in-place parse).
    pub(super) head_raw: Vec<u8>,
}

impl Cursor {
    pub(super) fn new(
        source: u32,
        path: PathBuf,
        reader: Box<dyn BufRead + Send>,
        max: usize,
    ) -> Cursor {
        Cursor {
            source,
            path,
            lines: LineReader::new(reader, max),
            head: None,
            head_raw: Vec::with_capacity(4096),
        }
    }

    /// Lines and bytes read so far.
    pub(super) fn read_totals(&self) -> (u64, u64) {
        (self.lines.line_no(), self.lines.bytes_read())
    }

    /// Read until the next event (left in `head`), the end, or `batch` holding `limit` records.
    /// True when stopped for the batch (call again after sending it).
    pub(super) fn advance(
        &mut self,
        parser: &mut RecordParser,
        batch: &mut Batch,
        limit: usize,
    ) -> Result<bool, IoError> {
        self.head = None;
        while let Some(line) = self
            .lines
            .next_line()
            .map_err(|e| read_err(&self.path, e))?
        {
            let c = &mut batch.counters;
            c.lines += 1;
            c.bytes += line.bytes.len() as u64;
            if line.too_large {
                batch.push_reject(RejectReason::TooLarge, self.source, line.no, line.bytes);
                if batch.len() >= limit {
                    return Ok(true);
                }
                continue;
            }
            if line.bytes.iter().all(u8::is_ascii_whitespace) {
                c.blank += 1;
                continue;
            }
            self.head_raw.clear();
            self.head_raw.extend_from_slice(line.bytes);
            match parser.parse(line.bytes) {
                Ok(ev) => {
                    self.head = Some((ev, line.no));
                    return Ok(false);
                }
                Err(reason) => {
                    batch.push_reject(reason, self.source, line.no, &self.head_raw);
                    if batch.len() >= limit {
                        return Ok(true);
                    }
                }
            }
        }
        Ok(false)
    }
}
