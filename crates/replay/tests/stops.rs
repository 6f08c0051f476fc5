//! A replay that stops early (stop flag, reject share past the limit) drains what it read,
//! keeps whole lines as `.partial` and leaves existing outputs alone; well-formed rejects
//! keep their fields, never prompt text.

#[path = "harness/files.rs"]
mod files;

use distillguard_replay::{replay, ReplaySummary, Stopped, REJECT_SHARE_MIN_RECORDS};
use distillguard_types::config::Config;
use distillguard_types::net::NetData;
use files::{opts, run_with, write_input};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const T0: u64 = 1_776_852_000_000;

fn record(i: u64, ts: u64) -> String {
    format!(
        r#"{{"ts":{ts},"account_id":"acct-{}","ip":"10.0.{}.{}","prompt":"secret prompt {i}","request_id":"r{i}"}}"#,
        i % 300,
        (i / 256) % 256,
        i % 256
    )
}

/// Replay `input` to the outputs of [`opts`], to the end.
fn run(d: &Path, input: &Path) -> ReplaySummary {
    run_with(opts(d, input, None))
}

fn whole_lines(p: &Path) -> usize {
    let text = std::fs::read_to_string(p).unwrap();
    assert!(text.is_empty() || text.ends_with('\n'), "{}", p.display());
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("whole JSON"))
        .collect();
    rows.len()
}

#[test]
fn a_stopped_run_drains_and_keeps_partial_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = write_input(d, (0..20_000).map(|i| record(i, T0 + i * 100)));
    std::fs::write(d.join("v.jsonl"), "previous\n").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let cfg = Arc::new(Config::default());
    let sum = replay(
        cfg,
        Arc::new(NetData::default()),
        opts(d, &input, Some(stop)),
        false,
        // raise the flag after the first batch: the run stops before the next one
        &mut |_, _| flag.store(true, Ordering::Relaxed),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(sum.stopped, Some(Stopped::Interrupted));
    assert!(sum.lines >= 256 && sum.lines < 20_000, "{}", sum.lines);
    // every record handed over was drained through the engine (the source reads one line
    // ahead of what it has handed over)
    assert!(sum.events >= 255 && sum.events + 1 >= sum.lines, "{sum:?}");
    assert_eq!(
        std::fs::read_to_string(d.join("v.jsonl")).unwrap(),
        "previous\n"
    );
    assert_eq!(
        sum.partial,
        vec![d.join("v.jsonl.partial"), d.join("c.jsonl.partial")]
    );
    for p in &sum.partial {
        whole_lines(p);
    }
}

#[test]
fn a_stream_of_garbage_stops_once_past_the_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = write_input(
        d,
        (0..3 * REJECT_SHARE_MIN_RECORDS).map(|i| format!("garbage {i}")),
    );
    let sum = run(d, &input);
    assert_eq!(sum.stopped, Some(Stopped::RejectShare));
    assert!(sum.rejected >= REJECT_SHARE_MIN_RECORDS);
    assert!(
        sum.rejected < REJECT_SHARE_MIN_RECORDS + 256,
        "{}",
        sum.rejected
    );
    assert_eq!(whole_lines(&d.join("r.jsonl.partial")) as u64, sum.rejected);
    assert!(!d.join("r.jsonl").exists());
}

#[test]
fn well_formed_rejects_keep_fields_without_prompt_text() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 600 ordered records (past two batches, so there is a watermark), then a late one, a
    // far-future one and a malformed one
    let mut lines: Vec<String> = (0..600).map(|i| record(i, T0 + i * 1_000)).collect();
    lines.push(record(1_000, T0 - 3_600_000));
    lines.push(record(1_001, T0 + 400 * 86_400_000));
    lines.push(r#"{"ts":1,"prompt":"secret malformed""#.to_string());
    let input = write_input(d, lines.into_iter());
    let sum = run(d, &input);
    assert_eq!(sum.rejected, 3);
    let text = std::fs::read_to_string(d.join("r.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by = |reason: &str| rows.iter().find(|r| r["reason"] == reason).unwrap().clone();
    // the far-future record was held until the input ended, and is still written where it was
    assert_eq!(by("future_ts")["line"], 602);
    assert_eq!(by("late")["line"], 601);
    for reason in ["late", "future_ts"] {
        let r = by(reason);
        assert!(r.get("raw").is_none(), "{r}");
        assert!(r["fields"]["account_id"].is_string(), "{r}");
        assert!(r["fields"]["request_id"].is_string(), "{r}");
        assert!(r["fields"].get("prompt").is_none(), "{r}");
    }
    assert!(!text.contains("secret prompt"), "{text}");
    // the malformed record is the quarantine: raw bytes kept
    assert!(by("bad_json")["raw"]
        .as_str()
        .unwrap()
        .contains("secret malformed"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("r.jsonl"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

/// Issue 20, item 1: a log that resumes after a gap of days loses nothing (the records after
/// the gap are held until the clock has moved on, then taken).
#[test]
fn a_gap_in_a_log_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let day = 86_400_000;
    let lines = (0..600)
        .map(|i| record(i, T0 + i * 1_000))
        .chain((600..1_200).map(|i| record(i, T0 + 3 * day + i * 1_000)));
    let input = write_input(d, lines);
    let sum = run(d, &input);
    assert_eq!((sum.rejected, sum.events), (0, 1_200), "{:?}", sum.rejects);
    assert!(!d.join("r.jsonl").exists());
}
