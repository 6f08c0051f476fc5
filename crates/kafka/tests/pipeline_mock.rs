//! The real pipeline behind the live loop (feature `pipeline`) against the mock cluster:
//! records in the gateway's JSON contract are parsed by the io crate's parser, run through
//! `Pipeline`, checkpointed, committed, and a restart restores the pipeline's snapshot.
#![cfg(feature = "pipeline")]

mod common;

use common::kafka::{committed, high_watermarks, produce, read_all};
use common::split;
use distillguard_kafka::{run_pipeline, LiveConfig};
use distillguard_types::net::NetData;
use distillguard_types::Config;
use rdkafka::mocking::MockCluster;
use std::sync::Arc;
use std::time::{Duration, Instant};

const T0: i64 = 1_776_852_000_000;

fn record(i: usize, ts: i64) -> (i32, String, Vec<u8>) {
    let acct = format!("acct-{:03}", i % 40);
    let ts = distillguard_types::time::format_rfc3339_ms(ts);
    let v = serde_json::json!({
        "ts": ts, "account_id": acct, "ip": format!("198.51.100.{}", i % 200),
        "prompt": format!("Solve step by step: what is {} times {}? Explain your reasoning.", i, i + 3),
        "max_tokens": 8000, "account_created_at": "2026-04-20T00:00:00Z"
    });
    ((i % 3) as i32, acct, serde_json::to_vec(&v).unwrap())
}

/// A mock cluster with the live loop's topics, internal ones included, and its bootstrap
/// servers.
fn cluster() -> (
    MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
    String,
) {
    let cluster = MockCluster::new(1).unwrap();
    for t in [
        "request-log",
        "distillguard-verdicts",
        "distillguard-campaigns",
        "distillguard-dead-letter",
        "distillguard-observations",
        "distillguard-evidence",
    ] {
        cluster.create_topic(t, 3, 1).unwrap();
    }
    cluster
        .create_topic("distillguard-checkpoints", 1, 1)
        .unwrap();
    let brokers = cluster.bootstrap_servers();
    (cluster, brokers)
}

async fn run_once(brokers: &str) -> distillguard_kafka::Summary {
    let live = LiveConfig {
        brokers: brokers.into(),
        group_id: "gp".into(),
        create_topics: false,
        checkpoint_interval: Duration::from_millis(500),
        kafka: [("session.timeout.ms", "6000")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..LiveConfig::default()
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let cfg = Arc::new(Config::default());
    let task = tokio::spawn(run_pipeline(
        cfg,
        Arc::new(NetData::default()),
        live,
        async move {
            let _ = rx.await;
        },
    ));
    let want = high_watermarks(brokers, "request-log");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let b = brokers.to_string();
        if tokio::task::spawn_blocking(move || committed(&b, "gp", "request-log"))
            .await
            .unwrap()
            == want
        {
            break;
        }
        assert!(Instant::now() < deadline, "not committed");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tx.send(()).unwrap();
    task.await.unwrap().expect("live run")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_pipeline_runs_checkpoints_and_restores() {
    let (_cluster, brokers) = cluster();

    let mut recs: Vec<_> = (0..600).map(|i| record(i, T0 + i as i64 * 2_000)).collect();
    recs.push((0, "bad".into(), b"{\"ts\": 1".to_vec()));
    produce(&brokers, "request-log", &recs);
    let s1 = run_once(&brokers).await;
    assert_eq!(s1.records, 601);
    assert_eq!(s1.events, 600, "{s1:?}");
    assert_eq!(s1.dead_letters, 1);
    assert_eq!(
        read_all(&brokers, "distillguard-dead-letter")[0].headers["reason"],
        "bad_json"
    );
    assert!(s1.checkpoints >= 3);

    let more: Vec<_> = (600..700)
        .map(|i| record(i, T0 + i as i64 * 2_000))
        .collect();
    produce(&brokers, "request-log", &more);
    let s2 = run_once(&brokers).await;
    assert_eq!(s2.restored, 3, "{s2:?}");
    // the work the checkpoints carried over is counted (events the first run processed)
    assert!(
        s2.restored_events > 0 && s2.restored_events <= s1.events,
        "{s2:?}"
    );
    assert_eq!(s2.records, 100);
    assert_eq!(
        s2.rejects.total_rejected(),
        0,
        "no record is late after the restore: {s2:?}"
    );
}

/// Issue 20, items 1 and 5, live: a far-future record is held, not refused on arrival, and
/// once enough later records never reached it, dead-lettered as `future_ts`; it and a late
/// record carry their contract fields only (no prompt text), a malformed one its raw bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn well_formed_dead_letters_carry_kept_fields_only() {
    let (_cluster, brokers) = cluster();
    let mut recs: Vec<_> = (0..300).map(|i| record(i, T0 + i as i64 * 2_000)).collect();
    // partition 0: a record 400 days ahead, then 100 more ordinary ones
    recs.push(record(999, T0 + 400 * 86_400_000));
    recs.extend((300..600).map(|i| record(i, T0 + i as i64 * 2_000)));
    produce(&brokers, "request-log", &recs);
    let s1 = run_once(&brokers).await;
    // restarted (from the checkpoint, watermarks included): a record on partition 1 an hour
    // behind the rest, and a malformed one
    let late = record(1_000, T0 - 3_600_000);
    let bad = (
        2,
        "bad".into(),
        b"{\"ts\": 1, \"prompt\": \"malformed".to_vec(),
    );
    produce(&brokers, "request-log", &[late, bad]);
    let s2 = run_once(&brokers).await;
    assert_eq!(s1.records + s2.records, 603, "{s1:?} {s2:?}");
    assert_eq!(s1.dead_letters + s2.dead_letters, 3, "{s1:?} {s2:?}");
    let dead = read_all(&brokers, "distillguard-dead-letter");
    let by = |reason: &str| {
        dead.iter()
            .find(|r| r.headers["reason"] == reason)
            .unwrap_or_else(|| panic!("no {reason} in {dead:?}"))
    };
    for reason in ["future_ts", "late"] {
        let r = by(reason);
        assert_eq!(r.headers["payload"], "kept_fields");
        let value = r.value.as_deref().unwrap();
        let fields: serde_json::Value = serde_json::from_slice(value).unwrap();
        assert!(fields["account_id"].is_string(), "{fields}");
        assert!(fields.get("prompt").is_none(), "{fields}");
        assert!(!String::from_utf8_lossy(value).contains("Solve"));
    }
    assert_eq!(by("future_ts").headers["source_partition"], "0");
    let bad = by("bad_json");
    assert_eq!(bad.headers["payload"], "raw");
    assert!(String::from_utf8_lossy(bad.value.as_deref().unwrap()).contains("malformed"));
}

/// Split mode, three instances (child processes) on the fixture against one replay; `kill`:
/// one instance is killed with SIGKILL half-way and restarted.
fn split_run(name: &str, kill: bool) -> (split::Outcome, split::Outcome) {
    split_cluster(
        &format!("g-{name}"),
        |_| (),
        |s| split::run(s, kill, Duration::ZERO),
    )
}

/// A mock cluster with a split setup named `group` (changed by `adjust`) and its topics; the
/// instances' logs go to a temporary directory, or to `DISTILLGUARD_TEST_LOGS=DIR` to keep them.
fn split_cluster<T>(
    group: &str,
    adjust: impl FnOnce(&mut common::procs::Setup),
    run: impl FnOnce(&common::procs::Setup) -> T,
) -> T {
    let cluster = MockCluster::new(1).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let logs = std::env::var("DISTILLGUARD_TEST_LOGS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().to_path_buf());
    std::fs::create_dir_all(&logs).unwrap();
    let mut s = split::setup(
        &cluster.bootstrap_servers(),
        group,
        &logs,
        "\"heartbeat.interval.ms\" = \"500\"",
    );
    adjust(&mut s);
    for (t, n, _) in split::topics(&s) {
        cluster.create_topic(&t, n, 1).unwrap();
    }
    run(&s)
}

// The live split path is held to exactly the replay's actioned accounts and the same campaigns
// (`split::matches`), clean and after a kill -9 and restore. `scripts/split-exactness.sh N`
// runs both N times and counts fully exact runs (campaign member sets equal too).

/// Three split instances against one replay.
#[test]
fn three_split_instances_match_one_replay() {
    let (got, want) = split_run("split", false);
    assert!(split::matches(&got, &want), "{}", split::diff(&got, &want));
}

/// The same with one instance killed with SIGKILL half-way and restarted.
#[test]
fn three_split_instances_with_a_kill_9_match_one_replay() {
    let (got, want) = split_run("split-kill", true);
    assert!(split::matches(&got, &want), "{}", split::diff(&got, &want));
}

/// Every record on one input partition: the instances owning only silent partitions follow the
/// group once their partitions are idle (`windows.idle_partition`), so their tasks tick and the
/// busy task is not held at its start by `max_task_skew` (3 h here, the fixture spans 72 h).
#[test]
fn split_instances_owning_only_silent_partitions_follow_the_group() {
    let (got, want) = split_cluster(
        "split-idle",
        |s| s.windows = Some("idle_partition = \"2s\"".into()),
        split::run_on_one_partition,
    );
    assert!(split::matches(&got, &want), "{}", split::diff(&got, &want));
}
