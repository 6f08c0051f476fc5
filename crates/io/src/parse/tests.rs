//! Parser tests: one per reject reason, remapping, content blocks, time forms, IPv6, and the
//! tape and typed strategies agreeing on all of it.

use super::*;
use distillguard_fingerprint::PromptPrinter;
use distillguard_types::hash::tagged_hash;
use distillguard_types::{PromptPrint, RejectReason as R};

fn both(cfg: &InputConfig, input: &str) -> Result<Event, RejectReason> {
    let mut tape = RecordParser::with_strategy(cfg, Strategy::Tape);
    let mut typed = RecordParser::with_strategy(cfg, Strategy::Typed);
    let a = tape.parse(&mut input.as_bytes().to_vec());
    let b = typed.parse(&mut input.as_bytes().to_vec());
    assert_eq!(a, b, "strategies disagree on {input}");
    // A reused parser gives the same answer again.
    assert_eq!(tape.parse(&mut input.as_bytes().to_vec()), a);
    a
}

fn parse(input: &str) -> Result<Event, RejectReason> {
    both(&InputConfig::default(), input)
}

#[track_caller]
fn check(input: &str, expected: Result<(), RejectReason>) {
    assert_eq!(parse(input).map(|_| ()), expected, "{input}");
}

fn print(user: &[&str], system: &[&str]) -> PromptPrint {
    let mut p = PromptPrinter::new();
    for s in system {
        p.system(s);
    }
    for u in user {
        p.user(u);
    }
    p.finish()
}

const OK: &str =
    r#"{"ts":"2026-04-22T10:00:00Z","account_id":"a1","ip":"1.2.3.4","prompt":"hi there"}"#;

#[test]
fn minimal_record_parses() {
    let e = parse(OK).unwrap();
    assert_eq!(e.ts_ms, 1_776_852_000_000);
    assert_eq!(e.account, "a1");
    assert_eq!(e.ip, "1.2.3.4".parse::<std::net::IpAddr>().unwrap());
    assert_eq!(e.prompt, print(&["hi there"], &[]));
    assert_eq!(e.request_id, None);
}

#[test]
fn one_test_per_reason() {
    let line = |fields: &str| format!("{{{fields}}}");
    let base = r#""account_id":"a","ip":"::1","prompt":"x""#;
    let big = InputConfig {
        max_record_bytes: 64,
        ..InputConfig::default()
    };
    let mut long = OK.as_bytes().to_vec();
    long.resize(100, b' ');
    assert_eq!(RecordParser::new(&big).parse(&mut long), Err(R::TooLarge));

    let mut bad_utf8 = br#"{"ts":1,"account_id":"a"#.to_vec();
    bad_utf8.push(0xff);
    bad_utf8.extend_from_slice(br#"","ip":"::1","prompt":"x"}"#);
    assert_eq!(
        RecordParser::new(&InputConfig::default()).parse(&mut bad_utf8),
        Err(R::InvalidUtf8)
    );
    let mut typed = RecordParser::with_strategy(&InputConfig::default(), Strategy::Typed);
    assert_eq!(typed.parse(&mut bad_utf8.clone()), Err(R::InvalidUtf8));

    check("{\"ts\":1,", Err(R::BadJson));
    check("[1,2]", Err(R::BadJson));
    check("\"just a string\"", Err(R::BadJson));
    check(&line(base), Err(R::MissingTs));
    check(&line(&format!(r#""ts":null,{base}"#)), Err(R::MissingTs));
    check(
        &line(&format!(r#""ts":"2026-04-22 10:00",{base}"#)),
        Err(R::BadTs),
    );
    check(&line(&format!(r#""ts":1.5,{base}"#)), Err(R::BadTs));
    check(
        r#"{"ts":1,"ip":"::1","prompt":"x"}"#,
        Err(R::MissingAccount),
    );
    check(
        r#"{"ts":1,"account_id":"","ip":"::1","prompt":"x"}"#,
        Err(R::MissingAccount),
    );
    check(
        r#"{"ts":1,"account_id":7,"ip":"::1","prompt":"x"}"#,
        Err(R::MissingAccount),
    );
    check(
        r#"{"ts":1,"account_id":"a","prompt":"x"}"#,
        Err(R::MissingIp),
    );
    check(
        r#"{"ts":1,"account_id":"a","ip":"1.2.3","prompt":"x"}"#,
        Err(R::BadIp),
    );
    check(
        r#"{"ts":1,"account_id":"a","ip":17,"prompt":"x"}"#,
        Err(R::BadIp),
    );
    check(
        r#"{"ts":1,"account_id":"a","ip":"::1"}"#,
        Err(R::MissingPrompt),
    );
    check(
        r#"{"ts":1,"account_id":"a","ip":"::1","messages":[]}"#,
        Err(R::MissingPrompt),
    );
    check(
        r#"{"ts":1,"account_id":"a","ip":"::1","messages":[{"role":"assistant","content":"x"}]}"#,
        Err(R::MissingPrompt),
    );
    check(
        r#"{"ts":1,"account_id":"a","ip":"::1","messages":"hi"}"#,
        Err(R::BadMessages),
    );
    check(
        r#"{"ts":1,"account_id":"a","ip":"::1","messages":["hi"]}"#,
        Err(R::BadMessages),
    );
    check(
        r#"{"ts":1,"account_id":"a","ip":"::1","messages":[{"content":"hi"}]}"#,
        Err(R::BadMessages),
    );
    check(
        r#"{"ts":1,"account_id":"a","ip":"::1","messages":[{"role":"user","content":5}]}"#,
        Err(R::BadMessages),
    );
    check(
        r#"{"ts":1,"account_id":"a","ip":"::1","messages":[{"role":"user","content":[{"type":"text","text":3}]}]}"#,
        Err(R::BadMessages),
    );
    for bad in [
        r#""thinking":"yes""#,
        r#""stream":1"#,
        r#""input_tokens":-3"#,
        r#""max_tokens":1.5"#,
        r#""status":70000"#,
        r#""temperature":"hot""#,
        r#""request_id":true"#,
        r#""account_created_at":"last week""#,
        r#""asn":"ASX""#,
        r#""system":5"#,
        r#""prompt":["x"]"#,
    ] {
        check(&line(&format!(r#""ts":1,{base},{bad}"#)), Err(R::BadField));
    }
}

#[test]
fn every_reason_the_parser_can_give_is_covered() {
    // FutureTs, Late and Duplicate are the pipeline's; the rest are tested above.
    let parser_reasons = R::ALL
        .iter()
        .filter(|r| !matches!(r, R::FutureTs | R::Late | R::Duplicate));
    assert_eq!(parser_reasons.count(), 11);
}

#[test]
fn epoch_and_rfc3339_agree() {
    let a = parse(r#"{"ts":1776852000250,"account_id":"a","ip":"::1","prompt":"x"}"#).unwrap();
    let b =
        parse(r#"{"ts":"2026-04-22T12:00:00.250+02:00","account_id":"a","ip":"::1","prompt":"x"}"#)
            .unwrap();
    assert_eq!(a.ts_ms, 1_776_852_000_250);
    assert_eq!(a, b);
    let c = parse(r#"{"ts":1,"account_id":"a","ip":"::1","prompt":"x","account_created_at":"1970-01-01T00:00:00.001Z"}"#)
        .unwrap();
    assert_eq!(c.account_created_ms, Some(1));
}

#[test]
fn ipv6_and_ipv4_addresses() {
    let e = parse(r#"{"ts":1,"account_id":"a","ip":"2001:db8::7","prompt":"x"}"#).unwrap();
    assert_eq!(e.ip, "2001:db8::7".parse::<std::net::IpAddr>().unwrap());
    assert!(e.ip.is_ipv6());
    let e = parse(r#"{"ts":1,"account_id":"a","ip":"::ffff:1.2.3.4","prompt":"x"}"#).unwrap();
    assert!(e.ip.is_ipv6());
}

#[test]
fn fields_are_remapped() {
    let mut cfg = InputConfig::default();
    cfg.fields.ts = "timestamp".into();
    cfg.fields.account_id = "acct".into();
    cfg.fields.ip = "client_ip".into();
    cfg.fields.prompt = "input".into();
    cfg.fields.request_id = "rid".into();
    let line = r#"{"timestamp":5,"acct":"x","client_ip":"9.9.9.9","input":"hello","rid":"r1","ts":"junk","account_id":""}"#;
    let e = both(&cfg, line).unwrap();
    assert_eq!((e.ts_ms, e.account.as_str()), (5, "x"));
    assert_eq!(e.request_id, Some(tagged_hash(tags::REQUEST, b"r1")));
    assert_eq!(e.prompt, print(&["hello"], &[]));
    // The default names no longer mean anything.
    assert_eq!(both(&cfg, OK), Err(R::MissingTs));
}

#[test]
fn messages_with_block_content_and_roles() {
    let line = r#"{"ts":1,"account_id":"a","ip":"::1","system":"You are a coder.",
        "messages":[
          {"role":"system","content":"Be terse."},
          {"role":"user","content":[{"type":"text","text":"Fix this:"},{"type":"image","source":{}},{"type":"text","text":"```rust\nfn x(){}\n```"}]},
          {"role":"assistant","content":[{"type":"tool_use","id":"t","input":{}}]},
          {"role":"tool","content":null},
          {"role":"user","content":"thanks"}]}"#
        .replace('\n', " ");
    let e = parse(&line).unwrap();
    let mut want = print(
        &["Fix this:", "```rust\nfn x(){}\n```", "thanks"],
        &["You are a coder.", "Be terse."],
    );
    // An earlier assistant turn makes it a follow-up.
    want.followup = true;
    assert_eq!(e.prompt, want);
    assert_ne!(e.prompt.system, 0);
    // Assistant text does not count.
    let with_assistant = line.replace(
        r#""content":[{"type":"tool_use","id":"t","input":{}}]"#,
        r#""content":"secret""#,
    );
    assert_eq!(parse(&with_assistant).unwrap().prompt, want);
    // Without an assistant turn it is a standalone prompt.
    let alone =
        r#"{"ts":1,"account_id":"a","ip":"::1","messages":[{"role":"user","content":"hi"}]}"#;
    assert!(!parse(alone).unwrap().prompt.followup);
    // System as blocks.
    let blocks = r#"{"ts":1,"account_id":"a","ip":"::1","system":[{"type":"text","text":"You are a coder."}],"prompt":"hi"}"#;
    assert_eq!(
        parse(blocks).unwrap().prompt,
        print(&["hi"], &["You are a coder."])
    );
}

#[test]
fn optional_fields() {
    let line = r#"{"ts":1,"account_id":"a","ip":"::1","prompt":"x","request_id":"r","api_key_id":"k","org_id":42,
        "payment_fingerprint":"p","model":"m","user_agent":"ua","asn":"AS13335","input_tokens":10,
        "output_tokens":2000.0,"max_tokens":4096,"temperature":1,"stream":true,
        "thinking":{"type":"enabled","budget_tokens":1000},"tools":[{},{}],"status":200,
        "endpoint":"/v1/messages","extra":{"deep":[1,2,3]}}"#
        .replace('\n', " ");
    let e = parse(&line).unwrap();
    assert_eq!(e.request_id, Some(tagged_hash(tags::REQUEST, b"r")));
    assert_eq!(e.api_key, Some(tagged_hash(tags::API_KEY, b"k")));
    assert_eq!(e.org, Some(tagged_hash(tags::ORG, b"42")));
    assert_eq!(e.org, Some(distillguard_types::event::org_hash("42")));
    assert_ne!(e.model, Some(tagged_hash(tags::USER_AGENT, b"m")));
    assert!(e.payment.is_some() && e.user_agent.is_some());
    assert_eq!(e.asn, Some(13335));
    assert_eq!(
        (e.input_tokens, e.output_tokens, e.max_tokens),
        (Some(10), Some(2000), Some(4096))
    );
    assert_eq!(e.temperature, Some(1.0));
    assert_eq!(
        (e.stream, e.thinking, e.tools, e.status),
        (Some(true), Some(true), Some(2), Some(200))
    );
    let nulls = r#"{"ts":1,"account_id":"a","ip":"::1","prompt":"x","model":null,"tools":3,"thinking":false,"asn":null}"#;
    let e = parse(nulls).unwrap();
    assert_eq!(
        (e.model, e.tools, e.thinking, e.asn),
        (None, Some(3), Some(false), None)
    );
}

#[test]
fn escapes_are_decoded_before_printing() {
    let a =
        parse(r#"{"ts":1,"account_id":"\u0061","ip":"::1","prompt":"say \"hi\"\nnow"}"#).unwrap();
    assert_eq!(a.account, "a");
    assert_eq!(a.prompt, print(&["say \"hi\"\nnow"], &[]));
}

/// A lone UTF-16 surrogate escape is no text: refused as bad_json by both strategies, so
/// `x\ud800` and `x\ud801` never merge into one account (simd-json reads both as `x\0`).
#[test]
fn lone_surrogates_are_bad_json() {
    let rec = |acct: &str| format!(r#"{{"ts":1,"account_id":"{acct}","ip":"::1","prompt":"p"}}"#);
    check(&rec(r"x\ud800b"), Err(R::BadJson));
    check(&rec(r"x\ud801"), Err(R::BadJson));
    check(&rec(r"x\udc00"), Err(R::BadJson));
    check(&rec(r"x\ud800\u0041"), Err(R::BadJson));
    check(
        r#"{"ts":1,"account_id":"a","ip":"::1","prompt":"hi \ud800 there"}"#,
        Err(R::BadJson),
    );
    // a pair is one character, and an escaped backslash before "ud800" is text
    assert_eq!(parse(&rec(r"x\ud83d\ude00")).unwrap().account, "x\u{1F600}");
    assert_eq!(parse(&rec(r"x\\ud800")).unwrap().account, "x\\ud800");
}

/// Identifiers are capped at MAX_ID_BYTES (an account id is kept in full per account).
#[test]
fn overlong_ids_are_bad_field() {
    let at_cap = "a".repeat(MAX_ID_BYTES);
    let over = "a".repeat(MAX_ID_BYTES + 1);
    let rec =
        |extra: &str| format!(r#"{{"ts":1,"account_id":"a","ip":"::1","prompt":"p"{extra}}}"#);
    check(&rec(""), Ok(()));
    check(
        &format!(r#"{{"ts":1,"account_id":"{at_cap}","ip":"::1","prompt":"p"}}"#),
        Ok(()),
    );
    check(
        &format!(r#"{{"ts":1,"account_id":"{over}","ip":"::1","prompt":"p"}}"#),
        Err(R::BadField),
    );
    for key in ["request_id", "api_key_id", "org_id", "payment_fingerprint"] {
        check(&rec(&format!(r#","{key}":"{at_cap}""#)), Ok(()));
        check(&rec(&format!(r#","{key}":"{over}""#)), Err(R::BadField));
    }
    // descriptive values are only hashed: no cap
    check(&rec(&format!(r#","user_agent":"{over}""#)), Ok(()));
}

/// A bounded fuzz over random bytes and mutated records (a fixed-seed xorshift, so a failure
/// replays): the parser never panics, both strategies give the same answer, and an accepted
/// record's account id holds no NUL unless the input wrote one (`\u0000`).
#[test]
fn random_and_mutated_records_never_panic_and_strategies_agree() {
    let mut rng = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let seeds: [&[u8]; 3] = [
        OK.as_bytes(),
        br#"{"ts":1776852000000,"account_id":"a\u00e9\ud83d\ude00","ip":"::1","messages":[{"role":"user","content":[{"type":"text","text":"x\n"}]}],"request_id":"r","tools":[{}]}"#,
        br#"{"ts":"2026-04-22T10:00:00+02:00","account_id":"b","ip":"10.0.0.1","prompt":"\\u","system":"s"}"#,
    ];
    let pieces: [&[u8]; 8] = [
        b"\\ud800", b"\\udc00", b"\\u0000", b"\\", b"\"", b"{", b"]", b"\xff",
    ];
    let cfg = InputConfig::default();
    let mut tape = RecordParser::with_strategy(&cfg, Strategy::Tape);
    let mut typed = RecordParser::with_strategy(&cfg, Strategy::Typed);
    for i in 0..20_000u32 {
        let mut line: Vec<u8> = if i % 4 == 0 {
            (0..next() % 200).map(|_| next() as u8).collect()
        } else {
            seeds[(next() % 3) as usize].to_vec()
        };
        for _ in 0..(next() % 4) {
            if line.is_empty() {
                break;
            }
            let at = (next() % line.len() as u64) as usize;
            match next() % 3 {
                0 => line[at] = next() as u8,
                1 => {
                    line.remove(at);
                }
                _ => {
                    let p = pieces[(next() % 8) as usize];
                    line.splice(at..at, p.iter().copied());
                }
            }
        }
        let a = tape.parse(&mut line.clone());
        let b = typed.parse(&mut line.clone());
        assert_eq!(
            a,
            b,
            "strategies disagree on {:?}",
            String::from_utf8_lossy(&line)
        );
        if let Ok(e) = a {
            let wrote_nul = line.windows(6).any(|w| w == b"\\u0000");
            assert!(
                wrote_nul || !e.account.contains('\0'),
                "NUL from nowhere in {:?}",
                String::from_utf8_lossy(&line)
            );
        }
    }
}
