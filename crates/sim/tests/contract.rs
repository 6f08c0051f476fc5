//! Records follow the engine's input contract, are ordered, deterministic and labelled.

mod common;

use common::{run, small};
use distillguard_sim::{Class, Resources, Simulator};
use serde_json::Value;
use std::collections::BTreeMap;

fn lines(buf: &[u8]) -> Vec<Value> {
    buf.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("every line is JSON"))
        .collect()
}

#[test]
fn same_seed_same_bytes_different_seed_different() {
    let s = small();
    let (a, la) = run(&s, 7, 1.0, Resources::default());
    let (b, lb) = run(&s, 7, 1.0, Resources::default());
    let (c, _) = run(&s, 8, 1.0, Resources::default());
    assert!(a.len() > 10_000);
    assert_eq!(a, b);
    assert_eq!(la, lb);
    assert_ne!(a, c);
}

#[test]
fn ordered_by_ts_and_valid_against_contract() {
    let (buf, _) = run(&small(), 1, 1.0, Resources::default());
    let recs = lines(&buf);
    let mut last = i64::MIN;
    let mut ids = std::collections::BTreeSet::new();
    let (mut n_prompt, mut n_messages, mut n_blocks, mut n_v6, mut n_followups) = (0, 0, 0, 0, 0);
    for r in &recs {
        let ts = r["ts"].as_i64().expect("ts is an integer");
        assert!(ts >= last, "ts out of order");
        last = ts;
        assert!(r["account_id"].as_str().unwrap().starts_with("acct_"));
        let ip: std::net::IpAddr = r["ip"].as_str().unwrap().parse().expect("ip parses");
        n_v6 += ip.is_ipv6() as usize;
        assert!(r["account_created_at"].as_i64().unwrap() <= ts);
        assert!(
            ids.insert(r["request_id"].as_str().unwrap().to_string()),
            "request_id unique"
        );
        for f in [
            "api_key_id",
            "org_id",
            "payment_fingerprint",
            "model",
            "endpoint",
            "user_agent",
        ] {
            assert!(r[f].is_string(), "{f}");
        }
        for f in ["input_tokens", "output_tokens", "max_tokens", "status"] {
            assert!(r[f].is_u64(), "{f}");
        }
        assert!(r["stream"].is_boolean() && r["thinking"].is_boolean());
        assert!(r["output_tokens"].as_u64() <= r["max_tokens"].as_u64());
        match (r.get("prompt"), r.get("messages")) {
            (Some(p), None) => {
                assert!(!p.as_str().unwrap().is_empty());
                assert!(r.get("system").is_none());
                n_prompt += 1;
            }
            (None, Some(m)) => {
                let m = m.as_array().unwrap();
                // Earlier turns alternate user / assistant; the last message is the user's.
                assert_eq!(m.len() % 2, 1, "history comes in user/assistant pairs");
                for (k, msg) in m.iter().enumerate() {
                    let role = if k % 2 == 0 { "user" } else { "assistant" };
                    assert_eq!(msg["role"], role);
                    if k + 1 < m.len() {
                        assert!(!msg["content"].as_str().unwrap().is_empty());
                    }
                }
                n_followups += (m.len() > 1) as usize;
                match &m[m.len() - 1]["content"] {
                    Value::String(s) => assert!(!s.is_empty()),
                    Value::Array(blocks) => {
                        n_blocks += 1;
                        for b in blocks {
                            assert_eq!(b["type"], "text");
                            assert!(b["text"].is_string());
                        }
                    }
                    other => panic!("bad content {other}"),
                }
                n_messages += 1;
            }
            other => panic!("need exactly one of prompt/messages: {other:?}"),
        }
    }
    assert!(n_prompt > 0 && n_messages > 0 && n_blocks > 0 && n_v6 > 0 && n_followups > 0);
}

#[test]
fn labels_match_records() {
    let s = small();
    let mut sim = Simulator::new(&s, 3, 1.0, Resources::default()).unwrap();
    let labels: BTreeMap<String, (Class, String)> = sim
        .labels()
        .into_iter()
        .map(|l| (l.account_id, (l.class, l.campaign)))
        .collect();
    let names = sim.campaign_names();
    let mut seen = [0usize; 3];
    while let Some(r) = sim.next_record() {
        let (class, camp) = labels.get(&r.account_id).expect("account labelled");
        assert_eq!(*class, r.class);
        match r.campaign {
            Some(c) => assert_eq!(camp, &names[c as usize]),
            None => assert!(camp.is_empty()),
        }
        seen[r.class as usize] += 1;
    }
    assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
}

#[test]
fn iterator_matches_lending_api() {
    let s = small();
    let sim = Simulator::new(&s, 5, 0.3, Resources::default()).unwrap();
    let mut buf = Vec::new();
    for r in sim {
        r.write_json(&mut buf);
    }
    let (expected, _) = run(&s, 5, 0.3, Resources::default());
    assert_eq!(buf, expected);
}
