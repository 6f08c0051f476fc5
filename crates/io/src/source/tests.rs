//! Source stage tests: batching, raw bytes, rejects, merge order, compression, failures.

use super::*;
use distillguard_types::RejectReason;
use std::io::Write;
use std::path::{Path, PathBuf};

fn record(ts: i64, account: &str) -> String {
    format!(r#"{{"ts":{ts},"account_id":"{account}","ip":"10.0.0.1","prompt":"hello {account}"}}"#)
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let p = dir.join(name);
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&p, text).unwrap();
    p
}

/// All batches of a run, sending each back for reuse.
fn drain(
    inputs: Vec<PathBuf>,
    cfg: InputConfig,
    size: usize,
) -> (Vec<Batch>, SourceStats, Vec<String>) {
    let stage = spawn_sources(inputs.into_iter().map(InputSpec::new).collect(), cfg, size);
    let mut out = Vec::new();
    for b in stage.batches.iter() {
        assert!(b.len() <= size, "batch of {} > {size}", b.len());
        out.push(b);
    }
    let names = stage.names.clone();
    (out, stage.join().unwrap(), names)
}

fn order(batches: &[Batch]) -> Vec<(i64, String)> {
    batches
        .iter()
        .flat_map(|b| b.events.iter().map(|e| (e.ts_ms, e.account.to_string())))
        .collect()
}

#[test]
fn events_rejects_and_raw_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = InputConfig {
        max_record_bytes: 200,
        ..InputConfig::default()
    };
    let lines = vec![
        record(1, "a"),
        "{not json".to_string(),
        String::new(),
        record(2, "b"),
        format!(
            r#"{{"ts":3,"account_id":"c","ip":"1.1.1.1","prompt":"{}"}}"#,
            "x".repeat(300)
        ),
        r#"{"ts":4,"ip":"1.1.1.1","prompt":"p"}"#.to_string(),
        record(5, "e"),
    ];
    let p = write(dir.path(), "in.jsonl", &lines);
    let (batches, stats, names) = drain(vec![p], cfg, 2);
    assert_eq!(names.len(), 1);
    let events: Vec<(u64, Vec<u8>)> = batches
        .iter()
        .flat_map(|b| (0..b.events.len()).map(move |i| (b.origins[i].line, b.raw_of(i).to_vec())))
        .collect();
    assert_eq!(
        events,
        vec![
            (1, lines[0].clone().into_bytes()),
            (4, lines[3].clone().into_bytes()),
            (7, lines[6].clone().into_bytes())
        ]
    );
    let rejects: Vec<(u64, RejectReason, usize)> = batches
        .iter()
        .flat_map(|b| {
            b.rejects
                .iter()
                .map(move |r| (r.origin.line, r.reason, b.reject_raw(r).len()))
        })
        .collect();
    assert_eq!(
        rejects,
        vec![
            (2, RejectReason::BadJson, 9),
            (5, RejectReason::TooLarge, 201),
            (6, RejectReason::MissingAccount, lines[5].len())
        ]
    );
    let mut total = BatchCounters::default();
    for b in &batches {
        total.lines += b.counters.lines;
        total.blank += b.counters.blank;
        total.rejects.merge(&b.counters.rejects);
    }
    assert_eq!(
        (total.lines, total.blank, total.rejects.total_rejected()),
        (7, 1, 3)
    );
    assert_eq!(stats.inputs[0].lines, 7);
    // The driver's reject writing: parser rejects, then a pipeline refusal of event 0.
    let out = dir.path().join("rejects.jsonl");
    let mut w = crate::RejectWriter::create(&out).unwrap();
    for b in &batches {
        for r in &b.rejects {
            let source = &names[r.origin.source as usize];
            w.write(source, r.origin.line, r.reason, b.reject_raw(r))
                .unwrap();
        }
    }
    w.write(
        &names[0],
        batches[0].origins[0].line,
        RejectReason::Late,
        batches[0].raw_of(0),
    )
    .unwrap();
    assert_eq!(w.finish().unwrap(), 4);
    let text = std::fs::read_to_string(&out).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(
        (last["reason"].as_str(), last["raw"].as_str()),
        (Some("late"), Some(lines[0].as_str()))
    );
    assert!(!stats.stopped_early);
}

#[test]
fn halves_merge_back_into_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let all: Vec<String> = (0..500)
        .map(|i| record(1000 + i * 7, &format!("acct{i}")))
        .collect();
    let whole = write(dir.path(), "whole.jsonl", &all);
    let even: Vec<String> = all.iter().step_by(2).cloned().collect();
    let odd: Vec<String> = all.iter().skip(1).step_by(2).cloned().collect();
    let a = write(dir.path(), "even.jsonl", &even);
    let b = write(dir.path(), "odd.jsonl", &odd);
    let first = write(dir.path(), "first.jsonl", &all[..250]);
    let second = write(dir.path(), "second.jsonl", &all[250..]);
    let cfg = InputConfig::default();
    let (w, _, _) = drain(vec![whole], cfg.clone(), 64);
    let (m, stats, names) = drain(vec![b, a], cfg.clone(), 64);
    let (h, _, _) = drain(vec![second, first], cfg, 33);
    assert_eq!(order(&w).len(), 500);
    assert_eq!(order(&w), order(&m));
    assert_eq!(order(&w), order(&h));
    assert_eq!(stats.inputs.iter().map(|s| s.lines).sum::<u64>(), 500);
    // Origins name the input each event came from.
    let first_batch = &m[0];
    assert_eq!(
        names[first_batch.origins[0].source as usize],
        stats.inputs[1].name
    );
}

#[test]
fn compressed_inputs_and_a_reject_only_input() {
    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..100).map(|i| record(i, &format!("z{i}"))).collect();
    let text = lines.join("\n");
    let zst = dir.path().join("a.jsonl.zst");
    std::fs::write(&zst, zstd::encode_all(text.as_bytes(), 3).unwrap()).unwrap();
    let gz = dir.path().join("b.jsonl.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    let junk = write(dir.path(), "junk.jsonl", &vec!["nope".to_string(); 50]);
    let (batches, stats, _) = drain(vec![zst, gz, junk], InputConfig::default(), 8);
    assert_eq!(batches.iter().map(|b| b.events.len()).sum::<usize>(), 200);
    assert_eq!(batches.iter().map(|b| b.rejects.len()).sum::<usize>(), 50);
    assert_eq!(stats.inputs[0].compression, Compression::Zstd);
    assert_eq!(stats.inputs[1].compression, Compression::Gzip);
    let ts = order(&batches).iter().map(|(t, _)| *t).collect::<Vec<_>>();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn a_missing_input_is_an_error_and_a_hang_up_stops_the_stage() {
    let stage = spawn_sources(
        vec![InputSpec::new("/nonexistent/x.jsonl")],
        InputConfig::default(),
        4,
    );
    assert_eq!(stage.batches.iter().count(), 0);
    assert!(matches!(stage.join(), Err(IoError::Open { .. })));

    let dir = tempfile::tempdir().unwrap();
    let lines: Vec<String> = (0..2000).map(|i| record(i, "a")).collect();
    let p = write(dir.path(), "big.jsonl", &lines);
    let stage = spawn_sources(vec![InputSpec::new(p)], InputConfig::default(), 10);
    let first = stage.batches.recv().unwrap();
    assert_eq!(first.len(), 10);
    let _ = stage.recycle.try_send(first);
    let stats = stage.join().unwrap();
    assert!(stats.stopped_early);
}
