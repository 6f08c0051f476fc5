//! Timestamps as epoch milliseconds, read from RFC 3339 text or integer epoch ms.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// Milliseconds per hour.
pub const MS_PER_HOUR: f64 = 3_600_000.0;

/// Parses an RFC 3339 timestamp (any offset) into epoch milliseconds (sub-millisecond
/// digits are truncated). The common shapes take a fast path; anything else goes
/// through chrono.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    fast_rfc3339_ms(s.as_bytes()).or_else(|| {
        chrono::DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|d| d.timestamp_millis())
    })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`; `None` for anything else (including leap
/// seconds), which the caller hands to chrono.
fn fast_rfc3339_ms(s: &[u8]) -> Option<i64> {
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let mut v = 0i64;
        for &c in s.get(range)? {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + i64::from(c - b'0');
        }
        Some(v)
    };
    let at = |i: usize, ok: &[u8]| s.get(i).is_some_and(|c| ok.contains(c));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59
    {
        return None;
    }
    let mut i = 19;
    let mut frac_ms = 0i64;
    if at(i, b".") {
        i += 1;
        let start = i;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                frac_ms = frac_ms * 10 + i64::from(s[i] - b'0');
            }
            i += 1;
        }
        match i - start {
            0 => return None,
            1 => frac_ms *= 100,
            2 => frac_ms *= 10,
            _ => {}
        }
    }
    let offset_s = match s.get(i)? {
        b'Z' | b'z' if s.len() == i + 1 => 0,
        sign @ (b'+' | b'-') if s.len() == i + 6 && s[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
    Some(secs * 1000 + frac_ms)
}

/// A timestamp field that is either RFC 3339 text or an integer count of epoch ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TsMs(pub i64);

impl<'de> Deserialize<'de> for TsMs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TsVisitor)
    }
}

struct TsVisitor;

impl Visitor<'_> for TsVisitor {
    type Value = TsMs;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an RFC 3339 timestamp or integer epoch milliseconds")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<TsMs, E> {
        Ok(TsMs(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<TsMs, E> {
        i64::try_from(v)
            .map(TsMs)
            .map_err(|_| E::custom("timestamp out of range"))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<TsMs, E> {
        if v.is_finite() && v.abs() < 9.0e15 {
            Ok(TsMs(v as i64))
        } else {
            Err(E::custom("timestamp out of range"))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<TsMs, E> {
        parse_rfc3339_ms(v)
            .map(TsMs)
            .ok_or_else(|| E::custom("not an RFC 3339 timestamp"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_with_offsets_and_integers() {
        let z: TsMs = serde_json::from_str("\"2026-01-01T00:00:00Z\"").unwrap();
        let off: TsMs = serde_json::from_str("\"2026-01-01T01:00:00.250+01:00\"").unwrap();
        let int: TsMs = serde_json::from_str("1767225600000").unwrap();
        assert_eq!(z.0, 1_767_225_600_000);
        assert_eq!(off.0, 1_767_225_600_250);
        assert_eq!(int, z);
        assert!(serde_json::from_str::<TsMs>("\"yesterday\"").is_err());
        assert!(serde_json::from_str::<TsMs>("true").is_err());
    }

    fn chrono_ms(s: &str) -> Option<i64> {
        chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|d| d.timestamp_millis())
    }

    #[test]
    fn fast_path_agrees_with_chrono() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        for _ in 0..20_000 {
            let (y, mo, d) = (1900 + next(250), 1 + next(12), 1 + next(31));
            let (h, mi, s) = (next(24), next(60), next(60));
            let frac = match next(5) {
                0 => String::new(),
                1 => format!(".{}", next(10)),
                2 => format!(".{:02}", next(100)),
                3 => format!(".{:03}", next(1000)),
                _ => format!(".{:09}", next(1_000_000_000)),
            };
            let tz = match next(3) {
                0 => "Z".to_string(),
                1 => format!("+{:02}:{:02}", next(15), next(60)),
                _ => format!("-{:02}:{:02}", next(13), next(60)),
            };
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}{tz}");
            assert_eq!(fast_rfc3339_ms(text.as_bytes()), chrono_ms(&text), "{text}");
        }
        for odd in [
            "2026-02-29T00:00:00Z",
            "2024-02-29T00:00:00Z",
            "2026-01-01T00:00:60Z",
            "2026-01-01 00:00:00Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00+0100",
            "2026-01-01T00:00:00",
            "1969-12-31T23:59:59.999Z",
        ] {
            assert_eq!(parse_rfc3339_ms(odd), chrono_ms(odd), "{odd}");
        }
    }
}
