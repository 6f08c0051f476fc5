//! The shipped fixture through the real pipeline: several live instances (child processes of
//! the fixture binary with `--pipeline`, split mode over repartition topics) against one
//! in-process replay of the same records. Shared by the mock-cluster and real-broker tests.

use super::kafka::{produce, produce_with, read_all};
use super::partition_of;
use super::procs::{all_committed, spawn_args, wait_commits, Instance, Setup};
use distillguard_io::RecordParser;
use distillguard_pipeline::{Outputs, Pipeline};
use distillguard_types::ladder::Action;
use distillguard_types::net::NetData;
use distillguard_types::{CampaignRecord, Config, Verdict};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Input partitions of the split tests.
pub const PARTS: i32 = 6;

/// What a run ends with: accounts throttled or suspended at some point, and the campaigns of
/// at least the minimum size (the last record per campaign id) as member sets.
#[derive(Debug, PartialEq, Eq, Clone, Default)]
pub struct Outcome {
    pub actioned: BTreeSet<String>,
    pub campaigns: BTreeSet<Vec<String>>,
}

impl Outcome {
    /// The outcome of these verdicts and campaign records.
    pub fn from(verdicts: Vec<Verdict>, campaigns: Vec<CampaignRecord>) -> Outcome {
        let mut best: BTreeMap<String, Action> = BTreeMap::new();
        for v in verdicts {
            let a = best.entry(v.account_id).or_insert(v.action);
            *a = (*a).max(v.action);
        }
        let mut last: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in campaigns {
            last.insert(c.campaign_id, c.members);
        }
        let min = Config::default().correlate.campaign_min_size as usize;
        Outcome {
            actioned: best
                .into_iter()
                .filter(|(_, a)| *a >= Action::Throttle)
                .map(|(k, _)| k)
                .collect(),
            campaigns: last
                .into_values()
                .filter(|m| m.len() >= min)
                .map(|mut m| {
                    m.sort();
                    m
                })
                .collect(),
        }
    }
}

/// The fixture's records (account, JSON) in log order.
pub fn fixture() -> Vec<(String, Vec<u8>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sample.jsonl.zst");
    let lines = distillguard_io::read_lines(&distillguard_io::InputSpec::new(path)).unwrap();
    lines
        .into_iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_slice(&l).unwrap();
            (v["account_id"].as_str().unwrap().to_string(), l)
        })
        .collect()
}

/// Records with their partition (by account), plus a few malformed ones and, per partition,
/// one valid sentinel record past the last event time plus the allowed lateness, so every real
/// event falls behind the watermark (what the end of a replay does).
pub fn partitioned(records: &[(String, Vec<u8>)]) -> Vec<(i32, String, Vec<u8>)> {
    let mut out: Vec<(i32, String, Vec<u8>)> = records
        .iter()
        .map(|(k, v)| (partition_of(k, PARTS), k.clone(), v.clone()))
        .collect();
    for (i, junk) in [&b"{not json"[..], br#"{"account_id":"x","ip":"1.2.3.4"}"#]
        .iter()
        .enumerate()
    {
        out.insert(
            out.len() / 3 * (i + 1),
            (i as i32, "bad".into(), junk.to_vec()),
        );
    }
    let end = records
        .iter()
        .map(|(_, v)| {
            let v: serde_json::Value = serde_json::from_slice(v).unwrap();
            v["ts"].as_i64().unwrap()
        })
        .max()
        .unwrap();
    let mut template: serde_json::Value = serde_json::from_slice(&records[0].1).unwrap();
    for p in 0..PARTS {
        let acct = format!("zz-sentinel-{p}");
        template["ts"] = (end + 30 * 60_000).into();
        template["account_id"] = acct.clone().into();
        template["request_id"] = format!("sentinel-{p}").into();
        out.push((p, acct, serde_json::to_vec(&template).unwrap()));
    }
    out
}

/// One replay of `records` through one unsplit engine.
pub fn replay(records: &[(String, Vec<u8>)]) -> Outcome {
    let cfg = Arc::new(Config::default());
    let mut parser = RecordParser::new(&cfg.input);
    let mut p = Pipeline::new(cfg, Arc::new(NetData::default()));
    let mut out = Outputs::default();
    let (mut verdicts, mut campaigns) = (Vec::new(), Vec::new());
    for (i, (_, v)) in records.iter().enumerate() {
        let ev = parser.parse(&mut v.clone()).expect("fixture parses");
        p.offer(ev).unwrap();
        if i % 512 == 0 {
            p.advance(&mut out);
        }
        verdicts.append(&mut out.verdicts);
        campaigns.append(&mut out.campaigns);
    }
    p.finish(&mut out);
    verdicts.append(&mut out.verdicts);
    campaigns.append(&mut out.campaigns);
    Outcome::from(verdicts, campaigns)
}

/// What the live instances have produced so far.
pub fn live(s: &Setup) -> Outcome {
    let verdicts = read_all(&s.brokers, &s.verdicts())
        .into_iter()
        .map(|r| serde_json::from_slice(&r.value.unwrap()).unwrap())
        .collect();
    let campaigns = read_all(&s.brokers, &format!("{}-campaigns", s.prefix))
        .into_iter()
        .map(|r| serde_json::from_slice(&r.value.unwrap()).unwrap())
        .collect();
    Outcome::from(verdicts, campaigns)
}

/// Topics of a split setup: (name, partitions, compacted).
pub fn topics(s: &Setup) -> Vec<(String, i32, bool)> {
    let p = &s.prefix;
    vec![
        (s.input.clone(), PARTS, false),
        (s.verdicts(), PARTS, false),
        (format!("{p}-campaigns"), PARTS, false),
        (s.dead_letters(), PARTS, false),
        (format!("{p}-checkpoints"), PARTS, true),
        (format!("{p}-observations"), PARTS, false),
        (format!("{p}-evidence"), PARTS, false),
    ]
}

/// Wait until the live outcome equals `want` (evidence travels after the input is committed),
/// then return it; after `timeout`, return what there is.
pub fn settle(s: &Setup, want: &Outcome, timeout: Duration) -> Outcome {
    let deadline = Instant::now() + timeout;
    loop {
        let got = live(s);
        if &got == want || Instant::now() >= deadline {
            return got;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// What the live split path is held to: exactly the replay's actioned accounts, and the same
/// campaigns — as many, each within one of the replay's, together holding at least 95% of the
/// replay's campaign members. (Campaign labels spread by minimum as accounts touch shared keys,
/// so an account whose last requests reached a key before the key learnt the oldest label can
/// end under a younger one, outside every campaign of the minimum size; with 40 members that is
/// one or two accounts, as measured by `scripts/split-exactness.sh`.)
pub fn matches(got: &Outcome, want: &Outcome) -> bool {
    let members = |o: &Outcome| o.campaigns.iter().flatten().collect::<BTreeSet<_>>().len();
    got.actioned == want.actioned
        && got.campaigns.len() == want.campaigns.len()
        && got.campaigns.iter().all(|c| {
            want.campaigns
                .iter()
                .any(|w| c.iter().all(|m| w.binary_search(m).is_ok()))
        })
        && members(got) as f64 >= 0.95 * members(want) as f64
}

/// A readable difference.
pub fn diff(got: &Outcome, want: &Outcome) -> String {
    format!(
        "actioned only live {:?}, only replay {:?}; campaigns live {:?} vs replay {:?}",
        got.actioned.difference(&want.actioned).collect::<Vec<_>>(),
        want.actioned.difference(&got.actioned).collect::<Vec<_>>(),
        got.campaigns.iter().map(Vec::len).collect::<Vec<_>>(),
        want.campaigns.iter().map(Vec::len).collect::<Vec<_>>(),
    )
}

/// A split-mode setup named `name` (group, topics prefix), logs in `dir`; `kafka`: extra
/// `[live.kafka]` lines.
pub fn setup(brokers: &str, name: &str, dir: &Path, kafka: &str) -> Setup {
    Setup {
        brokers: brokers.into(),
        group: name.into(),
        input: format!("{name}-requests"),
        prefix: name.into(),
        extra: [
            "create_topics = false",
            "repartition = true",
            "max_task_skew = \"3h\"",
            "checkpoint_interval = \"3s\"",
            "checkpoint_records = 1500",
            "[live.kafka]",
            "\"session.timeout.ms\" = \"6000\"",
            kafka,
        ]
        .join("\n"),
        dir: dir.to_path_buf(),
        static_members: false,
        // no idle cut-off: a partition slow to be fetched must not make its records late
        windows: Some("idle_partition = \"10m\"".into()),
    }
}

/// Three instances of the real pipeline in split mode on the fixture (produced in two halves),
/// against one replay. `kill`: instance 1 is killed with SIGKILL once a first offset is
/// committed, and restarted `restart_after` later with the second half produced. Returns
/// (live, replay) outcomes.
pub fn run(s: &Setup, kill: bool, restart_after: Duration) -> (Outcome, Outcome) {
    let records = fixture();
    let want = replay(&records);
    assert_eq!(want.actioned.len(), 40, "the fixture's coordinated group");
    let recs = partitioned(&records);
    let (first, rest) = recs.split_at(recs.len() / 2);
    produce(&s.brokers, &s.input, first);
    let start = |i| Some(spawn_args(s, i, "", &["--pipeline"]));
    let mut instances: Vec<Option<Instance>> = vec![start(0), start(1), start(2)];
    if kill {
        wait_commits(s, Duration::from_secs(120), |c, _| {
            c.values().any(|o| *o > 0)
        });
        instances[1].take().unwrap().kill9();
    }
    produce(&s.brokers, &s.input, rest);
    if kill {
        std::thread::sleep(restart_after);
        instances[1] = start(1);
    }
    wait_commits(s, Duration::from_secs(240), all_committed);
    finish(
        s,
        instances.into_iter().flatten(),
        want,
        Duration::from_secs(30),
    )
}

/// Once the input is committed: wait up to `settle_for` for the live outcome to equal `want`,
/// stop the instances, check that exactly the two malformed records were dead-lettered, and
/// return (live, replay) outcomes.
fn finish(
    s: &Setup,
    instances: impl IntoIterator<Item = Instance>,
    want: Outcome,
    settle_for: Duration,
) -> (Outcome, Outcome) {
    let got = settle(s, &want, settle_for);
    for i in instances {
        eprintln!("instance summary: {}", i.stop());
    }
    assert_eq!(
        read_all(&s.brokers, &s.dead_letters()).len(),
        2,
        "exactly the malformed records are dead-lettered"
    );
    eprintln!(
        "split live ({}) vs replay: exact={} {}",
        s.group,
        got == want,
        diff(&got, &want)
    );
    (got, want)
}

/// Three instances of the real pipeline in split mode with every record (the fixture, its
/// malformed records and one sentinel) on input partition 0, lz4-compressed (the mock cluster
/// keeps 5 MiB per partition, the fixture is about 10 MB of JSON): the other partitions never
/// have a record, so two instances own nothing but silent partitions. Returns (live, replay)
/// outcomes once partition 0 is committed and the outcome settled.
pub fn run_on_one_partition(s: &Setup) -> (Outcome, Outcome) {
    let records = fixture();
    let want = replay(&records);
    let recs: Vec<(i32, String, Vec<u8>)> = partitioned(&records)
        .into_iter()
        .filter(|(p, k, _)| *p == 0 || !k.starts_with("zz-sentinel-"))
        .map(|(_, k, v)| (0, k, v))
        .collect();
    produce_with(&s.brokers, &s.input, &recs, &[("compression.type", "lz4")]);
    let instances: Vec<Instance> = (0..3)
        .map(|i| spawn_args(s, i, "", &["--pipeline"]))
        .collect();
    wait_commits(s, Duration::from_secs(240), |c, hw| {
        hw.get(&0).is_some() && c.get(&0) == hw.get(&0)
    });
    finish(s, instances, want, Duration::from_secs(60))
}
