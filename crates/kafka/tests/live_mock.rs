//! The live loop against librdkafka's mock cluster: verdicts, dead letters with their headers,
//! committed offsets, and a restart that resumes from the checkpoints.

mod common;

use common::kafka::{committed, high_watermarks, produce, read_all};
use common::{partition_of, replay_actioned, sentinels, stream, Counting};
use distillguard_kafka::{run, LiveConfig, Summary};
use distillguard_types::config::WindowsConfig;
use rdkafka::mocking::MockCluster;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const T0: i64 = 1_776_852_000_000;
const PARTS: i32 = 3;
const INPUT: &str = "request-log";

fn live(brokers: &str, group: &str) -> LiveConfig {
    LiveConfig {
        // the counting engine has no cross-account stage
        repartition: false,
        brokers: brokers.into(),
        group_id: group.into(),
        input_topic: INPUT.into(),
        checkpoint_interval: Duration::from_millis(500),
        checkpoint_records: 50,
        checkpoint_chunk_bytes: 2048,
        restore_timeout: Duration::from_secs(20),
        flush_timeout: Duration::from_secs(20),
        create_topics: false,
        // the mock cluster ignores LeaveGroup: a restarted member waits out the old session
        kafka: [
            ("session.timeout.ms", "6000"),
            ("heartbeat.interval.ms", "500"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        ..LiveConfig::default()
    }
}

fn windows() -> WindowsConfig {
    WindowsConfig {
        idle_partition: Duration::from_secs(2),
        ..WindowsConfig::default()
    }
}

fn to_partitions(recs: &[(String, Vec<u8>)]) -> Vec<(i32, String, Vec<u8>)> {
    recs.iter()
        .map(|(k, v)| (partition_of(k, PARTS), k.clone(), v.clone()))
        .collect()
}

fn with_sentinels(mut recs: Vec<(i32, String, Vec<u8>)>, ts: i64) -> Vec<(i32, String, Vec<u8>)> {
    for (p, v) in sentinels(PARTS, ts) {
        recs.push((p, format!("zz-sentinel-{p}"), v));
    }
    recs
}

/// A mock cluster with the live loop's topics (no internal ones: the counting engine has no
/// cross-account stage), and its bootstrap servers.
fn cluster() -> (
    MockCluster<'static, rdkafka::producer::DefaultProducerContext>,
    String,
) {
    let cluster = MockCluster::new(1).unwrap();
    for t in [
        INPUT,
        "distillguard-verdicts",
        "distillguard-dead-letter",
        "distillguard-campaigns",
    ] {
        cluster.create_topic(t, PARTS, 1).unwrap();
    }
    cluster
        .create_topic("distillguard-checkpoints", 2, 1)
        .unwrap();
    let brokers = cluster.bootstrap_servers();
    (cluster, brokers)
}

/// Run the live loop until the group has committed everything on the input, then stop it.
async fn run_until_committed(brokers: &str, group: &str) -> Summary {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(run(live(brokers, group), windows(), Counting, async move {
        let _ = rx.await;
    }));
    let deadline = Instant::now() + Duration::from_secs(90);
    let want = high_watermarks(brokers, INPUT);
    loop {
        let b = brokers.to_string();
        let g = group.to_string();
        let got = tokio::task::spawn_blocking(move || committed(&b, &g, INPUT))
            .await
            .unwrap();
        if got == want {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not committed in time: {got:?} vs {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tx.send(()).unwrap();
    task.await.unwrap().expect("live run")
}

fn verdict_accounts(brokers: &str) -> Vec<String> {
    read_all(brokers, "distillguard-verdicts")
        .into_iter()
        .map(|r| {
            let v: serde_json::Value = serde_json::from_slice(r.value.as_deref().unwrap()).unwrap();
            assert_eq!(
                r.key.as_deref(),
                Some(v["account_id"].as_str().unwrap().as_bytes())
            );
            v["account_id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verdicts_dead_letters_commits_and_resume_from_checkpoint() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    let (_cluster, brokers) = cluster();

    // batch 1: 240 valid records (uneven accounts), 12 malformed, then a sentinel per partition
    let batch1 = stream(80, 3, 12, T0);
    let end1 = T0 + 400 * 1_000;
    let recs1 = with_sentinels(to_partitions(&batch1), end1 + 300_000);
    produce(&brokers, INPUT, &recs1);

    let s1 = run_until_committed(&brokers, "g1").await;
    assert_eq!(s1.records, recs1.len() as u64);
    assert_eq!(s1.dead_letters, 12);
    assert_eq!(s1.fresh, PARTS as u64);
    assert_eq!(s1.restored, 0);
    assert!(s1.checkpoints >= PARTS as u64, "{s1:?}");

    let want1 = replay_actioned(&batch1);
    assert!(
        want1.len() > 5,
        "fixture should action some accounts: {want1:?}"
    );
    let got1 = verdict_accounts(&brokers);
    assert_eq!(got1.iter().cloned().collect::<BTreeSet<_>>(), want1);
    assert_eq!(
        got1.len(),
        want1.len(),
        "no duplicate verdicts in a clean run"
    );

    // dead letters: raw value, reason and origin headers pointing at the input record
    let input: BTreeMap<(i32, i64), Vec<u8>> = read_all(&brokers, INPUT)
        .into_iter()
        .map(|r| ((r.partition, r.offset), r.value.unwrap_or_default()))
        .collect();
    let dlq = read_all(&brokers, "distillguard-dead-letter");
    assert_eq!(dlq.len(), 12);
    for r in &dlq {
        let reason = r.headers["reason"].as_str();
        assert!(
            ["bad_json", "missing_ts", "bad_ip"].contains(&reason),
            "{reason}"
        );
        assert_eq!(r.headers["source_topic"], INPUT);
        let p: i32 = r.headers["source_partition"].parse().unwrap();
        let o: i64 = r.headers["source_offset"].parse().unwrap();
        assert_eq!(
            input[&(p, o)],
            r.value.clone().unwrap(),
            "dead letter carries the raw value"
        );
    }

    // everything committed; checkpoints exist for every partition
    assert_eq!(
        committed(&brokers, "g1", INPUT),
        high_watermarks(&brokers, INPUT)
    );
    let ckpt_keys: BTreeSet<String> = read_all(&brokers, "distillguard-checkpoints")
        .into_iter()
        .filter_map(|r| r.key.map(|k| String::from_utf8(k).unwrap()))
        .collect();
    for p in 0..PARTS {
        assert!(ckpt_keys.contains(&format!("{INPUT}/{p}")), "{ckpt_keys:?}");
    }

    // batch 2 continues the same accounts; a restart must resume from the checkpoints (counts
    // carried over) and read only the new records
    let t1 = end1 + 600_000;
    let batch2 = stream(80, 3, 0, t1);
    let recs2 = with_sentinels(to_partitions(&batch2), t1 + 400 * 1_000);
    produce(&brokers, INPUT, &recs2);
    let s2 = run_until_committed(&brokers, "g1").await;
    assert_eq!(s2.restored, PARTS as u64, "{s2:?}");
    assert_eq!(
        s2.records,
        recs2.len() as u64,
        "only new records are read: {s2:?}"
    );
    assert_eq!(s2.rejects.total_rejected(), 0);

    let mut all = batch1.clone();
    all.extend(batch2.iter().cloned());
    let want = replay_actioned(&all);
    assert!(
        want.len() > want1.len(),
        "batch 2 should action more accounts"
    );
    let got = verdict_accounts(&brokers);
    assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), want);
    if got.len() != want.len() {
        for r in read_all(&brokers, "distillguard-verdicts") {
            eprintln!(
                "{} {} {}",
                r.partition,
                r.offset,
                String::from_utf8_lossy(r.value.as_deref().unwrap())
            );
        }
    }
    assert_eq!(
        got.len(),
        want.len(),
        "restored counts: no account actioned twice"
    );
}

/// Issue 20, item 7: while outputs cannot be delivered (every produce request fails), the
/// instance commits nothing past them; once the broker takes them again, a restart reads the
/// same records and every one reaches its output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_committed_past_an_output_that_was_not_delivered() {
    use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};
    let (cluster, brokers) = cluster();
    let batch = stream(40, 3, 6, T0);
    let recs = with_sentinels(to_partitions(&batch), T0 + 700_000);
    produce(&brokers, INPUT, &recs);

    let refused = [RDKafkaRespErr::RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE; 100_000];
    cluster.request_errors(RDKafkaApiKey::Produce, &refused);
    let (_tx, rx) = tokio::sync::oneshot::channel::<()>();
    let failed = tokio::time::timeout(
        Duration::from_secs(60),
        run(
            live(&brokers, "g-undelivered"),
            windows(),
            Counting,
            async move {
                let _ = rx.await;
            },
        ),
    )
    .await
    .expect("the instance stops when its outputs cannot be delivered");
    assert!(failed.is_err(), "{failed:?}");
    assert!(
        committed(&brokers, "g-undelivered", INPUT).is_empty(),
        "nothing committed while no output was delivered"
    );

    cluster.clear_request_errors(RDKafkaApiKey::Produce);
    let s = run_until_committed(&brokers, "g-undelivered").await;
    assert_eq!(s.records, recs.len() as u64, "{s:?}");
    assert_eq!(read_all(&brokers, "distillguard-dead-letter").len(), 6);
    let got: BTreeSet<String> = verdict_accounts(&brokers).into_iter().collect();
    assert_eq!(got, replay_actioned(&batch));
}
