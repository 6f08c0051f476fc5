//! The counting engine and JSON parser used by tests, benches and the fixture binary.

use distillguard_kafka::{Engine, EngineFactory, Outputs, RecordParse};
use distillguard_types::time::format_rfc3339_ms;
use distillguard_types::{Action, Event, RecordOrigin, RejectReason, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Actions an account once it has this many admitted events.
pub const THRESHOLD: u64 = 5;

/// Counts events per account in event-time order; an account reaching [`THRESHOLD`] gets one
/// `throttle` verdict. Late events (behind the last advance) are refused.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CountingEngine {
    counts: BTreeMap<String, u64>,
    buffered: Vec<(i64, String)>,
    max_event_ms: Option<i64>,
    advanced_to: Option<i64>,
}

impl Engine for CountingEngine {
    fn offer(&mut self, ev: Event, _: impl FnOnce() -> RecordOrigin) -> Result<(), RejectReason> {
        if self.advanced_to.is_some_and(|w| ev.ts_ms <= w) {
            return Err(RejectReason::Late);
        }
        self.max_event_ms = Some(self.max_event_ms.map_or(ev.ts_ms, |m| m.max(ev.ts_ms)));
        self.buffered.push((ev.ts_ms, ev.account.to_string()));
        Ok(())
    }
    fn advance_to(&mut self, wm: i64, out: &mut Outputs) {
        if self.advanced_to.is_some_and(|w| wm <= w) {
            return;
        }
        self.advanced_to = Some(wm);
        self.buffered.sort();
        let n = self.buffered.partition_point(|(ts, _)| *ts <= wm);
        for (ts, acct) in self.buffered.drain(..n) {
            let c = self.counts.entry(acct.clone()).or_default();
            *c += 1;
            if *c == THRESHOLD {
                out.verdicts.push(Verdict {
                    account_id: acct,
                    action: Action::Throttle,
                    ts: format_rfc3339_ms(ts),
                    score: 0.7,
                    reasons: vec![],
                    campaign_id: None,
                    config_version: "test".into(),
                    enforced: true,
                    allowlisted: None,
                });
            }
        }
    }
    fn max_event_ms(&self) -> i64 {
        self.max_event_ms.unwrap_or(i64::MIN)
    }
    fn snapshot(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap()
    }
}

/// `{"ts": ms, "account_id": "...", "ip": "..."}`.
pub struct JsonParser;

impl RecordParse for JsonParser {
    fn parse(&mut self, bytes: &mut Vec<u8>) -> Result<Event, RejectReason> {
        let text = std::str::from_utf8(bytes).map_err(|_| RejectReason::InvalidUtf8)?;
        let v: serde_json::Value = serde_json::from_str(text).map_err(|_| RejectReason::BadJson)?;
        let o = v.as_object().ok_or(RejectReason::BadJson)?;
        let ts = o
            .get("ts")
            .ok_or(RejectReason::MissingTs)?
            .as_i64()
            .ok_or(RejectReason::BadTs)?;
        let acct = o
            .get("account_id")
            .and_then(|a| a.as_str())
            .filter(|a| !a.is_empty())
            .ok_or(RejectReason::MissingAccount)?;
        let ip: IpAddr = o
            .get("ip")
            .ok_or(RejectReason::MissingIp)?
            .as_str()
            .ok_or(RejectReason::BadIp)?
            .parse()
            .map_err(|_| RejectReason::BadIp)?;
        Ok(Event::sample(acct, ts, ip))
    }
}

/// The fake pipeline.
pub struct Counting;

impl EngineFactory for Counting {
    type Engine = CountingEngine;
    type Parser = JsonParser;
    type Settings = ();
    fn create(&self) -> CountingEngine {
        CountingEngine::default()
    }
    fn restore(&self, bytes: &[u8]) -> Result<CountingEngine, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
    fn parser(&self) -> JsonParser {
        JsonParser
    }
    fn kept_fields(&self, bytes: &[u8]) -> String {
        // the fake contract has no text: a well-formed record is kept whole
        String::from_utf8_lossy(bytes).into_owned()
    }
}
