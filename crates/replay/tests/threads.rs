//! Replay on any number of threads writes the same bytes, over one shard (the default) and
//! over 16: the fixture, and a log with the records a driver handles itself (held ahead of the
//! clock, late, duplicated, malformed).

#[path = "harness/files.rs"]
mod files;

use distillguard_replay::ReplayOptions;
use distillguard_types::config::Config;
use files::{opts, run_cfg, write_input};
use std::path::Path;

const T0: u64 = 1_776_852_000_000;

/// The three output files of a replay of `input` over `shards` shards on `threads` threads.
fn outputs(input: &Path, shards: u32, threads: usize) -> [Vec<u8>; 3] {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut cfg = Config::default();
    cfg.replay.shards = shards;
    let sum = run_cfg(
        cfg,
        ReplayOptions {
            batch: 700,
            threads,
            ..opts(d, input, None)
        },
    );
    assert_eq!(sum.threads, threads);
    ["v.jsonl", "c.jsonl", "r.jsonl"].map(|f| std::fs::read(d.join(f)).unwrap_or_default())
}

/// The outputs of one shard on one thread, after checking that 1, 2, 3 and 7 threads give
/// the same bytes over 1 and over 16 shards.
fn check_same_on_every_thread_count(input: &Path) -> [Vec<u8>; 3] {
    for shards in [16, 1] {
        let one = outputs(input, shards, 1);
        for threads in [2, 3, 7] {
            let got = outputs(input, shards, threads);
            for (name, (a, b)) in ["verdicts", "campaigns", "rejects"]
                .iter()
                .zip(one.iter().zip(&got))
            {
                assert!(
                    a == b,
                    "{name} differ on {threads} threads, {shards} shards"
                );
            }
        }
    }
    outputs(input, 1, 1)
}

#[test]
fn the_fixture_gives_the_same_bytes_on_1_2_3_and_7_threads() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst");
    let [verdicts, campaigns, _] = check_same_on_every_thread_count(&fixture);
    assert!(verdicts.len() > 10_000 && !campaigns.is_empty());
}

fn record(i: u64, ts: u64) -> String {
    format!(
        r#"{{"ts":{ts},"account_id":"acct-{}","ip":"10.0.{}.{}","prompt":"write a parser for case {i}","request_id":"r{i}"}}"#,
        i % 90,
        (i / 256) % 256,
        i % 90
    )
}

#[test]
fn held_late_duplicate_and_malformed_records_give_the_same_bytes_on_every_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let day = 86_400_000;
    let lines = (0..3_000).flat_map(|i| {
        let mut l = vec![record(i, T0 + i * 2_000)];
        match i % 500 {
            // an outlier a year ahead: held, then refused as future_ts
            17 => l.push(record(100_000 + i, T0 + 365 * day)),
            // an hour behind: late
            211 if i > 2_000 => l.push(record(200_000 + i, T0 + i * 2_000 - 3_600_000)),
            // the same request again: duplicate
            303 => l.push(record(i, T0 + i * 2_000)),
            404 => l.push("{not json".to_string()),
            _ => {}
        }
        l
    });
    let input = write_input(dir.path(), lines);
    let [_, _, rejects] = check_same_on_every_thread_count(&input);
    let rejects = String::from_utf8(rejects).unwrap();
    for reason in ["future_ts", "late", "bad_json"] {
        assert!(rejects.contains(reason), "{reason}: {rejects}");
    }
}
