//! The command line end to end: replay with bad input (every reason counted and quarantined,
//! valid records kept, exit status by reject share), check-config, the fixture run, and tune
//! varying an engine setting.

use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_distillguard"))
}

const GOOD: &str = r#"{"ts":"2026-04-22T10:00:00Z","account_id":"a1","ip":"81.2.69.160","prompt":"how do tides work"}"#;

#[test]
fn bad_records_are_counted_quarantined_and_processing_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let long = format!(
        r#"{{"ts":1,"account_id":"x","ip":"1.2.3.4","prompt":"{}"}}"#,
        "a".repeat(1 << 20)
    );
    let mut text = Vec::new();
    let lines: Vec<Vec<u8>> = vec![
        GOOD.into(),
        b"{not json".to_vec(),
        br#"{"account_id":"a","ip":"1.2.3.4","prompt":"p"}"#.to_vec(),
        br#"{"ts":"yesterday","account_id":"a","ip":"1.2.3.4","prompt":"p"}"#.to_vec(),
        br#"{"ts":1776852000000,"ip":"1.2.3.4","prompt":"p"}"#.to_vec(),
        br#"{"ts":1776852000000,"account_id":"a"}"#.to_vec(),
        br#"{"ts":1776852000000,"account_id":"a","ip":"999.1.1.1","prompt":"p"}"#.to_vec(),
        br#"{"ts":1776852000000,"account_id":"a","ip":"1.2.3.4"}"#.to_vec(),
        b"{\"ts\":1776852000000,\"account_id\":\"a\xff\",\"ip\":\"1.2.3.4\",\"prompt\":\"p\"}"
            .to_vec(),
        long.into_bytes(),
    ];
    // future_ts is judged against a time several records agree on: four more good ones first
    let mut lines = lines;
    for i in 4..8 {
        lines.push(
            format!(r#"{{"ts":"2026-04-22T10:00:0{i}Z","account_id":"b{i}","ip":"1.2.3.4","prompt":"p"}}"#)
                .into_bytes(),
        );
    }
    lines.extend([
        br#"{"ts":"2027-04-22T10:00:00Z","account_id":"a2","ip":"1.2.3.4","prompt":"p"}"#.to_vec(),
        br#"{"ts":"2026-04-22T10:00:01Z","account_id":"a3","ip":"2001:db8::1","messages":[{"role":"user","content":[{"type":"text","text":"hello there"}]}],"request_id":"r1"}"#.to_vec(),
        br#"{"ts":"2026-04-22T10:00:02Z","account_id":"a3","ip":"2001:db8::1","prompt":"again","request_id":"r1"}"#.to_vec(),
    ]);
    for l in &lines {
        text.extend_from_slice(l);
        text.push(b'\n');
    }
    std::fs::write(&input, text).unwrap();
    let rejects = dir.path().join("rejects.jsonl");
    let out = bin()
        .args(["replay", "--output"])
        .arg(dir.path().join("v.jsonl"))
        .arg("--rejects")
        .arg(&rejects)
        .arg(&input)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 10 of 17 records rejected: far above the 5% limit, so exit 1, but nothing crashed.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("events: 6"), "{stderr}");
    for reason in [
        "bad_json",
        "missing_ts",
        "bad_ts",
        "missing_account",
        "missing_ip",
        "bad_ip",
        "missing_prompt",
        "invalid_utf8",
        "too_large",
        "future_ts",
        "duplicate",
    ] {
        assert!(
            stderr.contains(&format!("{reason}=1")),
            "{reason} not counted: {stderr}"
        );
    }
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 10, "duplicates are counted, not quarantined");
    let bad_json = rows.iter().find(|r| r["reason"] == "bad_json").unwrap();
    assert_eq!(bad_json["line"], 2);
    assert_eq!(bad_json["raw"], "{not json");
    let utf8 = rows.iter().find(|r| r["reason"] == "invalid_utf8").unwrap();
    assert!(
        utf8["raw"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("\\xff"),
        "{}",
        utf8["raw"]
    );
}

#[test]
fn check_config_reports_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.toml");
    std::fs::write(&f, "[score.thresholds]\nmonitor = 0.9\nthrottle = 0.5\nsuspend = 0.7\n[windows]\nallowed_lateness = \"0s\"\n").unwrap();
    let out = bin().arg("check-config").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(
        e.contains("score.thresholds") && e.contains("windows.allowed_lateness"),
        "{e}"
    );
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/default.toml");
    assert!(bin()
        .arg("check-config")
        .arg(good)
        .status()
        .unwrap()
        .success());
    let live = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/live.toml");
    assert!(bin()
        .arg("check-config")
        .arg(live)
        .status()
        .unwrap()
        .success());
    // Problems of the [live] section are listed with the engine's.
    std::fs::write(
        &f,
        "[live]\nbrokers = \"\"\n[score.thresholds]\nmonitor = 0.9\n",
    )
    .unwrap();
    let out = bin().arg("check-config").arg(&f).output().unwrap();
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        e.contains("live.brokers") && e.contains("score.thresholds"),
        "{e}"
    );
}

/// What used to pass check-config and break a run, or be refused though valid (issue 20,
/// item 9): (file, accepted, what the report names).
#[test]
fn check_config_catches_what_breaks_a_run() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.toml");
    let cases: &[(&str, bool, &str)] = &[
        ("[score.thresholds]\nsuspend = 0.9\n", true, "ok"),
        ("[input]\nmax_future = \"0s\"\n", false, "input.max_future"),
        (
            "[netdata]\nasn_db = \"/nonexistent/asn.csv\"\n",
            false,
            "/nonexistent/asn.csv",
        ),
        (
            "[score.thresholds]\nmonitor = \"x\"\n[input]\nnope = 1\n",
            false,
            "score.thresholds.monitor",
        ),
        (
            "[score.thresholds]\nmonitor = \"x\"\n[input]\nnope = 1\n",
            false,
            "input.nope",
        ),
    ];
    for (text, ok, names) in cases {
        std::fs::write(&f, text).unwrap();
        let out = bin().arg("check-config").arg(&f).output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.success(), *ok, "{text}: {said}");
        assert!(said.contains(names), "{text}: {said}");
    }
}

#[test]
fn fixture_replay_flags_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst");
    let v = dir.path().join("v.jsonl");
    let out = bin()
        .arg("replay")
        .arg("--output")
        .arg(&v)
        .arg("--campaigns")
        .arg(dir.path().join("c.jsonl"))
        .arg(fixture)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(v).unwrap();
    assert!(text.contains("\"suspend\""));
    assert!(text.contains("\"campaign_id\":\"cmp-"));
    // No prompt text in verdicts: a phrase the fixture's prompts use never appears.
    assert!(!text.to_lowercase().contains("step by step"));
    // the summary breaks the engine's state down by structure
    let e = String::from_utf8_lossy(&out.stderr);
    let line = e
        .lines()
        .find(|l| l.contains("state at the end"))
        .unwrap_or_else(|| panic!("{e}"));
    for part in [
        "accounts ",
        "single_keys ",
        "shared_keys ",
        "reorder_buffer ",
        "campaigns ",
        "dedupe ",
    ] {
        assert!(line.contains(part), "{line}");
    }
}

#[test]
fn tune_runs_the_engine_once_per_varied_setting_and_writes_the_best() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let tuned = dir.path().join("tuned.toml");
    let out = bin()
        .arg("tune")
        .arg("--labels")
        .arg(root.join("fixtures/sample.labels.csv"))
        .arg("--logs")
        .arg(root.join("fixtures/sample.jsonl.zst"))
        .args(["--vary", "extraction.group=[0.25, 0.55]|[0.3, 0.6]"])
        .arg("--plot")
        .arg(dir.path().join("t.svg"))
        .arg("--write-config")
        .arg(&tuned)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("recorded ").count(), 2, "{stderr}");
    assert!(stdout.contains("variants: each run once"), "{stdout}");
    assert!(stdout.contains("extraction.group=[0.3, 0.6]"), "{stdout}");
    assert!(stdout.contains("with: extraction.group = "), "{stdout}");
    let written = std::fs::read_to_string(&tuned).unwrap();
    assert!(written.contains("[extraction]"), "{written}");

    let refused = bin()
        .arg("tune")
        .arg("--labels")
        .arg(root.join("fixtures/sample.labels.csv"))
        .arg("--logs")
        .arg(root.join("fixtures/sample.jsonl.zst"))
        .args(["--vary", "extraction.nonsense=1|2"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("nonsense"));
}
