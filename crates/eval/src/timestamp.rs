//! Timestamps as epoch milliseconds, read by the engine's own rule: RFC 3339 text through
//! [`distillguard_types::time::parse_rfc3339_ms`], or integer epoch ms. Anything else (a float,
//! text the engine refuses) fails here too, so evaluation never counts a record the engine
//! rejected as `bad_ts`, nor at another time.

use distillguard_types::time::parse_rfc3339_ms;
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;

/// Milliseconds per hour.
pub const MS_PER_HOUR: f64 = 3_600_000.0;

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

    #[test]
    fn refuses_what_the_engine_refuses() {
        // The engine's parser takes a `ts` as RFC 3339 text or an integer; these are `bad_ts`.
        for odd in [
            "1767225600000.0",
            "\" 2026-01-01T00:00:00Z\"",
            "\"2026-01-01T00:00:00\"",
        ] {
            assert!(serde_json::from_str::<TsMs>(odd).is_err(), "{odd}");
        }
    }
}
