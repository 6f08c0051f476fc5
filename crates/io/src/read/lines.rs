//! A bounded line splitter over a [`BufRead`] (a UTF-8 byte order mark opening the first line
//! is dropped).

use std::io::{self, BufRead, Read};

/// Splits a reader into lines: 1-based line numbers, `\n` or `\r\n` terminators, a last line
/// without terminator, and lines longer than the limit consumed without being buffered whole
/// (reported with their first `max + 1` bytes and [`Line::too_large`]).
pub struct LineReader<R> {
    inner: R,
    max: usize,
    line_no: u64,
    bytes_read: u64,
    buf: Vec<u8>,
}

/// One line, in the reader's reused buffer (terminator removed).
#[derive(Debug)]
pub struct Line<'a> {
    /// 1-based line number.
    pub no: u64,
    /// The line's bytes (for a too-large line: its first `max + 1` bytes).
    pub bytes: &'a mut Vec<u8>,
    /// The line was longer than the limit.
    pub too_large: bool,
}

impl<R: BufRead> LineReader<R> {
    /// A splitter refusing lines longer than `max_record_bytes` (terminator excluded).
    pub fn new(inner: R, max_record_bytes: usize) -> LineReader<R> {
        LineReader {
            inner,
            max: max_record_bytes,
            line_no: 0,
            bytes_read: 0,
            buf: Vec::with_capacity(4096),
        }
    }

    /// Lines returned so far.
    pub fn line_no(&self) -> u64 {
        self.line_no
    }

    /// Bytes consumed so far (decompressed), terminators included.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next line, or `None` at the end.
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        self.buf.clear();
        let limit = self.max as u64 + 1;
        let n = (&mut self.inner)
            .take(limit)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(None);
        }
        self.bytes_read += n as u64;
        self.line_no += 1;
        let mut too_large = false;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
            strip_cr(&mut self.buf);
        } else if (n as u64) < limit {
            // Last line, no terminator.
            strip_cr(&mut self.buf);
        } else {
            // `max + 1` bytes and no newline yet: fine only as `max` bytes + `\r` + `\n`.
            let next = self.inner.fill_buf()?.first().copied();
            match next {
                Some(b'\n') => {
                    self.inner.consume(1);
                    self.bytes_read += 1;
                    too_large = !strip_cr(&mut self.buf);
                }
                None => too_large = !strip_cr(&mut self.buf),
                Some(_) => {
                    too_large = true;
                    self.skip_line()?;
                }
            }
        }
        if self.line_no == 1 && self.buf.starts_with(BOM) {
            self.buf.drain(..BOM.len());
        }
        Ok(Some(Line {
            no: self.line_no,
            bytes: &mut self.buf,
            too_large,
        }))
    }

    /// Consume through the next newline (or the end) without keeping the bytes.
    fn skip_line(&mut self) -> io::Result<()> {
        loop {
            let avail = self.inner.fill_buf()?;
            if avail.is_empty() {
                return Ok(());
            }
            if let Some(i) = avail.iter().position(|b| *b == b'\n') {
                self.inner.consume(i + 1);
                self.bytes_read += i as u64 + 1;
                return Ok(());
            }
            let l = avail.len();
            self.inner.consume(l);
            self.bytes_read += l as u64;
        }
    }
}

/// A UTF-8 byte order mark, dropped from the start of the first line.
const BOM: &[u8] = b"\xEF\xBB\xBF";

fn strip_cr(buf: &mut Vec<u8>) -> bool {
    if buf.last() == Some(&b'\r') {
        buf.pop();
        true
    } else {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize, cap: usize) -> Vec<(u64, Vec<u8>, bool)> {
        let r = io::BufReader::with_capacity(cap, input);
        let mut lr = LineReader::new(r, max);
        let mut out = Vec::new();
        while let Some(l) = lr.next_line().unwrap() {
            assert!(l.bytes.len() <= max + 1);
            out.push((l.no, l.bytes.clone(), l.too_large));
        }
        assert_eq!(lr.bytes_read(), input.len() as u64);
        out
    }

    fn ok(no: u64, s: &str) -> (u64, Vec<u8>, bool) {
        (no, s.as_bytes().to_vec(), false)
    }

    #[test]
    fn splits_crlf_blank_and_unterminated_last_line() {
        for cap in [1, 3, 64] {
            let got = lines(b"ab\r\n\ncd\nef", 8, cap);
            assert_eq!(got, vec![ok(1, "ab"), ok(2, ""), ok(3, "cd"), ok(4, "ef")]);
            assert_eq!(lines(b"", 8, cap), vec![]);
            assert_eq!(lines(b"x\r", 8, cap), vec![ok(1, "x")]);
            assert_eq!(
                lines(b"\xEF\xBB\xBFab\n\xEF\xBB\xBF", 8, cap),
                vec![ok(1, "ab"), (2, b"\xEF\xBB\xBF".to_vec(), false)]
            );
        }
    }

    #[test]
    fn long_lines_are_consumed_and_flagged() {
        for cap in [1, 2, 5, 64] {
            let got = lines(
                b"1234\n12345\n123456789\r\nab\n1234\r\n12345\r\n123456",
                4,
                cap,
            );
            assert_eq!(
                got,
                vec![
                    ok(1, "1234"),
                    (2, b"12345".to_vec(), true),
                    (3, b"12345".to_vec(), true),
                    ok(4, "ab"),
                    ok(5, "1234"),
                    (6, b"12345".to_vec(), true),
                    (7, b"12345".to_vec(), true),
                ],
                "cap {cap}"
            );
            assert_eq!(lines(b"1234\r", 4, cap), vec![ok(1, "1234")]);
            assert_eq!(lines(b"12345", 4, cap), vec![(1, b"12345".to_vec(), true)]);
        }
    }
}
