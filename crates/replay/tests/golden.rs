//! Golden replay of the shipped fixture, run several ways against the same expectations:
//! whole, split across two inputs (merged by event time), and split-and-resume through a
//! snapshot of the engine. Expected: every account of the coordinated group is throttled or
//! suspended, no organic or automation account is, and all runs give the same verdicts.

use distillguard_io::{InputSpec, RecordParser};
use distillguard_pipeline::{Outputs, Pipeline};
use distillguard_replay::{replay, ReplayOptions};
use distillguard_types::config::Config;
use distillguard_types::ladder::Action;
use distillguard_types::net::NetData;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst")
}

fn lines() -> Vec<Vec<u8>> {
    distillguard_io::read_lines(&InputSpec::new(fixture())).unwrap()
}

/// (account, action, ts) of every verdict, sorted.
type Verdicts = Vec<(String, Action, String)>;

fn run_files(inputs: &[PathBuf], dir: &Path) -> Verdicts {
    let out = dir.join("verdicts.jsonl");
    let opts = ReplayOptions {
        inputs: inputs.iter().map(InputSpec::new).collect(),
        verdicts: out.clone(),
        campaigns: Some(dir.join("campaigns.jsonl")),
        rejects: dir.join("rejects.jsonl"),
        batch: 512,
        stop: None,
        threads: 2,
    };
    let cfg = Arc::new(Config::default());
    let sum = replay(
        cfg,
        Arc::new(NetData::default()),
        opts,
        false,
        &mut |_, _| {},
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(sum.rejected, 0);
    let mut v: Verdicts = std::io::BufReader::new(std::fs::File::open(out).unwrap())
        .lines()
        .map(|l| {
            let v: distillguard_types::Verdict = serde_json::from_str(&l.unwrap()).unwrap();
            assert!(!v.reasons.is_empty(), "every verdict explains itself");
            (v.account_id, v.action, v.ts)
        })
        .collect();
    v.sort();
    v
}

fn labels() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.labels.csv"),
    )
    .unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let mut f = l.split(',');
            (f.next().unwrap().to_string(), f.next().unwrap().to_string())
        })
        .collect()
}

fn check_against_labels(v: &Verdicts) {
    let labels = labels();
    let actioned: BTreeSet<&str> = v
        .iter()
        .filter(|(_, a, _)| *a >= Action::Throttle)
        .map(|(acct, _, _)| acct.as_str())
        .collect();
    let attack: BTreeSet<&str> = labels
        .iter()
        .filter(|(_, c)| c.as_str() == "attack")
        .map(|(a, _)| a.as_str())
        .collect();
    assert!(!attack.is_empty());
    assert_eq!(
        actioned, attack,
        "exactly the coordinated group is actioned"
    );
}

#[test]
fn whole_and_split_inputs_give_the_same_verdicts() {
    let dir = tempfile::tempdir().unwrap();
    let whole = run_files(&[fixture()], dir.path());
    check_against_labels(&whole);

    // Odd and even lines: each half is time-ordered, the merge restores the whole order.
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    let (mut fa, mut fb) = (
        std::fs::File::create(&a).unwrap(),
        std::fs::File::create(&b).unwrap(),
    );
    for (i, l) in lines().iter().enumerate() {
        let f = if i % 2 == 0 { &mut fa } else { &mut fb };
        f.write_all(l).unwrap();
        f.write_all(b"\n").unwrap();
    }
    drop((fa, fb));
    let split_dir = tempfile::tempdir().unwrap();
    let split = run_files(&[a, b], split_dir.path());
    assert_eq!(whole, split);
}

/// Drive the engine directly on the fixture's lines.
fn run_engine(resume_at: Option<usize>) -> Verdicts {
    drive(lines(), resume_at)
}

/// Drive the engine directly on `lines`; optionally snapshot and restore it at `resume_at`.
fn drive(lines: Vec<Vec<u8>>, resume_at: Option<usize>) -> Verdicts {
    let cfg = Arc::new(Config::default());
    let net = Arc::new(NetData::default());
    let mut parser = RecordParser::new(&cfg.input);
    let mut engine = Pipeline::new(cfg.clone(), net.clone());
    let mut out = Outputs::default();
    for (i, mut line) in lines.into_iter().enumerate() {
        if Some(i) == resume_at {
            let bytes = engine.snapshot();
            engine = Pipeline::restore(cfg.clone(), net.clone(), &bytes).unwrap();
        }
        let ev = parser.parse(&mut line).unwrap();
        engine.offer(ev).unwrap();
        engine.advance(&mut out);
    }
    engine.finish(&mut out);
    let mut v: Verdicts = out
        .verdicts
        .into_iter()
        .map(|v| (v.account_id, v.action, v.ts))
        .collect();
    v.sort();
    v
}

#[test]
fn split_and_resume_through_a_snapshot_gives_the_same_verdicts() {
    let straight = run_engine(None);
    check_against_labels(&straight);
    let n = lines().len();
    assert_eq!(straight, run_engine(Some(n / 2)));
    assert_eq!(straight, run_engine(Some(n / 3)));
}

#[test]
fn shuffled_within_lateness_gives_the_same_verdicts() {
    // Swap neighbours less than a minute apart: arrival order within the allowed lateness
    // (two minutes) must not matter.
    let mut ls = lines();
    let ts = |l: &[u8]| {
        serde_json::from_slice::<serde_json::Value>(l).unwrap()["ts"]
            .as_i64()
            .unwrap()
    };
    let mut swapped = 0;
    for i in (0..ls.len() - 1).step_by(2) {
        if ts(&ls[i + 1]) - ts(&ls[i]) < 60_000 {
            ls.swap(i, i + 1);
            swapped += 1;
        }
    }
    assert!(swapped > 100, "{swapped}");
    assert_eq!(drive(ls, None), run_engine(None));
}

#[test]
fn the_fixtures_campaign_is_one_extraction_group_of_attack_accounts() {
    let dir = tempfile::tempdir().unwrap();
    run_files(&[fixture()], dir.path());
    // The last record per campaign id is its state.
    let mut last: BTreeMap<String, distillguard_types::CampaignRecord> = BTreeMap::new();
    let text = std::fs::read_to_string(dir.path().join("campaigns.jsonl")).unwrap();
    for l in text.lines() {
        let r: distillguard_types::CampaignRecord = serde_json::from_str(l).unwrap();
        last.insert(r.campaign_id.clone(), r);
    }
    let labels = labels();
    let biggest = last.values().max_by_key(|r| r.size).expect("a campaign");
    assert_eq!(biggest.assessment, "extraction");
    assert!(biggest.campaign_id.starts_with("cmp-"));
    assert!(biggest.size >= 35, "{}", biggest.size);
    assert!(biggest.extraction.score > 0.5, "{:?}", biggest.extraction);
    for r in last.values().filter(|r| r.assessment == "extraction") {
        for m in &r.members {
            assert_eq!(labels[m], "attack", "{m} in {}", r.campaign_id);
        }
    }
}
