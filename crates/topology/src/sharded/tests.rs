//! The sharded engine on the shipped fixture: the same outputs on any number of threads.

use super::*;
use distillguard_io::{read_lines, InputSpec, RecordParser};
use std::collections::BTreeSet;
use std::path::Path;

fn events() -> Vec<Event> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst");
    let cfg = Config::default();
    let mut parser = RecordParser::new(&cfg.input);
    read_lines(&InputSpec::new(path))
        .unwrap()
        .into_iter()
        .map(|mut l| parser.parse(&mut l).expect("fixture parses"))
        .collect()
}

/// Every output of a run, printed, in the order it was produced.
fn run(evs: &[Event], shards: u32, threads: usize) -> Vec<String> {
    let mut cfg = Config::default();
    cfg.replay.shards = shards;
    let mut engine =
        ShardedEngine::new(Arc::new(cfg), Arc::new(NetData::default()), threads).unwrap();
    engine.record_scores(true);
    let (mut out, mut printed) = (Outputs::default(), Vec::new());
    let mut take = |out: &mut Outputs| {
        printed.extend(out.verdicts.drain(..).map(|v| format!("{v:?}")));
        printed.extend(out.campaigns.drain(..).map(|c| format!("{c:?}")));
        printed.extend(out.scores.drain(..).map(|s| format!("{s:?}")));
        assert!(out.refused.is_empty() && out.to_keys.is_empty());
    };
    for chunk in evs.chunks(300) {
        for ev in chunk {
            engine.offer(ev.clone()).unwrap();
        }
        engine.advance(&mut out);
        take(&mut out);
    }
    engine.finish(&mut out);
    take(&mut out);
    assert_eq!(engine.counters().processed, evs.len() as u64);
    printed
}

fn actioned(printed: &[String]) -> BTreeSet<String> {
    printed
        .iter()
        .filter(|p| p.starts_with("Verdict"))
        .filter(|p| p.contains("action: Throttle") || p.contains("action: Suspend"))
        .map(|p| {
            p.split("account_id: \"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn threads_change_nothing_but_speed() {
    let evs = events();
    let one = run(&evs, 16, 1);
    assert!(one.iter().any(|p| p.starts_with("CampaignRecord")));
    for threads in [2, 3, 7] {
        assert!(run(&evs, 16, threads) == one, "{threads} threads");
    }
}

#[test]
fn the_shard_count_moves_no_account_across_the_action_line() {
    let evs = events();
    let want = actioned(&run(&evs, 1, 1));
    assert_eq!(want.len(), 40, "{want:?}");
    for shards in [2, 5, 16] {
        assert_eq!(actioned(&run(&evs, shards, 2)), want, "{shards} shards");
    }
}

#[test]
fn steps_end_on_the_step_grid() {
    let check = |ts: i64, step: i64, want: i64| assert_eq!(step_end(ts, step), want, "{ts} {step}");
    check(0, 1000, 999);
    check(999, 1000, 999);
    check(1000, 1000, 1999);
    check(-1, 1000, -1);
    check(-1001, 1000, -1001);
    check(i64::MAX - 5, 1000, i64::MAX);
}

#[test]
fn no_event_no_output() {
    let mut e =
        ShardedEngine::new(Arc::new(Config::default()), Arc::new(NetData::default()), 2).unwrap();
    let mut out = Outputs::default();
    e.advance(&mut out);
    e.finish(&mut out);
    assert!(out.is_empty());
    assert_eq!(e.shards(), 1);
}
