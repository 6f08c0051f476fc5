//! Event-time parsing and formatting.
//!
//! Input timestamps are RFC 3339 with an offset or integer epoch milliseconds; all internal
//! times are epoch milliseconds (`i64`); outputs are RFC 3339 UTC with millisecond precision.

use chrono::{DateTime, SecondsFormat, Utc};

/// Milliseconds in one second, minute, hour, day.
pub const SECOND_MS: i64 = 1_000;
/// Milliseconds in a minute.
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
/// Milliseconds in an hour.
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
/// Milliseconds in a day.
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Parse an RFC 3339 timestamp (with offset) into epoch milliseconds.
pub fn parse_rfc3339_ms(s: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

/// Format epoch milliseconds as RFC 3339 UTC (`2026-04-22T10:00:00.000Z`).
pub fn format_rfc3339_ms(ms: i64) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(d) => d.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => format!("invalid-time-{ms}"),
    }
}

/// Hour of day (0..24) in UTC of an epoch-millisecond time.
#[inline]
pub fn hour_of_day_utc(ms: i64) -> u8 {
    (ms.rem_euclid(DAY_MS) / HOUR_MS) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<i64>) {
        assert_eq!(parse_rfc3339_ms(input), expected, "{input}");
    }

    #[test]
    fn parses_offsets_and_fractions() {
        check("1970-01-01T00:00:00Z", Some(0));
        check("1970-01-01T01:00:00+01:00", Some(0));
        check("2026-04-22T10:00:00.250Z", Some(1_776_852_000_250));
        check("2026-04-22 10:00:00", None);
        check("yesterday", None);
    }

    #[test]
    fn formats_utc_millis() {
        assert_eq!(
            format_rfc3339_ms(1_776_852_000_250),
            "2026-04-22T10:00:00.250Z"
        );
        assert_eq!(hour_of_day_utc(1_776_852_000_250), 10);
    }
}
