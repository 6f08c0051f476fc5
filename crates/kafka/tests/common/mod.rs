//! Test fixtures: a small deterministic engine and a JSON parser standing in for the pipeline
//! and the io crate's parser, recorded streams, and helpers around Kafka and child processes.
#![allow(dead_code)]

pub mod engine;
pub mod kafka;
pub mod procs;
#[cfg(feature = "pipeline")]
pub mod split;

use distillguard_kafka::{Engine, Outputs, RecordParse};
#[allow(unused_imports)]
pub use engine::{Counting, CountingEngine, JsonParser, THRESHOLD};

/// A recorded stream: `accounts` accounts, `per_account` events each, one every second across
/// accounts, plus `bad` malformed records spread in. Returns (key, value) pairs in log order.
pub fn stream(accounts: usize, per_account: usize, bad: usize, t0: i64) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let total = accounts * per_account;
    let every = (total / bad.max(1)).max(1);
    let mut bad_left = bad;
    for i in 0..total {
        // a skewed mix: low-numbered accounts get more events
        let acct = format!(
            "acct-{:04}",
            ((i * 7919) % accounts).min((i * 31) % accounts)
        );
        let ts = t0 + i as i64 * 1_000;
        let v = serde_json::json!({"ts": ts, "account_id": acct, "ip": format!("10.0.{}.{}", i % 200, i % 250)});
        out.push((acct, serde_json::to_vec(&v).unwrap()));
        if bad_left > 0 && i % every == every / 2 {
            bad_left -= 1;
            let junk: &[u8] = match bad_left % 3 {
                0 => b"{not json",
                1 => br#"{"account_id":"x","ip":"1.2.3.4"}"#,
                _ => br#"{"ts":1,"account_id":"y","ip":"not-an-ip"}"#,
            };
            out.push(("bad".into(), junk.to_vec()));
        }
    }
    out
}

/// The partition a test producer writes an account to.
pub fn partition_of(key: &str, partitions: i32) -> i32 {
    (distillguard_types::hash::stable_hash(key.as_bytes()) % partitions as u64) as i32
}

/// One far-future record per partition so every real event falls behind the watermark.
pub fn sentinels(partitions: i32, ts: i64) -> Vec<(i32, Vec<u8>)> {
    (0..partitions)
        .map(|p| {
            let v = serde_json::json!({"ts": ts, "account_id": format!("zz-sentinel-{p}"), "ip": "192.0.2.1"});
            (p, serde_json::to_vec(&v).unwrap())
        })
        .collect()
}

/// Accounts an in-process replay of `records` actions (per partition engines give the same
/// answer for this engine, which is order-independent across accounts).
pub fn replay_actioned(records: &[(String, Vec<u8>)]) -> std::collections::BTreeSet<String> {
    let mut e = CountingEngine::default();
    let mut p = JsonParser;
    for (_, v) in records {
        let mut b = v.clone();
        if let Ok(ev) = p.parse(&mut b) {
            let _ = e.offer(ev, Default::default);
        }
    }
    let mut out = Outputs::default();
    e.advance_to(i64::MAX, &mut out);
    out.verdicts.into_iter().map(|v| v.account_id).collect()
}
